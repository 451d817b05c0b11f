/*
 * A small vsnprintf for a kernel with no libc.
 *
 * Enough for diagnostics: %s %c %d %i %u %x %p with l / ll / z length modifiers,
 * '0' and '#' flags, a field width, and a precision for %s (%.64s: at most 64 bytes of a
 * string that came from outside and may be long).  It always terminates the buffer and returns the
 * length the full text would have had, as C's snprintf does.
 */
#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/report.h>
#include "lib/lib_int.h"

struct sink {
    char *buf;
    size_t size, len;
};

static void put(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void put_number(struct sink *s, uint64_t v, unsigned base, bool negative,
                       unsigned width, char pad)
{
    char digits[24];
    unsigned n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    while (width > n) {
        put(s, pad);
        width--;
    }
    while (n)
        put(s, digits[--n]);
}

int pvmmu_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { buf, size, 0 };

    for (; *fmt; fmt++) {
        unsigned width = 0, longs = 0, precision = ~0u;
        bool alternate = false;   /* '#': 0x before a hexadecimal number */
        char pad = ' ';

        if (*fmt != '%') {
            put(&s, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '0')
                pad = '0';
            else if (*fmt == '#')
                alternate = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        if (*fmt == '.') {
            precision = 0;
            for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
                precision = precision * 10 + (unsigned)(*fmt - '0');
        }
        while (*fmt == 'l' || *fmt == 'z')
            longs++, fmt++;

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, long long) : va_arg(ap, int);
            put_number(&s, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);

            if (alternate && *fmt == 'x') {
                put(&s, '0');
                put(&s, 'x');
                width = width > 2 ? width - 2 : 0;
            }
            put_number(&s, v, *fmt == 'u' ? 10 : 16, false, width, pad);
            break;
        }
        case 'p':
            put(&s, '0');
            put(&s, 'x');
            put_number(&s, (uintptr_t)va_arg(ap, void *), 16, false, width, pad);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            for (str = str ? str : "(null)"; *str && precision; str++, precision--)
                put(&s, *str);
            break;
        }
        case 'c':
            put(&s, (char)va_arg(ap, int));
            break;
        case '%':
            put(&s, '%');
            break;
        default: /* unknown conversion: show it rather than guess */
            put(&s, '%');
            if (*fmt)
                put(&s, *fmt);
            else
                fmt--;
        }
    }
    if (size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}

int pvmmu_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = pvmmu_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
