/* helper.c — placeholder, being written */
