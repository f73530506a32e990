# colour only on a terminal, never with NO_COLOR (script(1) gives a terminal)
command -v script >/dev/null || { echo "no script(1)"; exit 1; }
esc=$(printf '\033')
script -qec "\"$RSESS\" explain examples/data/cache-entry-hello.txt" /dev/null > "${TMPDIR:-/tmp}/rsess-tty.$$" </dev/null
grep -q "$esc\[" "${TMPDIR:-/tmp}/rsess-tty.$$" && echo "colour on a terminal"
NO_COLOR=1 script -qec "\"$RSESS\" explain examples/data/cache-entry-hello.txt" /dev/null > "${TMPDIR:-/tmp}/rsess-tty.$$" </dev/null
grep -q "$esc\[" "${TMPDIR:-/tmp}/rsess-tty.$$" || echo "no colour with NO_COLOR"
"$RSESS" explain examples/data/cache-entry-hello.txt | grep -q "$esc\[" || echo "no colour in a pipe"
rm -f "${TMPDIR:-/tmp}/rsess-tty.$$"
