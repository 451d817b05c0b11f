/*P:500 Ballooning: the toolstack's number.
 *
 * `xl mem-set NAME SIZE` writes the guest's new size, in KiB, to its
 * memory/target key in xenstore (Linux's balloon driver and Mini-OS read the same
 * key: a plain decimal count of KiB).  It is the toolstack's wish, read from a
 * store any dom0 process may write, so it is read strictly: digits only, no sign,
 * no spaces, no suffix, and no value so large that it wraps.  Anything else is
 * refused by name and changes nothing. :*/
#include <xen/pvmmu/abi.h>
#include "balloon/balloon.h"
#include <xen/pvmmu/report.h>

#define KIB_PER_PAGE (PAGE_SIZE / 1024)

int balloon_parse_target_kib(const char *value, uint64_t *kib)
{
    uint64_t n = 0;
    const char *p = value;

    if (!value || !*value) {
        pvmmu_error("balloon: memory/target is empty: expected a decimal count of KiB");
        return -XEN_EINVAL;
    }
    for (; *p; p++) {
        unsigned digit = (unsigned)(*p - '0');

        if (digit > 9) {
            pvmmu_error("balloon: memory/target '%.40s' is not a decimal count of KiB (character %u)",
                        value, (unsigned)(p - value) + 1);
            return -XEN_EINVAL;
        }
        if (n > (UINT64_MAX - digit) / 10) {
            pvmmu_error("balloon: memory/target '%.40s' does not fit 64 bits", value);
            return -XEN_EINVAL;
        }
        n = n * 10 + digit;
    }
    *kib = n;
    return 0;
}

uint64_t balloon_kib_to_pages(uint64_t kib)
{
    return kib / KIB_PER_PAGE;
}
