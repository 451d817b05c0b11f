/*A:350 The command-line parser: a table of known options and one loop over words.
 *
 * Adding an option is adding a line to the table.  A number is decimal or
 * 0x-hex and must fit its range; `suites` is a comma-separated list of names
 * made of [a-z0-9_-].  Nothing here trusts the input: every word is bounded by
 * `len`, every copy by its destination, and a bad word changes nothing. :*/
#include <stdint.h>
#include <xen/pvmmu/p2m.h>
#include "options.h"

enum kind { NUMBER, NAME_LIST, CHOICE };

struct option {
    const char *name;
    enum kind kind;
    size_t offset;           /* of the field in struct kernel_options */
    unsigned long min, max;  /* for NUMBER */
    const char *const *choices;   /* for CHOICE: the names, the field gets the index; NULL-ended */
};

static const char *const p2m_tools_choices[] = { "auto", "list", "tree", NULL };

#define NUM(field, lo, hi) { #field, NUMBER, offsetof(struct kernel_options, field), lo, hi, NULL }

static const struct option table[] = {
    NUM(spaces, 1, 8000),
    NUM(pages, 1, 64),
    NUM(storm_rounds, 1, 100000),
    NUM(storm_pages, 1, 1 << 20),
    NUM(w1_iterations, 1, 100000),
    NUM(w2_pages, 1, 1 << 22),
    NUM(fault_around, 1, 512),
    NUM(saves, 0, 100),
    NUM(pin_all, 0, 1),
    NUM(high_pfn, 0, P2M_LIST_MAX_PFNS - 1),
    { "p2m_tools", CHOICE, offsetof(struct kernel_options, p2m_tools), 0, 0, p2m_tools_choices },
    NUM(busy, 0, 1),
    NUM(smp_rounds, 1, 1000),
    NUM(smp_shootdown, 0, 1),
    { "suites", NAME_LIST, offsetof(struct kernel_options, suites), 0, 0, NULL },
};

#define NR_OPTIONS (sizeof(table) / sizeof(table[0]))

void options_default(struct kernel_options *opt)
{
    opt->spaces = 256;
    opt->pages = 8;
    opt->storm_rounds = 16;
    opt->storm_pages = 2048;
    opt->w1_iterations = 100;
    opt->w2_pages = 16384;
    opt->fault_around = 16;
    opt->saves = 0;
    opt->pin_all = 1;
    opt->p2m_tools = OPTIONS_P2M_TOOLS_AUTO;
    opt->high_pfn = 0;
    opt->busy = 0;
    opt->smp_rounds = 16;
    opt->smp_shootdown = 1;
    opt->suites[0] = 'a';
    opt->suites[1] = 'l';
    opt->suites[2] = 'l';
    opt->suites[3] = '\0';
}

const char *options_name(unsigned i)
{
    return i < NR_OPTIONS ? table[i].name : NULL;
}

/* A message buffer filled piece by piece, always NUL-terminated, silently truncated. */
struct msg {
    char text[320];   /* the longest: an unknown option and the list of the known ones */
    size_t len;
};

static void put(struct msg *m, const char *s, size_t n)
{
    while (n-- && *s && m->len + 1 < sizeof(m->text))
        m->text[m->len++] = *s++;
    m->text[m->len] = '\0';
}

#define QUOTE_MAX 64   /* how much of a bad word the message repeats */

static void put_number(struct msg *m, unsigned long v)
{
    char digits[24];
    size_t n = 0;

    do
        digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < sizeof(digits));
    put(m, digits + sizeof(digits) - n, n);
}

static void complain(const char *word, size_t len, const char *why, options_warn_fn warn, void *ctx)
{
    struct msg m = { .len = 0 };

    if (!warn)
        return;
    put(&m, "ignoring option '", 64);
    put(&m, word, len < QUOTE_MAX ? len : QUOTE_MAX);
    if (len > QUOTE_MAX)
        put(&m, "...", 3);
    put(&m, "': ", 3);
    put(&m, why, 224);
    warn(m.text, ctx);
}

static bool same(const char *name, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (name[i] != s[i])
            return false;
    return name[n] == '\0';
}

/* Decimal or 0x-hex, nothing else, no overflow.  *why says what was wrong. */
static bool parse_number(const char *s, size_t n, unsigned long *out, const char **why)
{
    unsigned long base = 10, v = 0;
    size_t i = 0;

    *why = "not a number";
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == n)
        return false;
    for (; i < n; i++) {
        unsigned long d;
        char c = s[i];

        if (c >= '0' && c <= '9')
            d = (unsigned long)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned long)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned long)(c - 'A' + 10);
        else
            return false;
        if (v > (UINT32_MAX - d) / base) {
            *why = "number too large";
            return false;
        }
        v = v * base + d;
    }
    *out = v;
    return true;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* a,b,c: names of [a-z0-9_-], none empty, the whole fitting the field. */
static bool valid_list(const char *s, size_t n, const char **why)
{
    size_t i;
    bool empty = true;

    if (n >= OPTIONS_SUITES_MAX) {
        *why = "list too long";
        return false;
    }
    for (i = 0; i < n; i++) {
        if (s[i] == ',') {
            if (empty)
                break;
            empty = true;
        } else if (!name_char(s[i])) {
            *why = "suite names are made of a-z, 0-9, '_' and '-', separated by commas";
            return false;
        } else {
            empty = false;
        }
    }
    if (empty) {
        *why = "empty suite name in the list";
        return false;
    }
    return true;
}

/* One key=value word: 0 if taken, 1 if ignored (and reported). */
static unsigned apply(const char *word, size_t len, struct kernel_options *opt,
                      options_warn_fn warn, void *ctx)
{
    size_t eq = 0, i;
    const char *why = "expected key=value";
    const struct option *o = NULL;
    char *field;

    while (eq < len && word[eq] != '=')
        eq++;
    if (eq == len || eq == 0) {
        complain(word, len, why, warn, ctx);
        return 1;
    }
    for (i = 0; i < NR_OPTIONS && !o; i++)
        if (same(table[i].name, word, eq))
            o = &table[i];
    if (!o) {
        complain(word, len, "unknown option (known: spaces pages storm_rounds storm_pages "
                            "w1_iterations w2_pages fault_around saves pin_all p2m_tools high_pfn busy smp_rounds smp_shootdown suites)", warn, ctx);
        return 1;
    }
    field = (char *)opt + o->offset;
    if (o->kind == NUMBER) {
        unsigned long v;

        if (!parse_number(word + eq + 1, len - eq - 1, &v, &why)) {
            complain(word, len, why, warn, ctx);
            return 1;
        }
        if (v < o->min || v > o->max) {
            struct msg range = { .len = 0 };

            put(&range, "out of range (", 16);
            put_number(&range, o->min);
            put(&range, "..", 2);
            put_number(&range, o->max);
            put(&range, ")", 1);
            complain(word, len, range.text, warn, ctx);
            return 1;
        }
        *(unsigned *)(void *)field = (unsigned)v;
        return 0;
    }
    if (o->kind == CHOICE) {
        for (i = 0; o->choices[i]; i++)
            if (same(o->choices[i], word + eq + 1, len - eq - 1)) {
                *(unsigned *)(void *)field = (unsigned)i;
                return 0;
            }
        complain(word, len, "not one of the choices (p2m_tools: auto, list or tree)", warn, ctx);
        return 1;
    }
    if (!valid_list(word + eq + 1, len - eq - 1, &why)) {
        complain(word, len, why, warn, ctx);
        return 1;
    }
    for (i = 0; i < len - eq - 1; i++)
        field[i] = word[eq + 1 + i];
    field[i] = '\0';
    return 0;
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

unsigned options_parse(const char *cmdline, size_t len, struct kernel_options *opt,
                       options_warn_fn warn, void *ctx)
{
    unsigned ignored = 0;
    size_t i = 0;

    while (i < len && cmdline[i]) {
        size_t start;

        while (i < len && cmdline[i] && space(cmdline[i]))
            i++;
        start = i;
        while (i < len && cmdline[i] && !space(cmdline[i]))
            i++;
        if (i > start)
            ignored += apply(cmdline + start, i - start, opt, warn, ctx);
    }
    return ignored;
}
