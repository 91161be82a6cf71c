#ifndef SINTER_KERNEL_SHUTDOWN_H
#define SINTER_KERNEL_SHUTDOWN_H
/* Ends the VM: isa-debug-exit when QEMU has one (exit status = status),
 * else ACPI S5 power-off. */
void machine_poweroff(int status) __attribute__((noreturn));
#endif
