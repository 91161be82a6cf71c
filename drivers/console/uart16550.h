#ifndef SINTER_DRIVERS_UART16550_H
#define SINTER_DRIVERS_UART16550_H
#include <stddef.h>
#include <stdbool.h>
/* Polled 16550 on COM1 (0x3F8), 115200 8N1. */
bool uart_init(void);
void uart_write(const char *s, size_t n);
/* The next received byte, or -1 when none is waiting (never blocks). */
int uart_getc(void);
#endif
