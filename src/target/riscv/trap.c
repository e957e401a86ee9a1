/* trap.c — placeholder, being written */
