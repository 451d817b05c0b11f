#!/usr/bin/env python3
"""Refresh a generated block of a document from a file report.py wrote.

docs/bench.md and README.md carry bench-xen's figures between two marker lines

    <!-- BEGIN GENERATED bench-xen NAME: ... do not edit by hand -->
    <!-- END GENERATED bench-xen NAME -->

and `make bench-xen-docs` replaces what lies between them with BLOCKFILE (report.py's
entries.md or headline.md of the last run), so that the figures in the documents are
one run's, copied by a program and never by hand.  A document without the markers
is an error: silence would leave stale figures standing.

usage: splice.py DOCUMENT NAME BLOCKFILE
"""
import sys


def splice(text, name, block):
    """text with the NAME block's contents replaced by block; ValueError if the markers are not there once."""
    begin, end = '<!-- BEGIN GENERATED bench-xen %s' % name, '<!-- END GENERATED bench-xen %s -->' % name
    lines = text.split('\n')
    starts = [i for i, line in enumerate(lines) if line.startswith(begin)]
    ends = [i for i, line in enumerate(lines) if line == end]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError('no single "%s ... -->" / "%s" pair' % (begin, end))
    body = block.rstrip('\n').split('\n')
    return '\n'.join(lines[:starts[0] + 1] + body + lines[ends[0]:])


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    doc, name, blockfile = sys.argv[1:]
    try:
        text = splice(open(doc).read(), name, open(blockfile).read())
    except ValueError as e:
        sys.exit('bench-xen-docs: %s: %s' % (doc, e))
    open(doc, 'w').write(text)
    print('bench-xen-docs: %s: block %s refreshed from %s' % (doc, name, blockfile))


if __name__ == '__main__':
    main()
