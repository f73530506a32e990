# the man page renders (man-db, or groff's nroff) and covers every command
if command -v man >/dev/null; then
  MANWIDTH=80 man -l docs/rsess.1 2>"${TMPDIR:-/tmp}/man.$$" > "${TMPDIR:-/tmp}/man.out.$$"
else
  nroff -man docs/rsess.1 2>"${TMPDIR:-/tmp}/man.$$" > "${TMPDIR:-/tmp}/man.out.$$"
fi
[ -s "${TMPDIR:-/tmp}/man.$$" ] && { cat "${TMPDIR:-/tmp}/man.$$"; exit 1; }
for c in decode info explain encode id key slot locate cookie; do
  grep -q "rsess $c" "${TMPDIR:-/tmp}/man.out.$$" || echo "missing: $c"
  "$RSESS" --help | grep -q "^  $c " || echo "--help misses $c"
done
rm -f "${TMPDIR:-/tmp}/man.$$" "${TMPDIR:-/tmp}/man.out.$$"
echo rendered
