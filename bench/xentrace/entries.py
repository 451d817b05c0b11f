#!/usr/bin/env python3
"""Count every entry a domain makes into Xen, per phase, from a xentrace file (Xen 4.17 t_rec format).

An "entry" is a hypercall (a multicall counts once, however many calls it carries),
an exception Xen bounced to the guest (page faults above all), a trapped
page-table write Xen emulated, or any other PV event Xen recorded for the domain.
Phases are cut by the marker hypercalls the guests issue themselves:
sched_op(cmd = 0x7e00 | id), answered -ENOSYS by Xen but recorded in its trace;
the markers themselves are not counted.  Adapted from ../shared/xen-trace's
parse_trace.py (the lab's), reduced to what the benchmark needs.

usage: entries.py TRACE DOMID [DOMID...]   -> one line per (domain, phase):
       "DOMID PHASE ENTRIES TSC_TICKS"
"""
import collections
import struct
import sys

PHASES = {0x11: 'W1', 0x21: 'W2_MMAP', 0x22: 'W2_TOUCH', 0x23: 'W2_MPROT_RO', 0x24: 'W2_MPROT_RW',
          0x25: 'W2_RETOUCH', 0x26: 'W2_MUNMAP',
          0x31: 'W1_demand', 0x41: 'W2_MMAP_demand', 0x42: 'W2_TOUCH_demand', 0x43: 'W2_MPROT_RO_demand',
          0x44: 'W2_MPROT_RW_demand', 0x45: 'W2_RETOUCH_demand', 0x46: 'W2_MUNMAP_demand'}
TRC_TRACE_CPU_CHANGE = 0x0001f003
TRC_SCHED_SWITCH = 0x0002800a
TRC_PV_CLASS = 0x00200000
TRC_PV_HYPERCALL_V2 = 0x0020100d
TRC_PV_HYPERCALL_SUBCALL = 0x0020200e
HYPERCALL_SCHED_OP = 29


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


def count(path, domids):
    """{domid: {phase: [entries, first_tsc, last_tsc]}}"""
    recs = sorted(enumerate(records(path)), key=lambda r: (r[1][1], r[0]))
    running, phase = {}, {d: None for d in domids}
    out = {d: collections.OrderedDict() for d in domids}
    for _, (cpu, tsc, event, extra) in recs:
        if event == TRC_SCHED_SWITCH and len(extra) >= 4:
            running[cpu] = extra[2]
            continue
        dom = running.get(cpu)
        if dom not in out or event & 0x0fff0000 != TRC_PV_CLASS:
            continue
        base = event & ~0x100                      # TRC_64_FLAG
        if base == TRC_PV_HYPERCALL_SUBCALL:       # inside a multicall: already counted once
            continue
        if base == TRC_PV_HYPERCALL_V2:
            op, args = hypercall(extra)
            if op == HYPERCALL_SCHED_OP and args.get(0, 0) & 0xff00 == 0x7e00:
                if phase[dom] is not None:
                    out[dom][phase[dom]][2] = tsc
                phase[dom] = PHASES.get(args[0] & 0xff)
                if phase[dom] is not None:
                    out[dom].setdefault(phase[dom], [0, tsc, tsc])
                continue
        if phase[dom] is not None:
            out[dom][phase[dom]][0] += 1
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    result = count(sys.argv[1], [int(d) for d in sys.argv[2:]])
    for dom, phases in result.items():
        for name, (entries, first, last) in phases.items():
            print('%d %s %d %d' % (dom, name, entries, last - first))


if __name__ == '__main__':
    main()
