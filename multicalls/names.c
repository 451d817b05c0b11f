/* Names of mmuext_op commands, so a report says PIN_L4_TABLE, not "3". */
#include "lib/lib_int.h"
#include <xen/pvmmu/multicall.h>
#include "multicalls/multicalls_int.h"

static const char *const mmuext_names[] = {
    [MMUEXT_PIN_L1_TABLE] = "PIN_L1_TABLE",       [MMUEXT_PIN_L2_TABLE] = "PIN_L2_TABLE",
    [MMUEXT_PIN_L3_TABLE] = "PIN_L3_TABLE",       [MMUEXT_PIN_L4_TABLE] = "PIN_L4_TABLE",
    [MMUEXT_UNPIN_TABLE] = "UNPIN_TABLE",         [MMUEXT_NEW_BASEPTR] = "NEW_BASEPTR",
    [MMUEXT_TLB_FLUSH_LOCAL] = "TLB_FLUSH_LOCAL", [MMUEXT_INVLPG_LOCAL] = "INVLPG_LOCAL",
    [MMUEXT_TLB_FLUSH_MULTI] = "TLB_FLUSH_MULTI", [MMUEXT_INVLPG_MULTI] = "INVLPG_MULTI",
    [MMUEXT_TLB_FLUSH_ALL] = "TLB_FLUSH_ALL",     [MMUEXT_INVLPG_ALL] = "INVLPG_ALL",
    [MMUEXT_FLUSH_CACHE] = "FLUSH_CACHE",         [MMUEXT_SET_LDT] = "SET_LDT",
    [MMUEXT_NEW_USER_BASEPTR] = "NEW_USER_BASEPTR",
};

const char *mmuext_cmd_name(unsigned int cmd)
{
    if (cmd < ARRAY_SIZE(mmuext_names) && mmuext_names[cmd])
        return mmuext_names[cmd];
    return "unknown mmuext command";
}
