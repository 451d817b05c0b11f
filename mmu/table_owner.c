/*E:250 Whose table is this?  One record per table frame.
 *
 * set_pte and its siblings take a pointer to a slot, and a pointer says nothing
 * about where it came from.  A slot kept from an address space that has since
 * been destroyed points into a freed frame, perhaps already another space's
 * table or someone's data; a table linked into two places (twice in one space,
 * or into two spaces) is freed by the first teardown while the other still
 * links it.  Xen catches neither: the frames are ours, and a frame may well be
 * referenced twice.
 *
 * So pvmmu remembers, for every frame that is a table of an address space,
 * which one and at what level.  A write is accepted only into a table of the
 * address space named, at the level named; a hook only of tables that belong
 * to no one yet.  A record is made when a table joins a tree (a root at
 * creation, a subtree when it is hooked, a copy made by fork) and dropped when
 * it leaves (unhooked, freed).  The kernel's own tables came from Xen's domain
 * builder and are not recorded one by one: the kernel space may write any
 * table that no other space owns.
 *
 * The records are two bytes a frame, in a radix tree by pfn: a static top, mid
 * frames of 512 leaf pointers, leaf frames of 2,048 records.  Leaves exist only
 * where tables are, and each is freed again when its last record goes, so the
 * records cost a frame per 8 MiB of guest memory that holds tables, and leak
 * nothing.  They are kept by pfn, so a save and restore does not disturb them. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "mmu/table_owner.h"
#include "mmu/mmu_int.h"
#include "lib/spinlock.h"

/*
 * The records are shared by every vCPU (a table is claimed by whichever vCPU
 * hooks it), and a record's leaf may be freed by another vCPU's release: every
 * access takes the lock.  A subtree is claimed record by record: two vCPUs
 * hooking one subtree into two spaces at once is a caller's race that this does
 * not settle (docs/smp-locks.md).
 */
static struct spinlock owner_lock = SPINLOCK_INIT(LOCK_OWNER);

typedef uint16_t owner_record;   /* 0: no one's; else the space's id << 3 | the table's level */

#define RECORDS_PER_LEAF (PAGE_SIZE / sizeof(owner_record))
#define LEAVES_PER_MID (PAGE_SIZE / sizeof(uint64_t))
#define FRAMES_PER_MID (RECORDS_PER_LEAF * LEAVES_PER_MID)
#define NR_MIDS ((P2M_MAX_PFNS + FRAMES_PER_MID - 1) / FRAMES_PER_MID)
/* A mid entry: the leaf's pfn, and in the top bits how many records it holds (0: no leaf). */
#define LEAF_PFN_BITS 48
#define LEAF_PFN_MASK ((1ULL << LEAF_PFN_BITS) - 1)

_Static_assert(ASPACE_MAX <= (1u << 13), "an address space id must fit a record's 13 bits");
_Static_assert(RECORDS_PER_LEAF < (1u << (64 - LEAF_PFN_BITS)), "a leaf's count must fit its mid entry");

static struct { pfn_t mid; unsigned leaves; } top[NR_MIDS];   /* leaves == 0: no mid frame */

static owner_record record_of(const struct aspace *as, int level)
{
    return (owner_record)(as->id << 3 | (unsigned)level);
}

static uint64_t *mid_entry(pfn_t frame)
{
    uint64_t m = pfn_x(frame) / FRAMES_PER_MID;

    if (m >= NR_MIDS || !top[m].leaves)
        return NULL;
    return (uint64_t *)pfn_to_virt(top[m].mid) + pfn_x(frame) / RECORDS_PER_LEAF % LEAVES_PER_MID;
}

static owner_record *record_in(uint64_t leaf_entry, pfn_t frame)
{
    return (owner_record *)pfn_to_virt(_pfn(leaf_entry & LEAF_PFN_MASK)) + pfn_x(frame) % RECORDS_PER_LEAF;
}

static owner_record read_record(pfn_t frame)
{
    uint64_t *e = mid_entry(frame);

    return e && *e >> LEAF_PFN_BITS ? *record_in(*e, frame) : 0;
}

/* The mid entry for `frame`, with a mid frame and a leaf frame made if there were none. */
static uint64_t *grow_to(pfn_t frame)
{
    uint64_t m = pfn_x(frame) / FRAMES_PER_MID, *e;
    pfn_t leaf;

    if (m >= NR_MIDS) {
        pvmmu_error("table owner: pfn 0x%llx is beyond the %llu frames a p2m can hold",
                    (unsigned long long)pfn_x(frame), (unsigned long long)P2M_MAX_PFNS);
        return NULL;
    }
    if (!top[m].leaves) {
        top[m].mid = frame_alloc();
        if (!pfn_valid_value(top[m].mid)) {
            pvmmu_error("table owner: out of frames for the records of pfn 0x%llx",
                        (unsigned long long)pfn_x(frame));
            return NULL;
        }
    }
    e = (uint64_t *)pfn_to_virt(top[m].mid) + pfn_x(frame) / RECORDS_PER_LEAF % LEAVES_PER_MID;
    if (*e >> LEAF_PFN_BITS)
        return e;
    leaf = frame_alloc();
    if (!pfn_valid_value(leaf)) {
        pvmmu_error("table owner: out of frames for the records of pfn 0x%llx",
                    (unsigned long long)pfn_x(frame));
        if (!top[m].leaves)
            frame_free(top[m].mid);
        return NULL;
    }
    top[m].leaves++;
    *e = pfn_x(leaf);
    return e;
}

/* One record fewer in this leaf: the last one takes the leaf (and perhaps the mid) with it. */
static void shrink(uint64_t *e, pfn_t frame)
{
    uint64_t m = pfn_x(frame) / FRAMES_PER_MID;

    *e -= 1ULL << LEAF_PFN_BITS;
    if (*e >> LEAF_PFN_BITS)
        return;
    frame_free(_pfn(*e & LEAF_PFN_MASK));
    *e = 0;
    if (!--top[m].leaves)
        frame_free(top[m].mid);
}

static int set_record(pfn_t frame, owner_record r)
{
    uint64_t *e = grow_to(frame);
    owner_record *slot;

    if (!e)
        return -XEN_ENOMEM;
    slot = record_in(*e, frame);
    if (!*slot)
        *e += 1ULL << LEAF_PFN_BITS;
    *slot = r;
    return 0;
}

int table_owner_claim(const struct aspace *as, pfn_t table, int level)
{
    int rc;

    spin_lock(&owner_lock);
    rc = set_record(table, record_of(as, level));
    spin_unlock(&owner_lock);
    return rc;
}

static void release_record(pfn_t table)
{
    uint64_t *e = mid_entry(table);
    owner_record *slot;

    if (!e || !(*e >> LEAF_PFN_BITS))
        return;
    slot = record_in(*e, table);
    if (!*slot)
        return;
    *slot = 0;
    shrink(e, table);
}

void table_owner_release(pfn_t table)
{
    spin_lock(&owner_lock);
    release_record(table);
    spin_unlock(&owner_lock);
}

static owner_record read_locked(pfn_t table)
{
    owner_record r;

    spin_lock(&owner_lock);
    r = read_record(table);
    spin_unlock(&owner_lock);
    return r;
}

bool table_owned_by(const struct aspace *as, pfn_t table, int level)
{
    owner_record r = read_locked(table);

    if (as->is_kernel && !r)
        return true;     /* the domain builder's tables are not recorded */
    return r == record_of(as, level);
}

bool table_has_owner(pfn_t table)
{
    return read_locked(table) != 0;
}

/* --- whole subtrees, for hooks and unhooks ------------------------------------ */

struct claim { const struct aspace *as; pfn_t taken; };

static int check_unowned(pfn_t table, int level, void *ctx)
{
    struct claim *c = ctx;

    (void)level;
    if (!table_has_owner(table))
        return 0;
    c->taken = table;
    return -XEN_EBUSY;
}

static int claim_one(pfn_t table, int level, void *ctx)
{
    struct claim *c = ctx;

    return table_owner_claim(c->as, table, level);
}

static int release_one(pfn_t table, int level, void *ctx)
{
    (void)level;
    (void)ctx;
    table_owner_release(table);
    return 0;
}

int table_owner_claim_subtree(const struct aspace *as, pfn_t table, int level)
{
    struct claim c = { as, INVALID_PFN };
    int rc = pt_walk_subtree(table, level, check_unowned, &c);

    if (rc == -XEN_EBUSY) {
        pvmmu_error("hook into address space %u: table pfn 0x%llx is linked already (an L%u table "
                    "of address space %u); a table frame is linked in one place only", as->id,
                    (unsigned long long)pfn_x(c.taken), read_locked(c.taken) & 7u,
                    read_locked(c.taken) >> 3);
        return rc;
    }
    if (rc)
        return rc;    /* a link below that is not ours: reported by the walk */
    rc = pt_walk_subtree(table, level, claim_one, &c);
    if (rc)           /* out of frames for the records: every table here was no one's, so all go back */
        table_owner_release_subtree(table, level);
    return rc;
}

void table_owner_release_subtree(pfn_t table, int level)
{
    pt_walk_subtree(table, level, release_one, NULL);
}

void table_owner_forget(void)
{
    mem_set(top, 0, sizeof(top));
}
