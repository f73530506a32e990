#!/usr/bin/env python3
"""Seeds for the migrate fuzz target (tests/fuzz/fuzz_migrate.c) from the
committed fixtures: Rails' cache entries and Marshal values as records
"KEY" PTTL "VALUE" (quoted as redis-cli --no-raw prints them), the CLI
cases' failing records, and redis-cli replies for rsess records.
Usage: tests/fuzz/seed_migrate.py OUT_DIR (run from the repository root)."""
import glob, hashlib, os, sys

PRIV = "2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab"
ESC = {0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b'}


def quote(b):
    return '"' + ''.join(ESC.get(c) or (chr(c) if 0x20 <= c < 0x7f else '\\x%02x' % c) for c in b) + '"'


def small(paths, limit=600):
    return [p for p in sorted(glob.glob(paths)) if os.path.getsize(p) <= limit]


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = []
    for i, p in enumerate(small('tests/fixtures/entries/as*_*[!e].bin')):
        v = quote(open(p, 'rb').read())
        mode = 1 | (i & 2) | ((i % 3) << 2) | (16 if i & 4 else 0) | (32 if i & 8 else 0) | (64 if i & 1 else 0)
        ns = 'session' if mode & 16 else 'myapp'
        seeds.append((mode, '"%s:_session_id:%s" %d %s\n' % (ns, PRIV, 7000 - i, v)))
    for i, p in enumerate(small('tests/fixtures/marshal/*.bin', 200)[:40]):
        v = quote(open(p, 'rb').read())
        mode = 2 * (i & 1) | ((i % 3) << 2) | (16 if i & 2 else 0) | (32 if i & 4 else 0) | (64 if i & 8 else 0)
        key = 'session:%s' % PRIV if i & 1 else 'session:36334d75885e1c87c38636160d0058aa'
        seeds.append((mode, '"%s" %d %s\n' % (key, -1 if i & 2 else 5000, v)))
    failing = ['"session:%s" 5000 "\\x04\\bi\\x06"' % PRIV, 'garbage line',
               '"session:%s" 0 "\\x04\\bi\\x06"' % PRIV, '"session:2::zz" 5000 "\\x04\\bi\\x06"',
               '"session:%s" 5000 "\\x04\\b{"' % PRIV, '"session:%s" 5000 (nil)' % PRIV,
               '"other:%s" 5000 "\\x04\\bi\\x06"' % PRIV, 'session:x\t"\\x04\\b0"',
               '"session:2::aa" 5000 (error) MOVED 1234 127.0.0.1:7001',
               '"myapp:_session_id:a:hash:0123456789" 10 "\\x04\\b0"']
    for mode in (0x52, 0x40, 0x13):
        seeds.append((mode, '\n'.join(failing) + '\n'))
    pair = ['"session:2::a"', '(integer) 5400000', '"\\x04\\bi\\x06"', '"session:2::b"', '(integer) -2', '(nil)',
            '-> Redirected to slot [1234] located at 127.0.0.1:7001', '"we\\"ird\\\\key"', '(integer) -1',
            '"\\x04\\b[\\x00"', '"session:2::c"', '(error) MOVED 1234 127.0.0.1:7001',
            '(error) MOVED 1234 127.0.0.1:7001', '"session:2::d"', '(integer) -1',
            '(error) WRONGTYPE Operation against a key holding the wrong kind of value', '"k"', '1) "x"']
    seeds.append((0x80, '\n'.join(pair) + '\n'))
    seeds.append((0x81, 'session:%s\n"session:2::\\x00q"\nplain key\n\n' % PRIV))
    for mode, text in seeds:
        b = bytes([mode]) + text.encode('latin-1')
        with open(os.path.join(out, hashlib.sha1(b).hexdigest()), 'wb') as f:
            f.write(b)
    print('%d seeds in %s' % (len(seeds), out))


main(sys.argv[1])
