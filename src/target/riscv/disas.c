/* disas.c — placeholder, being written */
