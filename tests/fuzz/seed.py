#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Maintainer tool, not run by any make target: seeds the fuzz corpus
# (tests/fuzz/corpus/TARGET/seed-*) from the example INI files and the
# string literals of the unit tests (adjacent literals joined, a leading
# macro of the same file expanded).  `make fuzz-merge` then minimizes.
# usage: tests/fuzz/seed.py   (from the top of the tree)
import glob, hashlib, os, re

LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
ESC = {'n': '\n', 't': '\t', 'r': '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", 'a': '\a',
       'b': '\b', 'f': '\f', 'v': '\v', 'e': '\x1b'}


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != '\\':
            out.append(c); i += 1; continue
        n = s[i + 1]
        if n == 'x':
            m = re.match(r'[0-9a-fA-F]+', s[i + 2:])
            out.append(chr(int(m.group(0), 16) & 0xff)); i += 2 + len(m.group(0))
        elif n in '01234567' and re.match(r'[0-7]{1,3}', s[i + 1:]):
            m = re.match(r'[0-7]{1,3}', s[i + 1:])
            out.append(chr(int(m.group(0), 8) & 0xff)); i += 1 + len(m.group(0))
        else:
            out.append(ESC.get(n, n)); i += 2
    return ''.join(out)


def runs(text):
    """Adjacent string literals joined; a run may start with a macro name."""
    macros = {}
    for m in re.finditer(r'#define\s+(\w+)\s+((?:"(?:[^"\\\n]|\\.)*"\s*(?:\\\n\s*)?)+)\n', text):
        macros[m.group(1)] = ''.join(unescape(x) for x in LIT.findall(m.group(2)))
    toks = re.finditer(r'"((?:[^"\\\n]|\\.)*)"|(\w+)|(/\*.*?\*/|//[^\n]*)|(\s+)|(.)', text, re.S)
    cur, out, prev_word = None, [], None
    for t in toks:
        lit, word, comment, space, other = t.groups()
        if lit is not None:
            if cur is None:
                cur = macros.get(prev_word, '')
            cur += unescape(lit)
            continue
        if comment is not None or space is not None:
            continue
        if word is not None and cur is not None and word in macros:
            cur += macros[word]
            continue
        if cur is not None:
            out.append(cur)
            cur = None
        prev_word = word
    if cur is not None:
        out.append(cur)
    return out


def save(target, data, origin):
    d = os.path.join('tests/fuzz/corpus', target)
    os.makedirs(d, exist_ok=True)
    b = data.encode('latin-1') if isinstance(data, str) else data
    name = 'seed-%s-%s' % (origin, hashlib.sha1(b).hexdigest()[:12])
    with open(os.path.join(d, name), 'wb') as f:
        f.write(b)


tests = sorted(glob.glob('tests/unit/*.c'))
for path in sorted(glob.glob('conf/*.ini')):
    save('ini', open(path, 'rb').read(), os.path.basename(path)[:-4])
for path in sorted(glob.glob('tests/unit/fixtures/journals/*')):
    save('journal', open(path, 'rb').read(), 'fixture')
for path in tests:
    base = os.path.basename(path)[:-2]
    for s in runs(open(path, encoding='utf-8').read()):
        if '<domain' in s:
            save('domxml', s, base)
        if s.startswith('vfiohook-journal') or s.startswith('begin '):
            save('journal', s if s.startswith('vfiohook') else 'vfiohook-journal 2\n' + s, base)
        if base in ('test-config', 'test-examples', 'test-hookbin', 'test-cli') and \
                ('[' in s or ' = ' in s) and '\n' in s and '<' not in s:
            save('ini', s, base)
        if base == 'test-cpulist' or base == 'test-cpuset' or base == 'test-allowedcpus':
            if len(s) < 200 and re.fullmatch(r'[0-9a-fA-Fx,^ -]*', s):
                save('cpulist', s, base)
        if base == 'test-pciaddr' and len(s) < 40:
            save('pciaddr', s, base)
        if base in ('test-domxml', 'test-memory', 'test-hugepages') and \
                re.fullmatch(r'[0-9]+(\n[A-Za-z]*)?|[0-9]+[kKmMgG]?|(node[0-9]+|host)/[0-9]+kB', s):
            save('size', s, base)
for s in ['0', '1024', '8388608\nKiB', '1\nGiB', '2\nM', '18446744073709551615\nb', '4\nTB', '2M',
          '1G', '2097152', '64K', 'node0/2048kB', 'host/1048576kB', '17179869184\nTiB']:
    save('size', s, 'hand')
for s in ['0', '0-3', '0-3,8,10-11', '^2', '0-3,^2', 'ff,0000000f', '1', '8191', '0-8191', '',
          'ffffffff', '3', '2-3,6']:
    save('cpulist', s, 'hand')
for s in ['0000:01:00.0', '01:00.1', '10000:e0:1d.7', 'ffff:ff:1f.7', '0:00:00.0', '00:1f.7']:
    save('pciaddr', s, 'hand')
