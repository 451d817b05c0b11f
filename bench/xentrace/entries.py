#!/usr/bin/env python3
"""Count every entry a domain makes into Xen, per phase, from a xentrace file (Xen 4.17 t_rec format).

An "entry" is a hypercall (a multicall counts once, however many calls it carries),
an exception Xen bounced to the guest (page faults above all), a trapped
page-table write Xen emulated, or any other PV event Xen recorded for the domain.
Phases are cut by the marker hypercalls the guests issue themselves:
sched_op(cmd = 0x7e00 | id), answered -ENOSYS by Xen but recorded in its trace;
the markers themselves are not counted.  Adapted from ../shared/xen-trace's
parse_trace.py (the lab's), reduced to what the benchmark needs, plus a breakdown
per phase (which hypercalls, how many PTE updates they carried, which exceptions)
so that a figure can be explained from the same trace that gave it.

Beside the entries, each phase's page-table entries Xen wrote for the guest, as far
as the trace shows them (ptes_of: mmu_update requests, update_va_mapping calls,
emulated PTE writes).

usage: entries.py TRACE DOMID [DOMID...]   -> one line per (domain, phase):
       "DOMID PHASE ENTRIES TSC_TICKS PTES"; with -v, the breakdown after each line
"""
import collections
import struct
import sys

# Marker id -> phase.  One block of ids per mapping policy (workloads/w1w2.c, wl.c):
#   0x11.. pvmmu eager / Linux by default (on demand, a page per fault)
#   0x31.. pvmmu on demand, its default fault-around window            (+0x20, DEMAND)
#   0x51.. pvmmu on demand at fault_around=1, a page per fault         (+0x40, DEMAND_ONE_PAGE)
#   0x91.. Linux with every mmap MAP_POPULATE: eager                    (+0x80, wl.c's POPULATE)
W_PHASES = {0x11: 'W1', 0x21: 'W2_MMAP', 0x22: 'W2_TOUCH', 0x23: 'W2_MPROT_RO', 0x24: 'W2_MPROT_RW',
            0x25: 'W2_RETOUCH', 0x26: 'W2_MUNMAP'}
POLICY_BLOCKS = {0x00: '', 0x20: '_demand', 0x40: '_demand_fa1', 0x80: '_populate'}
PHASES = {off + i: name + suffix for off, suffix in POLICY_BLOCKS.items() for i, name in W_PHASES.items()}
# W3, TLB shootdowns on four vCPUs (arch/x86/xen/suite_w3.c, wl-smp.c): one protect or unmap
# of 16 pages by vCPU 0 per phase, in a space loaded on vCPU 0 alone (W3P), on all four (W3),
# or on vCPU 0 after three others held it and left (W3X), or on none (W3U, pvmmu's alone).  0xb0 / 0xbe (begin, end) and 0xbf
# (the gap after each call) are markers of no phase: nothing between them and the next is counted.
W3_PHASES = {0xb1: 'W3_MPROT', 0xb2: 'W3_MUNMAP', 0xb3: 'W3P_MPROT', 0xb4: 'W3P_MUNMAP',
             0xb5: 'W3X_MPROT', 0xb6: 'W3X_MUNMAP', 0xb7: 'W3U_MPROT', 0xb8: 'W3U_MUNMAP'}
PHASES.update(W3_PHASES)
TRC_LOST_RECORDS = 0x0001f001
TRC_TRACE_CPU_CHANGE = 0x0001f003
TRC_SCHED_SWITCH = 0x0002800a
TRC_PV_CLASS = 0x00200000
TRC_PV_HYPERCALL_V2 = 0x0020100d
TRC_PV_HYPERCALL_SUBCALL = 0x0020200e
HYPERCALL_SCHED_OP = 29
RESTARTS = 'entries that were Xen restarting a preempted hypercall'
PREEMPTED = 0x80000000              # MMU_UPDATE_PREEMPTED, set in the count of a continuation
MMU_UPDATE, UPDATE_VA_MAPPING, UPDATE_VA_MAPPING_OTHERDOMAIN = 1, 14, 22
PTWR_EVENTS = (0x100b, 0x100c)       # TRC_PV_PTWR_EMULATION(_PAE): one trapped PTE write, emulated

HYPERCALLS = {0: 'set_trap_table', 1: 'mmu_update', 2: 'set_gdt', 3: 'stack_switch', 4: 'set_callbacks',
              5: 'fpu_taskswitch', 6: 'sched_op_compat', 7: 'platform_op', 8: 'set_debugreg',
              9: 'get_debugreg', 10: 'update_descriptor', 12: 'memory_op', 13: 'multicall',
              14: 'update_va_mapping', 15: 'set_timer_op', 16: 'evtchn_op_compat', 17: 'xen_version',
              18: 'console_io', 19: 'physdev_op_compat', 20: 'grant_table_op', 21: 'vm_assist',
              22: 'update_va_mapping_otherdomain', 23: 'iret', 24: 'vcpu_op', 25: 'set_segment_base',
              26: 'mmuext_op', 27: 'xsm_op', 28: 'nmi_op', 29: 'sched_op', 30: 'callback_op',
              31: 'xenoprof_op', 32: 'event_channel_op', 33: 'physdev_op', 34: 'hvm_op', 35: 'sysctl',
              36: 'domctl', 37: 'kexec_op'}
# The other PV events (xen/include/public/trace.h, TRC_PV_*): each is one entry.
PV_EVENTS = {0x1001: 'hypercall_v1', 0x1003: 'trap (bounced exception)', 0x1004: 'page_fault (bounced #PF)',
             0x1005: 'forced_invalid_op', 0x1006: 'emulate_privop', 0x1007: 'emulate_4gb',
             0x1008: 'math_state_restore', 0x1009: 'paging_fixup', 0x100a: 'gdt_ldt_mapping_fault',
             0x100b: 'ptwr_emulation (trapped PTE write)', 0x100c: 'ptwr_emulation_pae'}


class Phase:
    """One phase of one domain: its entries, its TSC span, and what they were."""

    def __init__(self, tsc):
        self.entries, self.first, self.last = 0, tsc, tsc
        self.ptes = 0                    # page-table entries the guest asked Xen to write (ptes_of)
        self.lost = 0                    # lost-records events on the domain's CPU inside the phase
        self.why = collections.Counter()
        self.by_vcpu = collections.Counter()   # entries, by the vCPU that made them
        self.times = 0                   # how many times the phase began (W3: once per round)
        self.rounds = []                 # per time it began: entries by vCPU (W3's spread across rounds)

    @property
    def ticks(self):
        return self.last - self.first


def records(path):
    """(cpu, tsc, event, extra words) for every record, in file order."""
    data = open(path, 'rb').read()
    off, cpu, last_tsc = 0, None, {}
    while off + 4 <= len(data):
        hdr, = struct.unpack_from('<I', data, off)
        off += 4
        event, nextra, has_tsc = hdr & 0x0fffffff, (hdr >> 28) & 7, hdr >> 31
        tsc = None
        if has_tsc:
            lo, hi = struct.unpack_from('<II', data, off)
            off += 8
            tsc = hi << 32 | lo
        if off + 4 * nextra > len(data):     # a record cut short at the end of the file
            break
        extra = struct.unpack_from('<%dI' % nextra, data, off)
        off += 4 * nextra
        if event == TRC_TRACE_CPU_CHANGE and not has_tsc:
            cpu = extra[0] & 0xffff
            continue
        if tsc is None:
            tsc = last_tsc.get(cpu, 0)
        last_tsc[cpu] = tsc
        yield cpu, tsc, event, extra


def hypercall(extra):
    """The hypercall number and its recorded arguments (TRC_PV_HYPERCALL_V2 packing)."""
    word, args, i = extra[0], {}, 1
    for a in range(6):
        kind = (word >> (20 + 2 * a)) & 3
        if kind == 1:
            args[a] = extra[i]
            i += 1
        elif kind == 2:
            args[a] = extra[i] | extra[i + 1] << 32
            i += 2
    return word & 0x000fffff, args


def explain(why, op, args, sub):
    """Breakdown counters for one hypercall (sub: inside a multicall, not an entry of its own)."""
    name = HYPERCALLS.get(op, 'hypercall_%d' % op)
    prefix = '  in multicall: ' if sub else 'hypercall '
    why[prefix + name] += 1
    if op in (1, 26):                    # mmu_update / mmuext_op: how many requests it carried
        count = args.get(1, 0)
        why[prefix + name + ' requests'] += count & ~PREEMPTED
        if count & PREEMPTED and not sub:
            why[prefix + name + ' continuations'] += 1
    elif op == 13 and not sub:
        why['hypercall multicall calls carried'] += args.get(1, 0)
    elif op in (24, 29, 32) and not sub:  # vcpu_op, sched_op, event_channel_op: which command
        why['%s%s cmd %d' % (prefix, name, args.get(0, -1))] += 1


def ptes_of(op, args):
    """Page-table entries one recorded call asks Xen to write and validate, as far as
    the trace shows: an mmu_update's request count (its continuations, which carry
    MMU_UPDATE_PREEMPTED and the count still to do, repeat requests already counted:
    0), one for an update_va_mapping.  The trace records a call's arguments, not its
    requests: an mmu_update request that is not a PTE write (MMU_MACHPHYS_UPDATE)
    counts too, and a pin, which validates whole tables, cannot be counted at all."""
    if op == MMU_UPDATE:
        count = args.get(1, 0)
        return 0 if count & PREEMPTED else count
    return 1 if op in (UPDATE_VA_MAPPING, UPDATE_VA_MAPPING_OTHERDOMAIN) else 0


def count(path, domids):
    """{domid: OrderedDict(phase name: Phase)}, in the order the phases began."""
    recs = sorted(enumerate(records(path)), key=lambda r: (r[1][1], r[0]))
    running, phase = {}, {d: None for d in domids}
    out = {d: collections.OrderedDict() for d in domids}
    # The domain's last multicall: [calls it carried, sub-calls Xen ran, restart to
    # confirm?].  When Xen stops a multicall early (preempted between sub-calls, or
    # inside one, or to finish a deferred page-table put), it rewinds the guest so
    # that the guest, on return, issues the multicall again for the calls left.
    # That re-issue is a real entry, but Xen's doing, not the guest's: told apart
    # by the count (the calls left) and, if a sub-call was cut, by that sub-call
    # coming back first with MMU_UPDATE_PREEMPTED.  mmu_update and mmuext_op
    # restarts carry the flag themselves.
    last_mc = collections.defaultdict(lambda: None)   # by (domain, vCPU): each vCPU issues its own
    for _, (cpu, tsc, event, extra) in recs:
        if event == TRC_SCHED_SWITCH and len(extra) >= 4:
            running[cpu] = (extra[2], extra[3])   # the next domain on this CPU, and its vCPU
            continue
        dom, vcpu = running.get(cpu, (None, None))
        if dom not in out:
            continue
        current = out[dom].get(phase[dom]) if phase[dom] else None
        if event == TRC_LOST_RECORDS:
            if current:
                current.lost += 1
            continue
        if event & 0x0fff0000 != TRC_PV_CLASS:
            continue
        base = event & ~0x100                # TRC_64_FLAG
        if base == TRC_PV_HYPERCALL_SUBCALL:  # inside a multicall: its entry is already counted
            op, args = hypercall(extra)
            mc = last_mc[dom, vcpu]
            if mc:
                if mc[2] and mc[1] == 0 and op in (1, 26) and args.get(1, 0) & PREEMPTED and current:
                    current.why[RESTARTS] += 1
                mc[1] += 1
            if current:
                explain(current.why, op, args, sub=True)
                current.ptes += ptes_of(op, args)
            continue
        previous_mc, last_mc[dom, vcpu] = last_mc[dom, vcpu], None
        if base == TRC_PV_HYPERCALL_V2:
            op, args = hypercall(extra)
            restarted = op in (1, 26) and args.get(1, 0) & PREEMPTED
            if op == 13:
                nr, left = args.get(1, 0), previous_mc and previous_mc[0] - previous_mc[1]
                restarted = previous_mc is not None and 0 < left == nr        # cut between sub-calls
                last_mc[dom, vcpu] = [nr, 0, previous_mc is not None and nr == left + 1]  # cut inside one?
            if op == HYPERCALL_SCHED_OP and args.get(0, 0) & 0xff00 == 0x7e00:
                if current:
                    current.last = tsc
                phase[dom] = PHASES.get(args[0] & 0xff)
                if phase[dom]:
                    began = out[dom].setdefault(phase[dom], Phase(tsc))
                    began.times += 1
                    began.rounds.append(collections.Counter())
                continue
            if current:
                current.entries += 1
                current.by_vcpu[vcpu] += 1
                current.rounds[-1][vcpu] += 1
                current.ptes += ptes_of(op, args)
                explain(current.why, op, args, sub=False)
                if restarted:
                    current.why[RESTARTS] += 1
            continue
        if current:
            current.entries += 1
            current.by_vcpu[vcpu] += 1
            current.rounds[-1][vcpu] += 1
            current.ptes += (base & 0xffff) in PTWR_EVENTS
            current.why[PV_EVENTS.get(base & 0xffff, 'pv event 0x%x' % base)] += 1
    return out


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    if len(args) < 2:
        sys.exit(__doc__)
    for dom, phases in count(args[0], [int(d) for d in args[1:]]).items():
        for name, p in phases.items():
            print('%d %s %d %d %d' % (dom, name, p.entries, p.ticks, p.ptes))
            if '-v' in sys.argv:
                print('    %-50s %9d' % ('times the phase began', p.times))
                for v, n in sorted(p.by_vcpu.items()):
                    print('    %-50s %9d' % ('entries by vCPU %d' % v, n))
                for what, n in sorted(p.why.items()):
                    print('    %-50s %9d' % (what, n))


if __name__ == '__main__':
    main()
