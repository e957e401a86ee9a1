#!/usr/bin/env python3
"""Checks bench/compare without timing anything (benchmarks never fail on
time): its KERNELS list matches the kernels bench/meson.build builds, every
kernel source exists, the native column's sources compile for the host
(gcc -fsyntax-only against bench/native/rt.h), and the ratio, geometric
mean and Markdown writer give the right figures for made-up times.
usage: bench_compare.py SOURCE_ROOT"""
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    root = sys.argv[1]
    bench = os.path.join(root, 'bench')
    loader = importlib.machinery.SourceFileLoader('compare', os.path.join(bench, 'compare'))
    spec = importlib.util.spec_from_loader('compare', loader)
    c = importlib.util.module_from_spec(spec)
    loader.exec_module(c)
    bad = []

    with open(os.path.join(bench, 'meson.build')) as f:
        m = re.search(r"# keep in step with KERNELS in bench/compare\n\s*foreach name : \[([^\]]*)\]",
                      f.read())
    meson_names = re.findall(r"'([^']+)'", m.group(1)) if m else []
    names = [k[0] for k in c.KERNELS]
    if meson_names != names:
        bad.append('bench/meson.build builds %s, bench/compare runs %s' % (meson_names, names))
    for name, group, _, libs in c.KERNELS:
        src = os.path.join(bench, 'guest', name + '.c')
        if not os.path.exists(src):
            bad.append('%s: no %s' % (name, src))
            continue
        if group not in c.GROUP_TITLES:
            bad.append('%s: unknown group %s' % (name, group))
        if libs is not None and shutil.which('gcc'):
            p = subprocess.run(['gcc', '-fsyntax-only', '-O2', '-Wall', '-Werror',
                                '-I', os.path.join(bench, 'native'),
                                '-I', os.path.join(bench, 'guest'), src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                bad.append('%s: native build fails:\n%s' % (name, p.stdout.decode()[-400:]))

    if abs(c.geomean([1.0, 4.0]) - 2.0) > 1e-12 or c.geomean([None]) is not None:
        bad.append('geomean wrong')
    if c.ratio(3.0, 1.5) != 2.0 or c.ratio(1.0, None) is not None:
        bad.append('ratio wrong')
    rows = [{'name': 'k1', 'group': 'int', 'loom': 1.0, 'qemu': 4.0, 'native': 0.5,
             'loom_qemu': 0.25, 'loom_native': 2.0},
            {'name': 'k2', 'group': 'trap', 'loom': 2.0, 'qemu': 1.0, 'native': None,
             'loom_qemu': 2.0, 'loom_native': None}]
    meta = {'date': 'd', 'clock': 'cpu', 'runs': 3, 'load_before': '1', 'load_after': '2'}
    with tempfile.TemporaryDirectory() as d:
        md = os.path.join(d, 'compare.md')
        c.write_markdown(md, rows, {'int': (0.25, 2.0, 1)}, meta)
        with open(md) as f:
            text = f.read()
    for want in ('| k1 | int | 1.000 | 4.000 | 0.500 | 0.25 | 2.00 |',
                 '| k2 | trap | 2.000 | 1.000 | – | 2.00 | – |',
                 '| **geometric mean, integer** (1) | | | | | **0.25** | **2.00** |',
                 'median of 3 interleaved runs'):
        if want not in text:
            bad.append('compare.md lacks %r' % want)
    for b in bad:
        print('bench_compare: %s' % b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
