#!/usr/bin/env python3
"""run.py — mutation proof of the concurrency contract (docs/mutants.md).

Every tests/mutants/*.patch is one deliberate bug: a header naming the
invariant it breaks and the tests that must catch it, then a unified diff.
For each mutant this script

  1. resets a scratch copy of the tree (build/mutants/src, its own git
     repository, synced from the working tree: tracked and untracked files
     that git does not ignore, so uncommitted work is mutated too);
  2. applies the diff there (git apply; a patch that no longer applies is
     reported with git's message and how to refresh it);
  3. builds, in one build directory per flavour (build/mutants/debug, tsan,
     asan; set up once, then incremental: only the files the mutant and the
     previous reset touched are recompiled), only the targets its tests need;
  4. runs those tests (meson test --no-rebuild) and records which failed.

A mutant is CAUGHT when at least one of its tests fails (with output matching
its Expect: regex, if it has one); NOT CAUGHT otherwise.  Before the mutants,
every test named by any selected mutant runs once on the unmutated tree
(baseline): a test that already fails there proves nothing and is reported.
The table at the end lists mutant -> failed tests; the exit status is 1 when
a mutant survives, does not apply, does not build (unless the build is its
catcher), a baseline test fails, or (full runs) an invariant id of
docs/concurrency.md or a DESIGN.md §4 point has no mutant.

Usage:
  run.py [NAME-or-glob ...] [--fast] [--list] [--no-baseline] [--keep-going]
  run.py --refresh NAME     re-apply with fuzz and rewrite the patch's diff
  run.py --save NAME        write the scratch tree's current diff into NAME
                            (creating the file with a header template)
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
WORK = os.environ.get('MUTANTS_DIR', os.path.join(ROOT, 'build', 'mutants'))
SRC = os.path.join(WORK, 'src')

# Build flavours: meson options, test environment, timeout multiplier.
FLAVOURS = {
    'debug': ([], {}, 1),
    'tsan': (['-Db_sanitize=thread', '-Db_lundef=false'],
             {'TSAN_OPTIONS': 'halt_on_error=1:second_deadlock_stack=1'}, 4),
    'asan': (['-Db_sanitize=address,undefined', '-Db_lundef=false'],
             {'ASAN_OPTIONS': 'detect_leaks=0',
              'UBSAN_OPTIONS': 'halt_on_error=1:print_stacktrace=1'}, 4),
}
HEADER_KEYS = ('Mutant', 'Invariant', 'Design', 'Owner', 'Tests', 'Expect',
               'Fast', 'Pending')


def log(msg):
    print(msg, flush=True)


def run(cmd, cwd=None, env=None, check=True, capture=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.STDOUT if capture else None)
    if check and r.returncode:
        sys.exit('mutants: %s failed:\n%s' % (' '.join(cmd), r.stdout or ''))
    return r


# --- mutant files -------------------------------------------------------------

class Mutant:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len('.patch')]
        self.hdr = {}
        self.header_lines = []
        lines = open(path).read().splitlines(keepends=True)
        i = 0
        while i < len(lines) and not (lines[i].startswith('diff --git ') or
                                      lines[i].startswith('--- ')):
            self.header_lines.append(lines[i])
            m = re.match(r'([A-Za-z]+):\s*(.*)', lines[i])
            if m and m.group(1) in HEADER_KEYS:
                key, val = m.group(1), m.group(2).strip()
                self.hdr[key] = (self.hdr[key] + ' ' + val) if key in self.hdr else val
            i += 1
        self.diff = ''.join(lines[i:])
        self.tests = []                     # [(flavour, test name)]
        for tok in self.hdr.get('Tests', '').split():
            fl, _, name = tok.rpartition(':')
            fl = fl or 'debug'
            if fl not in FLAVOURS:
                sys.exit('mutants: %s: unknown flavour %r' % (path, fl))
            self.tests.append((fl, name))
        self.invariants = self.hdr.get('Invariant', '').replace(',', ' ').split()
        self.design = [d.lstrip('§') for d in
                       self.hdr.get('Design', '').replace(',', ' ').split()]
        self.fast = self.hdr.get('Fast', '').lower() in ('yes', 'true', '1')
        self.expect = re.compile(self.hdr['Expect']) if 'Expect' in self.hdr else None
        problems = [k for k in ('Mutant', 'Invariant', 'Tests') if k not in self.hdr]
        if problems or not self.diff.strip():
            sys.exit('mutants: %s: missing %s' %
                     (path, ', '.join(problems) or 'the diff'))

    def flavours(self):
        return sorted({fl for fl, _ in self.tests})


def load_mutants():
    return [Mutant(os.path.join(HERE, f)) for f in sorted(os.listdir(HERE))
            if f.endswith('.patch')]


# --- the scratch tree -------------------------------------------------------

def tree_files():
    out = run(['git', 'ls-files', '-z', '--cached', '--others',
               '--exclude-standard'], cwd=ROOT).stdout
    return sorted({f for f in out.split('\0') if f and
                   os.path.isfile(os.path.join(ROOT, f))})


def git_src(*args, check=True):
    return run(['git', '-c', 'user.name=mutants', '-c', 'user.email=mutants@loom',
                *args], cwd=SRC, check=check)


def sync_scratch():
    """Make SRC equal to the working tree, rewriting only files whose bytes
    differ (a rewritten file gets a fresh mtime, so ninja rebuilds exactly
    what changed), and commit that state as the scratch repository's base."""
    os.makedirs(SRC, exist_ok=True)
    if not os.path.isdir(os.path.join(SRC, '.git')):
        git_src('init', '-q')
    else:
        reset_scratch()
    want = tree_files()
    wanted = set(want)
    for f in want:
        src, dst = os.path.join(ROOT, f), os.path.join(SRC, f)
        with open(src, 'rb') as a:
            data = a.read()
        try:
            with open(dst, 'rb') as b:
                same = b.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.lexists(dst):
                os.unlink(dst)
            with open(dst, 'wb') as b:
                b.write(data)
        shutil.copymode(src, dst)
    for dirpath, dirnames, filenames in os.walk(SRC):
        if '.git' in dirnames:
            dirnames.remove('.git')
        for fn in filenames:
            rel = os.path.relpath(os.path.join(dirpath, fn), SRC)
            if rel not in wanted:
                os.unlink(os.path.join(dirpath, fn))
    git_src('add', '-A')
    git_src('commit', '-q', '--allow-empty', '-m', 'base')


def reset_scratch():
    # checkout rewrites only the files that differ from the base, with a
    # fresh mtime: the next build recompiles them.
    git_src('checkout', '-q', '--', '.')
    git_src('clean', '-fdq')


def apply(m):
    r = subprocess.run(['git', 'apply', '--check', '-'], cwd=SRC, input=m.diff,
                       text=True, capture_output=True)
    if r.returncode:
        return r.stderr.strip()
    subprocess.run(['git', 'apply', '-'], cwd=SRC, input=m.diff, text=True,
                   check=True, capture_output=True)
    return None


# --- builds and tests ----------------------------------------------------------

class Build:
    def __init__(self, flavour):
        self.flavour = flavour
        self.dir = os.path.join(WORK, flavour)
        self.opts, self.env, self.mult = FLAVOURS[flavour]
        self.tests = None
        self.targets = None

    def setup(self):
        if not os.path.isfile(os.path.join(self.dir, 'build.ninja')):
            log('mutants: meson setup %s' % self.dir)
            run(['meson', 'setup', self.dir, SRC, *self.opts])
        run(['ninja', '-C', self.dir, 'build.ninja'])   # regenerate if stale
        if self.tests is None:
            self.tests = {t['name']: t for t in self.introspect('--tests')}
            self.targets = {}
            for t in self.introspect('--targets'):
                self.targets[t['id']] = [os.path.relpath(f, self.dir)
                                         for f in t['filename']]

    def introspect(self, what):
        return json.loads(run(['meson', 'introspect', self.dir, what]).stdout)

    def outputs_for(self, names):
        outs = []
        for n in names:
            if n == 'build':
                continue
            t = self.tests.get(n)
            if not t:
                raise KeyError(n)
            for dep in t['depends']:
                outs += self.targets.get(dep, [])
            exe = t['cmd'][0]
            if exe.startswith(self.dir + os.sep):
                outs.append(os.path.relpath(exe, self.dir))
        return sorted(set(outs))

    def build(self, names):
        """Build what the named tests need ('build' alone: everything).
        Returns (ok, last lines of the log)."""
        outs = self.outputs_for(names)
        if not outs:
            outs = []                   # ninja's default targets
        r = run(['ninja', '-C', self.dir, *outs], check=False)
        return r.returncode == 0, '\n'.join(r.stdout.splitlines()[-25:])

    def test(self, names, logbase):
        names = [n for n in names if n != 'build']
        if not names:
            return {}
        env = dict(os.environ, **self.env)
        run(['meson', 'test', '-C', self.dir, '--no-rebuild', '--logbase',
             logbase, '--timeout-multiplier', str(self.mult), *names],
            env=env, check=False)
        res = {}
        path = os.path.join(self.dir, 'meson-logs', logbase + '.json')
        for line in open(path):
            d = json.loads(line)
            name = d['name'].split(' / ', 1)[-1]
            res[name] = (d['result'], (d.get('stdout') or '') +
                         (d.get('stderr') or ''))
        return res


# --- coverage ---------------------------------------------------------------------

def invariant_ids():
    ids = []
    for line in open(os.path.join(ROOT, 'docs', 'concurrency.md')):
        m = re.match(r'\|\s*([A-Z][0-9]+(?:\.[0-9]+)?)\s*\|', line)
        if m:
            ids.append(m.group(1))
    return ids


def design_points():
    pts, inside = [], False
    design = os.path.join(ROOT, '..', 'shared', 'DESIGN.md')
    for cand in (os.path.join(ROOT, 'shared', 'DESIGN.md'), design,
                 '/work/shared/DESIGN.md'):
        if os.path.isfile(cand):
            design = cand
            break
    else:
        return []
    for line in open(design):
        if line.startswith('## '):
            inside = line.startswith('## 4.')
        elif inside:
            m = re.match(r'(\d+)\.\s+\*\*', line)
            if m:
                pts.append('4.' + m.group(1))
    return pts


# --- commands -------------------------------------------------------------------

def cmd_save(name, template=None):
    path = os.path.join(HERE, name + '.patch')
    diff = git_src('diff').stdout
    if not diff.strip():
        sys.exit('mutants: the scratch tree %s has no change to save' % SRC)
    if os.path.isfile(path):
        header = ''.join(Mutant(path).header_lines)
    else:
        header = template or ('Mutant: WHAT THE BUG IS\nInvariant: ID\n'
                              'Design: 4.N\nOwner: you\n'
                              'Tests: debug:TEST tsan:TEST\n'
                              'Expect: invariant ID\n\n')
    with open(path, 'w') as f:
        f.write(header + diff)
    log('mutants: wrote %s' % os.path.relpath(path, ROOT))


def cmd_refresh(name):
    path = os.path.join(HERE, name + '.patch')
    m = Mutant(path)
    sync_scratch()
    err = apply(m)
    if err is None:
        log('mutants: %s applies as it is' % name)
        return 0
    r = subprocess.run(['patch', '-p1', '-F3', '--no-backup-if-mismatch'],
                       cwd=SRC, input=m.diff, text=True, capture_output=True)
    log(r.stdout.strip())
    if r.returncode:
        log('mutants: %s does not apply even with fuzz; edit the files in %s\n'
            '  by hand (see the .rej files there), then run: %s --save %s'
            % (name, SRC, os.path.relpath(__file__, ROOT), name))
        return 1
    run(['find', '.', '-name', '*.orig', '-delete'], cwd=SRC)
    cmd_save(name)
    reset_scratch()
    return 0


def fmt_tests(tests):
    return ' '.join('%s:%s' % t if t[0] != 'debug' else t[1] for t in tests)


def main():
    ap = argparse.ArgumentParser(description='mutation proof (docs/mutants.md)')
    ap.add_argument('names', nargs='*', help='mutant names or globs')
    ap.add_argument('--fast', action='store_true', help='only Fast: yes mutants')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--no-baseline', action='store_true')
    ap.add_argument('--refresh', metavar='NAME')
    ap.add_argument('--save', metavar='NAME')
    ap.add_argument('--keep', action='store_true',
                    help='leave the last mutant applied in the scratch tree')
    a = ap.parse_args()

    if a.save:
        return cmd_save(a.save)
    if a.refresh:
        return cmd_refresh(a.refresh)
    muts = load_mutants()
    if a.names:
        muts = [m for m in muts if any(fnmatch.fnmatch(m.name, p) for p in a.names)]
    if a.fast:
        muts = [m for m in muts if m.fast]
    if a.list:
        for m in muts:
            log('%-34s %-8s %s' % (m.name, ','.join(m.invariants), fmt_tests(m.tests)))
        return 0
    if not muts:
        sys.exit('mutants: no mutant selected')
    t_start = time.time()
    sync_scratch()
    builds = {}
    for fl in sorted({fl for m in muts for fl in m.flavours()}):
        builds[fl] = Build(fl)
        builds[fl].setup()

    bad_base = set()
    if not a.no_baseline:
        for fl, b in builds.items():
            names = sorted({n for m in muts for f, n in m.tests if f == fl})
            log('mutants: baseline build + run (%s): %s' % (fl, ' '.join(names)))
            try:
                ok, tail = b.build(names)
            except KeyError as e:
                sys.exit('mutants: no test %s in flavour %s' % (e, fl))
            if not ok:
                sys.exit('mutants: the unmutated tree does not build (%s):\n%s'
                         % (fl, tail))
            for n, (res, out) in b.test(names, 'mut-baseline').items():
                if res not in ('OK', 'SKIP', 'EXPECTEDFAIL'):
                    bad_base.add((fl, n))
                    log('mutants: baseline FAIL %s:%s (%s)' % (fl, n, res))

    rows = []
    for m in muts:
        t0 = time.time()
        reset_scratch()
        err = apply(m)
        if err:
            rows.append((m, 'DOES NOT APPLY', err.splitlines()[0] +
                         ' -> run: tests/mutants/run.py --refresh ' + m.name, 0))
            log('mutants: %s does not apply:\n%s' % (m.name, err))
            continue
        failed, notes, status = [], [], None
        for fl in m.flavours():
            b = builds[fl]
            names = [n for f, n in m.tests if f == fl]
            try:
                ok, tail = b.build(names)
            except KeyError as e:
                status, notes = 'ERROR', ['no test %s in %s' % (e, fl)]
                break
            if not ok:
                if 'build' in names:
                    failed.append('build' if fl == 'debug' else '%s:build' % fl)
                    continue
                status, notes = 'BUILD FAILED', [tail.splitlines()[-1] if tail else '']
                log('mutants: %s does not build (%s):\n%s' % (m.name, fl, tail))
                break
            if 'build' in names and len(names) == 1:
                notes.append('%s build passed' % fl)
                continue
            for n, (res, out) in sorted(b.test(names, 'mut-' + m.name).items()):
                label = n if fl == 'debug' else '%s:%s' % (fl, n)
                if res in ('OK', 'SKIP', 'EXPECTEDFAIL'):
                    continue
                if (fl, n) in bad_base:
                    notes.append('%s failed at baseline too' % label)
                elif m.expect and not m.expect.search(out):
                    notes.append('%s %s without /%s/' % (label, res,
                                                         m.expect.pattern))
                else:
                    failed.append(label + ('' if res == 'FAIL' else ' (%s)' % res))
        if status is None:
            status = 'caught' if failed else 'NOT CAUGHT'
            if 'Pending' in m.hdr and not failed:
                notes.append('pending: ' + m.hdr['Pending'])
        rows.append((m, status, ', '.join(failed + notes), time.time() - t0))
        log('mutants: %-34s %s %s' % (m.name, status, ', '.join(failed + notes)))
    if not a.keep:
        reset_scratch()

    # --- report ----------------------------------------------------------------
    log('\n%-34s %-9s %5s  %s' % ('mutant', 'breaks', 'secs', 'result'))
    for m, status, detail, secs in rows:
        what = status if status != 'caught' else 'caught by'
        log('%-34s %-9s %5.0f  %s %s' % (m.name, ','.join(m.invariants), secs,
                                         what, detail))
    bad = [r for r in rows if r[1] != 'caught']
    missing_ids, missing_pts = [], []
    if not a.names and not a.fast:
        every = load_mutants()
        have = {i for m in every for i in m.invariants}
        have_pts = {d for m in every for d in m.design}
        missing_ids = [i for i in invariant_ids() if i not in have]
        missing_pts = [p for p in design_points() if p not in have_pts]
        if missing_ids:
            log('\nmutants: invariants without a mutant: ' + ' '.join(missing_ids))
        if missing_pts:
            log('mutants: DESIGN.md points without a mutant: §' +
                ' §'.join(missing_pts))
    log('\nmutants: %d mutants, %d caught, %d not; %d baseline failures; '
        '%.0f s' % (len(rows), len(rows) - len(bad), len(bad), len(bad_base),
                    time.time() - t_start))
    return 1 if bad or bad_base or missing_ids or missing_pts else 0


if __name__ == '__main__':
    sys.exit(main())
