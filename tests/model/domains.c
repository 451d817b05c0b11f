/*
 * Which domain a hypercall's domain argument names, and whether the guest may
 * act on it: the first thing do_mmu_update and do_mmuext_op decide.
 *
 * The model's world is small: the guest (d MODEL_GUEST_DOMID), dom0 (which
 * every Xen host has), and Xen's system domains DOMID_IO and DOMID_XEN.  Any
 * other number names nobody.  The guest is a plain domU: not the control
 * domain, nobody's device model, so XSM's default policy lets it act on
 * itself only.
 */
#include "model_int.h"

/*
 * get_pg_owner() (xen/common/page_alloc.c): DOMID_SELF is the caller, but
 * the caller's own number is refused ("Cannot specify itself as foreign
 * domain") and answers NULL, which the hypercalls turn into -ESRCH.
 * DOMID_IO and DOMID_XEN are the system domains; anything else is looked up
 * (rcu_lock_domain_by_any_id) and may not exist.
 */
enum model_dom model_pg_owner(domid_t dom)
{
    switch (dom) {
    case MODEL_GUEST_DOMID:
        return MODEL_DOM_NONE;
    case DOMID_SELF:
        return MODEL_DOM_SELF;
    case DOMID_IO:
        return MODEL_DOM_IO;
    case DOMID_XEN:
        return MODEL_DOM_XEN;
    case MODEL_DOM0_DOMID:
        return MODEL_DOM_OTHER;
    default:
        return MODEL_DOM_NONE;
    }
}

/*
 * rcu_lock_domain_by_id() (xen/common/domain.c): real domains only, by number.
 * DOMID_SELF is no number and the system domains are not in the domain hash,
 * so neither is found.  The caller's own number finds the caller.
 */
enum model_dom model_domain_by_id(domid_t dom)
{
    if (dom == MODEL_GUEST_DOMID)
        return MODEL_DOM_SELF;
    return dom == MODEL_DOM0_DOMID ? MODEL_DOM_OTHER : MODEL_DOM_NONE;
}

/*
 * xsm_default_action(XSM_TARGET, current, target) (xen/include/xsm/dummy.h):
 * the same domain, or the caller's device-model target, or a control domain.
 * For a plain domU that leaves itself.
 */
bool model_xsm_target_ok(enum model_dom target)
{
    return target == MODEL_DOM_SELF;
}

const char *model_dom_name(enum model_dom d)
{
    switch (d) {
    case MODEL_DOM_SELF:
        return "itself";
    case MODEL_DOM_IO:
        return "DOMID_IO";
    case MODEL_DOM_XEN:
        return "DOMID_XEN";
    case MODEL_DOM_OTHER:
        return "dom0";
    default:
        return "no domain";
    }
}
