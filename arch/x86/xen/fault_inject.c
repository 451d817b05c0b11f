/*A:640 The counters and the one armed fault behind fault_inject.h.  Single vCPU, and
 * the MMU layer never makes a hypercall from an interrupt: plain variables do. :*/
#include "fault_inject.h"

static unsigned long calls, entries;          /* made since boot */
static unsigned long call_to_fail, entry_to_fail;  /* absolute numbers; 0: none armed */

void fault_inject_arm(bool entry, unsigned long nth)
{
    if (entry)
        entry_to_fail = nth ? entries + nth : 0;
    else
        call_to_fail = nth ? calls + nth : 0;
}

unsigned long fault_inject_count(bool entry)
{
    return entry ? entries : calls;
}

bool fault_inject_hypercall_due(void)
{
    if (++calls != call_to_fail)
        return false;
    call_to_fail = 0;
    return true;
}

int fault_inject_entry_due(unsigned int count)
{
    unsigned long first = entries + 1;

    entries += count;
    if (!entry_to_fail || entry_to_fail < first || entry_to_fail > entries)
        return -1;
    count = (unsigned int)(entry_to_fail - first);
    entry_to_fail = 0;
    return (int)count;
}
