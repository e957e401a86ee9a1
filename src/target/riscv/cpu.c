/* cpu.c — placeholder, being written */
