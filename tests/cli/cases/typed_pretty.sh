# --pretty lays typed JSON out over lines, and it still encodes back to
# Ruby's bytes
for f in session_typical cycle_hash hash_nested array keys_interned float_repeated; do
  b=tests/fixtures/marshal/$f.bin
  "$RSESS" decode --in raw --to typed --pretty "$b" > "${TMPDIR:-/tmp}/typed_pretty.$$"
  lines=$(wc -l < "${TMPDIR:-/tmp}/typed_pretty.$$")
  "$RSESS" encode "${TMPDIR:-/tmp}/typed_pretty.$$" | cmp -s - "$b" && [ "$lines" -gt 3 ] && echo "$f ok"
done
rm -f "${TMPDIR:-/tmp}/typed_pretty.$$"
