#!/usr/bin/env python3
"""bench-xen's counting and reporting, held to what docs/bench.md says they do.

Runs in `make check` (bench/bench.mk), with no rig: the traces here are built
record by record in Xen 4.17's t_rec format, and wl.c runs on the host (its
markers then fail to reach Xen, but it records their ids all the same).  Prints
cmocka's summary lines, which tests/run-check.sh sums with the C tests'.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import entries  # noqa: E402
import report  # noqa: E402
import splice  # noqa: E402

DOM = 5


def rec(event, *extra, tsc=None):
    """One t_rec: header (event, extra-word count, TSC flag), the TSC, the extra words."""
    hdr = event | len(extra) << 28 | (1 << 31 if tsc is not None else 0)
    out = struct.pack('<I', hdr)
    if tsc is not None:
        out += struct.pack('<II', tsc & 0xffffffff, tsc >> 32)
    return out + struct.pack('<%dI' % len(extra), *extra)


def call(op, *args, sub=False, tsc=0):
    """A TRC_PV_HYPERCALL_V2 (or, inside a multicall, _SUBCALL) record with 32-bit arguments."""
    word = op | sum(1 << (20 + 2 * i) for i in range(len(args)))
    return rec(entries.TRC_PV_HYPERCALL_SUBCALL if sub else entries.TRC_PV_HYPERCALL_V2, word, *args, tsc=tsc)


def marker(ident, tsc):
    return call(entries.HYPERCALL_SCHED_OP, 0x7e00 | ident, 0, tsc=tsc)


def trace(*body):
    """Domain DOM running on CPU 1, then the given records."""
    return (rec(entries.TRC_TRACE_CPU_CHANGE, 1) + rec(entries.TRC_SCHED_SWITCH, 0, 0, DOM, 0, tsc=1) +
            b''.join(body))


def count(data):
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(data)
        f.flush()
        return entries.count(f.name, [DOM])[DOM]


class Counting(unittest.TestCase):
    def test_ptes_are_the_requests_a_guest_issued_continuations_not_twice(self):
        # What docs/bench.md's xen_ptes says: mmu_update requests, one per update_va_mapping,
        # one per emulated PTE write; a continuation repeats requests already counted.
        phases = count(trace(marker(0x11, 10),
                             call(1, 0, 32, tsc=11),                                # mmu_update, 32 requests
                             call(1, 0, entries.PREEMPTED | 31, tsc=12),            # Xen's restart of it
                             call(13, 0, 2, tsc=13),                                # multicall of 2:
                             call(1, 0, 3, sub=True, tsc=13),                       #   mmu_update, 3
                             call(14, 0, 0, sub=True, tsc=13),                      #   update_va_mapping
                             rec(0x0020100b, 0, 0, tsc=14),                         # trapped PTE write
                             call(23, tsc=15),                                      # iret: no PTE
                             marker(0x12, 20)))
        w1 = phases['W1']
        self.assertEqual(w1.entries, 5)
        self.assertEqual(w1.ptes, 32 + 3 + 1 + 1)
        self.assertEqual(w1.why[entries.RESTARTS], 1)

    def test_each_policy_has_its_own_marker_block(self):
        # Two demand runs (window 16, window 1) and two Linux runs (plain, MAP_POPULATE) in one
        # boot: every phase name must come from exactly one marker id.
        names = list(entries.PHASES.values())
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(entries.PHASES[0x11 + 0x40], 'W1_demand_fa1')
        self.assertEqual(entries.PHASES[0x22 + 0x40], 'W2_TOUCH_demand_fa1')
        self.assertEqual(entries.PHASES[0x11 + 0x80], 'W1_populate')
        self.assertEqual(entries.PHASES[0x21 + 0x80], 'W2_MMAP_populate')

    def test_w2_is_mmap_and_touch_together(self):
        phases = count(trace(marker(0x21, 10), call(13, 0, 4, tsc=11), call(13, 0, 4, tsc=12),
                             marker(0x22, 20), rec(0x00201004, 0, 0, tsc=21), marker(0x23, 30)))
        row = next(r for r in report.ROWS if r.name == 'W2')
        self.assertEqual(row.phases['pvmmu'], ['W2_MMAP', 'W2_TOUCH'])
        self.assertEqual(report.row_sum(phases, row.phases['pvmmu'])[0], 3)


def switch(vcpu, tsc):
    """Xen schedules DOM's `vcpu` on CPU 1 (TRC_SCHED_SWITCH: prev dom, prev vcpu, next dom, next vcpu)."""
    return rec(entries.TRC_SCHED_SWITCH, DOM, 0, DOM, vcpu, tsc=tsc)


class W3Counting(unittest.TestCase):
    """W3 (docs/bench.md): four vCPUs share one pCPU; each call is a phase of its own, once a round."""

    def test_entries_are_told_apart_by_the_vcpu_that_made_them(self):
        # vCPU 0 protects (one multicall); vCPU 2, scheduled in the middle, takes a timer
        # event and returns with iret: the domain made 2 entries in the phase, vCPU 0 one.
        phases = count(trace(marker(0xb1, 10), call(13, 0, 2, tsc=11), switch(2, 12), call(23, tsc=13),
                             switch(0, 14), marker(0xbf, 15)))
        p = phases['W3_MPROT']
        self.assertEqual(p.entries, 2)
        self.assertEqual(p.by_vcpu, {0: 1, 2: 1})

    def test_rounds_add_up_and_the_gap_between_them_is_not_counted(self):
        # Two rounds of W3_MUNMAP; the map and touching between them (after W3_GAP) counts nowhere.
        phases = count(trace(marker(0xb2, 10), call(13, 0, 1, tsc=11), marker(0xbf, 12),
                             call(1, 0, 16, tsc=13), call(1, 0, 16, tsc=14),
                             marker(0xb2, 20), call(13, 0, 1, tsc=21), marker(0xbf, 22)))
        self.assertEqual(set(phases), {'W3_MUNMAP'})
        p = phases['W3_MUNMAP']
        self.assertEqual((p.entries, p.times), (2, 2))
        self.assertEqual(report.w3_per_call(p, 2, 'W3_MUNMAP', 'pvmmu-smp'), (1.0, 1.0))
        self.assertEqual([dict(r) for r in p.rounds], [{0: 1}, {0: 1}])
        with self.assertRaises(SystemExit):     # a trace that began the phase fewer times than the rounds
            report.w3_per_call(p, 3, 'W3_MUNMAP', 'pvmmu-smp')

    def test_the_spread_over_rounds_is_the_shooters(self):
        # Three rounds of vCPU 0: 1, 1 and 4 entries (a tick caught), and vCPU 1's 9 in the last:
        # least 1 and median 1 for vCPU 0, whatever the other vCPU did.
        body = [marker(0xb1, 10), call(13, 0, 1, tsc=11), marker(0xbf, 12),
                marker(0xb1, 20), call(13, 0, 1, tsc=21), marker(0xbf, 22),
                marker(0xb1, 30), call(13, 0, 1, tsc=31), call(23, tsc=32), call(24, 8, tsc=33), call(23, tsc=34)]
        body += [switch(1, 35)] + [call(23, tsc=36 + i) for i in range(9)] + [switch(0, 50), marker(0xbf, 51)]
        p = count(trace(*body))['W3_MPROT']
        self.assertEqual(report.w3_spread(p), (1, 1))
        self.assertEqual(p.by_vcpu, {0: 6, 1: 9})

    def test_a_multicall_restart_is_told_apart_per_vcpu(self):
        # vCPU 0's multicall of 3 is cut after 1 sub-call and re-issued for 2; vCPU 1 issues a
        # multicall of 5 in between.  Tracked per domain, vCPU 0's re-issue would be matched
        # against vCPU 1's call and missed; per vCPU it is the one restart.
        phases = count(trace(marker(0xb1, 10), call(13, 0, 3, tsc=11), call(1, 0, 1, sub=True, tsc=11),
                             switch(1, 12), call(13, 0, 5, tsc=13), call(1, 0, 1, sub=True, tsc=13),
                             call(1, 0, 1, sub=True, tsc=13), switch(0, 14), call(13, 0, 2, tsc=15),
                             marker(0xbf, 16)))
        self.assertEqual(phases['W3_MPROT'].why[entries.RESTARTS], 1)

    PVMMU = ('stat: w3_rounds 2\nstat: w3_vcpus 4\nstat: w3_protected_pages 32\nstat: w3_unmapped_pages 32\n'
             'stat: w3_touched_pages %d\nstat: w3_multi 4\nstat: w3_local 0\nstat: w3_avoided 0\n')
    LINUX = '@@WL work w3 vcpus=4 rounds=2 protected=32 munmapped=32 touched=128\n'

    def test_every_w3_phase_has_its_marker_and_the_gap_none(self):
        self.assertEqual(sorted(entries.W3_PHASES), list(range(0xb1, 0xb9)))
        for ident in (0xb0, 0xbe, 0xbf):
            self.assertNotIn(ident, entries.PHASES)
        self.assertEqual({r.name for r in report.W3_ROWS} | {n for n, _ in report.W3_PVMMU_ONLY},
                         set(entries.W3_PHASES.values()))

    def test_the_work_is_each_guests_own_and_must_agree(self):
        work = {'pvmmu-smp': report.pvmmu_w3_work(self.PVMMU % 128), 'linux-smp': report.linux_work(self.LINUX)}
        self.assertEqual(report.w3_work(work, 'w3'), {'rounds': 2, 'vcpus': 4, 'protected': 32, 'unmapped': 32,
                                                      'touched': 128})
        self.assertEqual(work['pvmmu-smp']['w3']['multi'], 4)
        self.assertEqual(report.pvmmu_w3_work('stat: w3u_avoided 64\n'), {'w3u': {'avoided': 64}})
        work['pvmmu-smp'] = report.pvmmu_w3_work(self.PVMMU % 64)   # only two vCPUs touched it
        with self.assertRaises(SystemExit):
            report.w3_work(work, 'w3')


class Work(unittest.TestCase):
    PVMMU = ('stat: w1_traps 200\nstat: w1_spaces 100\nstat: w1_pages_mapped 102400\nstat: w1_pages_touched 102400\n'
             'stat: w1_pages_unmapped %d\n')
    LINUX = '@@WL work w1_populate spaces=100 mmapped=102400 touched=102400 munmapped=102400 faulted_in=104200\n'

    def work(self, unmapped):
        return {'pvmmu': report.pvmmu_work(self.PVMMU % unmapped), 'linux': report.linux_work(self.LINUX)}

    def test_equal_work_is_read_from_each_guests_own_counters(self):
        row = next(r for r in report.ROWS if r.name == 'W1_populate')
        got = report.row_work(row, self.work(102400))
        self.assertEqual(got['pvmmu'], {'spaces': 100, 'mapped': 102400, 'touched': 102400, 'unmapped': 102400})
        self.assertEqual(got['pvmmu'], got['linux'])
        self.assertEqual(got['linux_faulted_in'], 104200)
        unmap_row = report.Row('X', 'pvmmu', [], [], report.NO_POLICY, True, ('w1', 'w1_populate', ('unmapped',)))
        self.assertNotIn('linux_faulted_in', report.row_work(unmap_row, self.work(102400)))

    def test_a_row_of_unequal_work_is_refused(self):
        # pvmmu's W1 child used to be torn down without unmapping its 4 MiB, while wl.c's
        # child munmaps before _exit: that comparison must not reach a table.
        row = next(r for r in report.ROWS if r.name == 'W1_populate')
        with self.assertRaises(SystemExit):
            report.row_work(row, self.work(0))

    def test_every_same_policy_row_names_one_policy_for_both(self):
        for row in report.ROWS:
            self.assertTrue(row.same or row.policy.startswith('policy win'), row.name)
            self.assertFalse(row.same and 'win' in row.policy, row.name)

    def test_floors_are_read_when_the_file_exists(self):
        with tempfile.NamedTemporaryFile('w', suffix='.txt') as f:
            f.write('# comment\nW1_populate 220 one multicall per fork and teardown\nbad line\n')
            f.flush()
            self.assertEqual(report.floors(f.name), [('W1_populate', 220, 'one multicall per fork and teardown')])
        self.assertEqual(report.floors('/nonexistent/floors.txt'), [])


class LinuxSide(unittest.TestCase):
    def test_wl_populate_run_has_its_own_markers_and_counts_its_work(self):
        with tempfile.TemporaryDirectory() as d:
            exe = os.path.join(d, 'wl')
            subprocess.run(['gcc', '-O2', '-Wall', '-Werror', '-o', exe, os.path.join(HERE, 'wl.c')], check=True)
            out = subprocess.run([exe, '0', '2', 'populate'], capture_output=True, text=True, check=True).stdout
        ids = [int(m, 16) & 0xff for m in re.findall(r'^@@WL mark (0x[0-9a-f]+)', out, re.M)]
        measured = [entries.PHASES[i] for i in ids if i in entries.PHASES]
        self.assertEqual(measured, ['W1_populate', 'W2_MMAP_populate', 'W2_TOUCH_populate', 'W2_MPROT_RO_populate',
                                    'W2_MPROT_RW_populate', 'W2_RETOUCH_populate', 'W2_MUNMAP_populate'])
        work = report.linux_work(out)
        self.assertEqual(work['w1_populate']['spaces'], 2)
        self.assertEqual(work['w1_populate']['unmapped'], 2 * 1024)
        self.assertEqual(work['w2_populate']['mapped'], 16384)


class Docs(unittest.TestCase):
    DOC = 'intro\n<!-- BEGIN GENERATED bench-xen figures: by make bench-xen-docs -->\nold\n' \
          '<!-- END GENERATED bench-xen figures -->\nafter\n'

    def test_the_generated_block_is_replaced_and_nothing_else(self):
        new = splice.splice(self.DOC, 'figures', '| a |\n')
        self.assertEqual(new, self.DOC.replace('old', '| a |'))
        self.assertEqual(splice.splice(new, 'figures', '| a |\n'), new)

    def test_a_document_without_the_block_is_an_error(self):
        with self.assertRaises(ValueError):
            splice.splice('no markers here\n', 'figures', 'x')


def main():
    """unittest's verdicts, then cmocka's summary lines, which tests/run-check.sh reads."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=0).run(suite)
    bad = result.failures + result.errors
    for test, _ in bad:
        print('[  FAILED  ] %s' % test.id())
    print('[==========] %d test(s) run.' % result.testsRun)
    print('[  PASSED  ] %d test(s).' % (result.testsRun - len(bad)))
    if bad:
        print('[  FAILED  ] %d test(s), listed below:' % len(bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
