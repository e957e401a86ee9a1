/* translate.c — placeholder, being written */
