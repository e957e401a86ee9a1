/* csr.c — placeholder, being written */
