/*
 * A 16550 UART at port 0x3f8, polled: nothing here takes interrupts.  QEMU
 * does not care about the baud rate, but a real UART (and QEMU's model, when
 * asked) wants a line format, so it gets the usual 115200 8N1.
 */
#include <stdarg.h>
#include <stdint.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "console.h"
#include "cpu.h"

#define COM1 0x3f8
#define UART_DATA 0      /* with DLAB: divisor low */
#define UART_IER 1       /* with DLAB: divisor high */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

/* isa-debug-exit: QEMU exits with (value << 1) | 1 on a write here. */
#define DEBUG_EXIT_PORT 0xf4

void console_init(void)
{
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, 1);          /* 115200 / 1 */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_MCR, 0x03);        /* DTR, RTS */
}

static void put_byte(char c)
{
    unsigned spins = 0;

    /* Bounded: a UART that never drains must not hang the run. */
    while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY) && ++spins < 100000)
        ;
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        put_byte(s[i]);
}

void kputs(const char *line)
{
    while (*line)
        put_byte(*line++);
    put_byte('\n');
}

_Noreturn void finish(void)
{
    kprintf("pvmmu: %u passed, %u failed", wl_passed(), wl_failed());
    outb(DEBUG_EXIT_PORT, wl_failed() || !wl_passed() ? 1 : 0);
    /* Without the device (a QEMU started by hand), there is nothing left to do. */
    halt_forever();
}
