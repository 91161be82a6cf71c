/* The console commands the drivers add (drivers/shell_*.c), registered by
 * drivers/drivers.c once the layers they look at are up. */
#ifndef SINTER_DRIVERS_SHELL_CMDS_H
#define SINTER_DRIVERS_SHELL_CMDS_H
#include <stdbool.h>
/* hv, synic, vmbus, ring, send, retarget: the guest's view. */
void shell_guest_register(void);
/* fault: the model's knobs; model_is_backend says whether they exist. */
void shell_model_register(bool model_is_backend);
#endif
