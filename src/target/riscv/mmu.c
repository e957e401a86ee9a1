/* mmu.c — placeholder, being written */
