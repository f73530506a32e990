#!/bin/sh
# Rewrites the benchmark table of README.md from bench/compare.sh's output
# (make bench-compare): everything between the two marker lines
#   <!-- bench-compare table: bench/readme-table.sh writes it -->
#   <!-- end of the bench-compare table -->
# is replaced by the table and a line with the largest ratio spread.
# Usage: bench/readme-table.sh COMPARE_OUTPUT [README]   (make bench-readme)
set -eu
IN=$1
README=${2:-README.md}
BEGIN='<!-- bench-compare table: bench/readme-table.sh writes it -->'
END='<!-- end of the bench-compare table -->'
grep -qxF "$BEGIN" "$README" && grep -qxF "$END" "$README" || {
  echo "readme-table.sh: $README has no bench-compare markers" >&2
  exit 1
}
grep -q '^NAME  *BYTES  *DECODE' "$IN" || {
  echo "readme-table.sh: $IN is not bench/compare.sh output" >&2
  exit 1
}
table=$(mktemp)
awk '
  function num(x,   s, r) {   # 1234567 -> 1,234,567
    if (x == "-") return "-"
    s = sprintf("%d", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
  }
  function size(b) {
    if (b < 1024) return b " B"
    if (b < 10240) return sprintf("%.1f KB", b / 1024)
    return sprintf("%d KB", b / 1024 + 0.5)
  }
  function label(n) {
    if (n == "hello") return "hello (`{\"message\" => \"hello\"}`)"
    if (n == "typical") return "typical session"
    if (n == "cart") return "cart (40 items)"
    if (n == "strings") return "string-heavy"
    if (n == "many_hashes") return "10,000 small hashes"
    if (n == "records") return "10,000 records (floats, symbols)"
    return n
  }
  /^NAME +BYTES/ { intable = 1
    print "| payload | size | decode ops/s | Ruby load | ratio | borrowed ops/s | ratio | encode ops/s | Ruby dump | ratio | 7.1 entry ops/s | Ruby | ratio | lookup ops/s | Ruby | ratio | cursor ops/s | Ruby | ratio | rsess B/B | borrowed B/B | peak B/B | Ruby B/B | unused |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    next }
  intable && NF == 0 { intable = 0; next }
  intable { printf "| %s | %s |", label($1), size($2)
    for (i = 3; i <= 19; i++) printf " %s |", ($i ~ /x$/ || $i == "-") ? $i : num($i)
    printf " %s | %s | %s | %s | %s%% |\n", $20, $21, $22, $23, $24 }
  /^NAME +DECODE +BORROW/ { inspread = 1; next }
  inspread && NF > 1 { for (i = 2; i <= NF; i++) if ($i != "-" && $i + 0 > worst) worst = $i + 0 }
  END { if (worst) printf "\nThe ratios of the runs behind each figure spread by up to %.2fx (max / min) while this table was measured.\n", worst }
' "$IN" >"$table"
out=$(mktemp)
awk -v b="$BEGIN" -v e="$END" -v t="$table" '
  $0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
  $0 == e { skip = 0 }
  !skip
' "$README" >"$out"
cat "$out" >"$README"
rm -f "$out" "$table"
