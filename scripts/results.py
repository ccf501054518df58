#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a scripts/vm-tests result directory.

KUnit: every suite's KTAP (from debugfs) is merged into one document and
parsed by the kernel tree's tools/testing/kunit/kunit.py parse, which shows
every case.  kselftests: each program's TAP is read ("ok", "not ok",
"# SKIP"); a program that exits 4 with no case counts as one skip, and one
that fails with no failing case counts as one failure.  The soak
(soak/soak.rc, written by scripts/check) counts as one test.

Prints the closing line "N passed, N failed, N skipped" and exits 1 on any
failure.
"""
import os
import re
import subprocess
import sys


def orphans_dropped(body):
    """The KTAP without result lines of parameters that have no plan.

    A parameterised case's results are a nested test with its own header
    and plan.  6.1's debugfs log of a case is a fixed 512-byte buffer:
    when the parameters overflow it, the header and plan are lost and
    only some result lines remain, which the parser takes for results of
    the suite.  The case's own result line still says whether all its
    parameters passed, so those orphans are dropped.
    """
    out, planned = [], False
    for line in body:
        if re.match(r'^ {8}(KTAP version|1\.\.)', line):
            planned = True
        elif re.match(r'^ {4}(not )?ok \d+ ', line):
            planned = False
        elif re.match(r'^ {8}(not )?ok \d+ ', line) and not planned:
            continue
        out.append(line)
    return out


def merge_ktap(paths):
    """One KTAP document holding every suite, renumbered."""
    lines = ['KTAP version 1', f'1..{len(paths)}']
    for i, path in enumerate(sorted(paths), 1):
        body = open(path, errors='replace').read().splitlines()
        # debugfs prints "KTAP version 1", "1..1", the suite, "ok 1 <suite>"
        body = orphans_dropped([l for l in body if l.strip()])
        if body[:2] == ['KTAP version 1', '1..1']:
            body = body[2:]
        if body and re.match(r'^(not )?ok 1 ', body[-1]):
            body[-1] = re.sub(r'^((?:not )?ok) 1 ', rf'\1 {i} ', body[-1])
        lines += body
    return '\n'.join(lines) + '\n'


def kunit_counts(ksrc, out):
    d = os.path.join(out, 'kunit')
    paths = [os.path.join(d, f) for f in os.listdir(d)
             if f.endswith('.ktap')] if os.path.isdir(d) else []
    if not paths:
        return 0, 0, 0
    merged = os.path.join(out, 'kunit.ktap')
    open(merged, 'w').write(merge_ktap(paths))
    tool = os.path.join(ksrc, 'tools/testing/kunit/kunit.py')
    p = subprocess.run([sys.executable, tool, 'parse', merged],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    sys.stdout.write(p.stdout)
    m = re.search(r'Ran (\d+) tests?: passed: (\d+)(?:, failed: (\d+))?'
                  r'(?:, crashed: (\d+))?(?:, skipped: (\d+))?'
                  r'(?:, errors: (\d+))?', p.stdout)
    if not m:
        print('results: kunit.py printed no summary', file=sys.stderr)
        return 0, 1, 0
    _, passed, failed, crashed, skipped, errors = (int(x or 0) for x in m.groups())
    failed += crashed + errors
    if p.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed, skipped


def selftest_counts(out):
    passed = failed = skipped = 0
    d = os.path.join(out, 'selftests')
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not f.endswith('.tap'):
            continue
        name = f[:-4]
        tap = open(os.path.join(d, f), errors='replace').read().splitlines()
        rc = int(open(os.path.join(d, name + '.rc')).read().strip() or 1)
        p = fl = s = 0
        for line in tap:
            m = re.match(r'^(not )?ok \d+ (.*)$', line)
            if not m:
                continue
            if '# SKIP' in m.group(2):
                s += 1
            elif m.group(1):
                fl += 1
            else:
                p += 1
        if rc == 4 and p + fl == 0:
            s = max(s, 1)
        elif rc != 0 and rc != 4 and fl == 0:
            fl = 1
        print(f'kselftest {name}: exit {rc}, {p} passed, {fl} failed, {s} skipped')
        passed, failed, skipped = passed + p, failed + fl, skipped + s
    return passed, failed, skipped


def soak_counts(out):
    """The soak (scripts/soak): one test, passed when it exited 0."""
    path = os.path.join(out, 'soak', 'soak.rc')
    if not os.path.exists(path):
        return 0, 0
    rc = int(open(path).read().strip() or 1)
    print(f'soak: exit {rc}, {"passed" if rc == 0 else "failed"}')
    return (1, 0) if rc == 0 else (0, 1)


def main():
    ksrc, out = sys.argv[1], os.path.abspath(sys.argv[2])
    extra_fail = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    kp, kf, ks = kunit_counts(ksrc, out)
    sp, sf, ss = selftest_counts(out)
    op, of = soak_counts(out)
    sp, sf = sp + op, sf + of
    if os.path.exists(os.path.join(out, 'load-error')):
        print(open(os.path.join(out, 'load-error')).read(), end='')
        extra_fail += 1
    passed, failed, skipped = kp + sp, kf + sf + extra_fail, ks + ss
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
