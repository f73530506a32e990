#!/bin/sh
# Build-level checks: only rsess_ symbols exported; the header compiles as
# C99 and as C++; make install lays out the files (PREFIX, DESTDIR); a
# program built with nothing but pkg-config links and runs; make uninstall
# removes what install laid; every example runs.
# Usage: tests/build/run.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d /tmp/rsess-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { what=$1; shift; if "$@" > "$tmp/log" 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; head -20 "$tmp/log"; fi; }

# 1. exported symbols
nm -D --defined-only "$BUILD/librsess.so" | awk '$2 ~ /^[TDBR]$/ {print $3}' > "$tmp/syms"
check "exports are all rsess_ ($(grep -vc '^rsess_' "$tmp/syms") others)" sh -c "! grep -v '^rsess_' '$tmp/syms'"
# the static archive too: its global symbols are rsess_* only (internal
# names are local), so a program defining its own rs_fail still links
nm -g --defined-only "$BUILD/librsess.a" | awk 'NF == 3 {print $3}' > "$tmp/asyms"
check "the archive's globals are all rsess_ ($(grep -vc '^rsess_' "$tmp/asyms") others)" \
  sh -c "[ -s '$tmp/asyms' ] && ! grep -v '^rsess_' '$tmp/asyms'"
cat > "$tmp/clash.c" <<'EOC'
#include <rsess.h>
#include <stdio.h>
int rs_fail(int x) { return x + 1; }           /* names the library uses inside */
int rs_walk_fail(void) { return 7; }
void *rs_malloc(void) { return 0; }
int main(void)
{
    rsess_doc *d = rsess_read("\004\010i\006", 4, NULL, NULL);
    int64_t i = 0;
    rsess_int(rsess_doc_root(d), &i);
    rsess_doc_free(d);
    printf("%d %lld\n", rs_fail(1) + rs_walk_fail() + (rs_malloc() == 0), (long long)i);
    return 0;
}
EOC
check "a program with its own rs_fail links against librsess.a" sh -c \
  "${CC:-cc} -Iinclude -o '$tmp/clash' '$tmp/clash.c' '$BUILD/librsess.a' $(pkg-config --libs libsodium zlib libcrypto 2>/dev/null || echo -lsodium -lz -lcrypto) -lm && '$tmp/clash' | grep -qx '10 1'"
check "every public function is exported" sh -c "scripts/api-names.sh | sort > '$tmp/api'; sort '$tmp/syms' > '$tmp/exp'; comm -23 '$tmp/api' '$tmp/exp' | (! grep .)"
check "the soname carries the major version" sh -c "objdump -p '$BUILD/librsess.so' | grep -q 'SONAME.*librsess.so.0'"

# the include graph of lib/: no cycles; base.h and text.h include nothing above them
check "lib/'s include graph has no cycles and its bottom layers stand alone" scripts/include-graph.sh -q

check "every public function is in docs/api.md" sh -c "for f in \$(scripts/api-names.sh); do grep -q \"\$f\" docs/api.md || { echo \"missing: \$f\"; exit 1; }; done"

# every command of rsess --help has its entry in the man page and its own --help
cmds=$("$BUILD/rsess" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p' | sort -u)
check "rsess --help lists the commands" test "$(echo "$cmds" | wc -w)" -ge 10
for c in $cmds; do
  check "docs/rsess.1 describes $c" grep -qx "\.B $c" docs/rsess.1
  check "rsess $c --help is its own" sh -c "'$BUILD/rsess' $c --help | head -1 | grep -q '^usage: rsess $c'"
done

# 2. the header alone, as C99 (pedantic) and as C++
printf '#include <rsess.h>\nint main(void) { return rsess_version() == 0; }\n' > "$tmp/h.c"
check "rsess.h compiles as C99" cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/h.c" -o "$tmp/h.o"
cp "$tmp/h.c" "$tmp/h.cpp"
check "rsess.h compiles as C++" c++ -std=c++11 -Wall -Wextra -Werror -Iinclude -c "$tmp/h.cpp" -o "$tmp/hpp.o"

# 3. install / pkg-config / uninstall
dest=$tmp/dest
check "make install" make -s install DESTDIR="$dest" PREFIX=/usr/local BUILD="$BUILD"
for f in bin/rsess lib/librsess.a lib/librsess.so lib/librsess.so.0 include/rsess.h lib/pkgconfig/rsess.pc \
         share/man/man1/rsess.1 share/man/man3/rsess.3 share/man/man3/rsess_read.3; do
  check "installed $f" test -e "$dest/usr/local/$f"
done
check "librsess.so.X.Y.Z installed" sh -c "ls '$dest/usr/local/lib/' | grep -q '^librsess.so.[0-9]*.[0-9]*.[0-9]*$'"
check "rsess.pc Requires.private" grep -q '^Requires.private: libsodium zlib' "$dest/usr/local/lib/pkgconfig/rsess.pc"
cat > "$tmp/prog.c" <<'C'
#include <rsess.h>
#include <stdio.h>
int main(void)
{
    static const unsigned char v[] = "\x04\x08{\x06I\"\x0c" "message\x06:\x06" "EFI\"\x0a" "hello\x06;\x00T";
    rsess_doc *d = rsess_read(v, sizeof v - 1, NULL, NULL);
    size_t n;
    const char *s = rsess_str(rsess_hash_get(rsess_doc_root(d), "message", 7), &n);
    printf("%.*s %s\n", (int)n, s, rsess_version());
    rsess_doc_free(d);
    return 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$dest/usr/local/lib/pkgconfig"
check "a program builds with pkg-config alone" sh -c "cc \"$tmp/prog.c\" \$(pkg-config --cflags --libs rsess) -o \"$tmp/prog\""
check "and runs" sh -c "LD_LIBRARY_PATH='$dest/usr/local/lib' '$tmp/prog' | grep -qx 'hello 0.1.0'"
check "statically too" sh -c "cc \"$tmp/prog.c\" \$(pkg-config --static --cflags --libs rsess | sed 's/-lrsess/-l:librsess.a/') -o \"$tmp/prog-static\" && '$tmp/prog-static' | grep -qx 'hello 0.1.0'"
check "make uninstall" make -s uninstall DESTDIR="$dest" PREFIX=/usr/local BUILD="$BUILD"
check "uninstall leaves no files" sh -c "! find '$dest' -type f -o -type l | grep ."

# 3b. two installs in a row with other prefixes (and a LIBDIR of its own):
# each rsess.pc names its own directories
for pre in /opt/rsess-a /opt/rsess-b; do
  check "make install PREFIX=$pre" make -s install DESTDIR="$tmp/two" PREFIX="$pre" BUILD="$BUILD"
  check "rsess.pc of PREFIX=$pre says prefix=$pre" grep -qx "prefix=$pre" "$tmp/two$pre/lib/pkgconfig/rsess.pc"
  check "rsess.pc of PREFIX=$pre says libdir=$pre/lib" grep -qx "libdir=$pre/lib" "$tmp/two$pre/lib/pkgconfig/rsess.pc"
done
check "make install LIBDIR=/opt/rsess-c/lib64" \
  make -s install DESTDIR="$tmp/two" PREFIX=/opt/rsess-c LIBDIR=/opt/rsess-c/lib64 BUILD="$BUILD"
check "rsess.pc follows LIBDIR" grep -qx "libdir=/opt/rsess-c/lib64" "$tmp/two/opt/rsess-c/lib64/pkgconfig/rsess.pc"
check "pkg-config reads that libdir" sh -c "PKG_CONFIG_SYSROOT_DIR= PKG_CONFIG_PATH='$tmp/two/opt/rsess-c/lib64/pkgconfig' pkg-config --libs rsess | grep -q -- '-L/opt/rsess-c/lib64 '"

# 4. the examples
E=$BUILD/examples
check "walk prints the session's tree" sh -c "'$E/walk' examples/data/cache-entry-hello.txt | grep -q 'String (UTF-8) \"hello\"'"
# a = [a]: the walk sees the cycle and ends; Ruby's p text of it
printf '\004\010[\006@\000' > "$tmp/cycle.bin"
check "walk shows a value that contains itself as [...]" sh -c "'$E/walk' '$tmp/cycle.bin' | grep -q '^  - \\[\\.\\.\\.\\]'"
check "walk prints p of a = [a] as [[...]]" sh -c "'$E/walk' '$tmp/cycle.bin' | grep -qx 'p: \\[\\[\\.\\.\\.\\]\\]'"
check "session_key gives rsess key's key" sh -c "[ \"\$('$E/session_key' session_redis5 36334d75885e1c87c38636160d0058aa | tail -1)\" = \"\$('$BUILD/rsess' key --namespace session_redis5 36334d75885e1c87c38636160d0058aa)\" ]"
check "build_entry writes an entry rsess decodes" sh -c "'$E/build_entry' > '$tmp/e' && tail -1 '$tmp/e' | '$BUILD/rsess' decode | grep -q '\"user_id\" => 42'"
# edit_session: Hash#[]=, delete, a copy from another value; rsess decodes the result
check "edit_session edits a session" sh -c "'$E/edit_session' tests/fixtures/marshal/session_typical.bin examples/data/redis-store-value.txt > '$tmp/edited' && '$BUILD/rsess' decode '$tmp/edited' > '$tmp/edited.rb' && grep -q '\"locale\" => \"fr\", \"last_seen\" => 1769693054.4480495, user_id: 42, \"imported\" => {\"message\" => \"hello\"}}\$' '$tmp/edited.rb' && ! grep -q user_return_to '$tmp/edited.rb'"
check "read_cookie reads the session of a Rails cookie header" sh -c "RSESS_SECRET_KEY_BASE=\$(cat tests/fixtures/cookies/cli/secret_key_base.txt) '$E/read_cookie' _app_session < tests/fixtures/cookies/cli/gcm.cookie | grep -q '^rails-gcm cookie, session id 3f6d0b2a9c1e4d5f8a7b6c5d4e3f2a1b'"

# 5. the README's install steps and the cookbook's C, run as written
home=$tmp/home
mkdir -p "$home"
check "README: make install PREFIX=\"\$HOME/.local\"" sh -c "HOME='$home' make -s install PREFIX=\"$home/.local\" BUILD='$BUILD'"
check "README: rsess on that PATH, and man finds its page" sh -c "export HOME='$home'; export PATH=\"\$HOME/.local/bin:\$PATH\"; rsess --version && MANPATH= man -w rsess | grep -q '$home/.local/share/man'"
awk -v dir="$tmp" '/^```c$/ {n++; f = dir "/cookbook" n ".c"; inblock = 1; next}
  inblock && /^```$/ {inblock = 0; close(f); next}
  inblock {print > f}' docs/cookbook.md
cat > "$tmp/cookbook-main.c" <<'EOC'
#include <rsess.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) exit(3);
    static unsigned char buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return buf;
}
/* the cookbook's blocks, as they are, with what they name around them */
static void read_session(const char *cookie, const unsigned char *p, size_t n)
{
#include "cookbook1.c"
}
static void edit_session(const unsigned char *p, size_t n, rsess_doc *other)
{
    rsess_err err;
#include "cookbook2.c"
    printf("%zu bytes written\n", out.len);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}
int main(int argc, char **argv)
{
    size_t n, m;
    const unsigned char *entry = slurp(argv[1], &n);
    read_session("36334d75885e1c87c38636160d0058aa", entry, n);
    unsigned char *p = malloc(1 << 16);
    memcpy(p, slurp(argv[2], &m), m);
    rsess_doc *other = rsess_read("\004\010[\006i\006", 5, NULL, NULL);
    edit_session(p, m, other);
    rsess_doc_free(other);
    free(p);
    return 0;
}
EOC
check "cookbook: the C blocks compile against the README install (pkg-config) and run" sh -c \
  "export PKG_CONFIG_SYSROOT_DIR= PKG_CONFIG_PATH='$home/.local/lib/pkgconfig'; ${CC:-cc} -I'$tmp' \$(pkg-config --cflags rsess) -o '$tmp/cookbook' '$tmp/cookbook-main.c' \$(pkg-config --libs rsess) -Wl,-rpath,'$home/.local/lib' && '$tmp/cookbook' tests/fixtures/entries/as71_small.bin tests/fixtures/marshal/session_typical.bin | grep -q ' bytes written'"

echo "build: $pass passed, $fail failed"
[ "$fail" = 0 ]
