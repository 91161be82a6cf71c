/* A polled 16550 UART: no interrupts, so it works from any context, panic
 * included. Register offsets from the 16550 datasheet. */
#include "drivers/console/uart16550.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8
enum { THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7, DLL = 0, DLM = 1 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static bool present;

bool uart_init(void)
{
    /* The scratch register proves a UART is there before we spin on LSR. */
    outb(COM1 + SCR, 0x5a);
    if (inb(COM1 + SCR) != 0x5a)
        return false;
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x80);     /* DLAB: set the divisor */
    outb(COM1 + DLL, 1);        /* 115200 baud */
    outb(COM1 + DLM, 0);
    outb(COM1 + LCR, 0x03);     /* 8N1 */
    outb(COM1 + FCR, 0xc7);     /* FIFOs on, cleared */
    outb(COM1 + MCR, 0x03);     /* DTR, RTS */
    present = true;
    return true;
}

static void put(char ch)
{
    /* Bounded wait: a wedged UART must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_THR_EMPTY); i++)
        cpu_relax();
    outb(COM1 + THR, (uint8_t)ch);
}

void uart_write(const char *s, size_t n)
{
    if (!present)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}

int uart_getc(void)
{
    if (!present || !(inb(COM1 + LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + THR); /* RBR shares THR's offset */
}
