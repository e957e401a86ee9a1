/* reboot_st.c — reboot.c with 4 harts, -accel tcg,thread=single. */
#define HARTS 4
#include "reboot.c"
