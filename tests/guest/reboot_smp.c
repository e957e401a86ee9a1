/* reboot_smp.c — reboot.c with 4 harts (-smp 4). */
#define HARTS 4
#include "reboot.c"
