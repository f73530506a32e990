#!/bin/sh
# Instructions per operation (valgrind's callgrind), which do not drift with
# the machine's speed. rsess: each operation is run 1 and 1+N times
# (rsess-bench --count) and the difference of the two totals is divided by
# N, so set-up and the first, allocator-warming run are not counted. Ruby
# (3.1's own C Marshal, ruby --disable-gems): bench/ruby-bench.rb --count
# runs the operation N times and 0 times after the same set-up (the file
# read and loaded once), and the difference is divided by N; Ruby's GC runs
# during the N operations are counted, as they are part of its cost.
# Columns: rsess's decode (copying), decode borrowed (RSESS_READ_BORROW),
# encode, 7.1 entry (inflate included), rsess_lookup(), cursor walk (what
# rsess-bench measures), then Ruby's Marshal.load and Marshal.dump and the
# two ratios Ruby / rsess (copying decode, encode).
# Usage: bench/callgrind.sh BUILD_DIR PAYLOAD...
# N: $CALLGRIND_N (default 20), $CALLGRIND_N_LARGE (default 3) for payloads
# of 100 KB or more.
set -eu
BUILD=$1
shift
N_SMALL=${CALLGRIND_N:-20}
N_LARGE=${CALLGRIND_N_LARGE:-3}
# total instructions of one command, or "-" when it exits 3 (not applicable)
ir() {
  out=$(mktemp)
  rc=0
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>"$out" >/dev/null || rc=$?
  if [ $rc -eq 3 ]; then
    echo -
  elif [ $rc -ne 0 ]; then
    echo "callgrind.sh: $* failed" >&2
    cat "$out" >&2
    rm -f "$out"
    exit 1
  else
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out"
  fi
  rm -f "$out"
}
per_op() { # BEFORE AFTER N
  if [ "$1" = - ]; then echo -; else echo $((($2 - $1) / $3)); fi
}
printf "%-12s %11s %11s %11s %11s %11s %11s %12s %12s %6s %6s\n" NAME DECODE_IR BORROW_IR ENCODE_IR ENTRY_IR \
  LOOKUP_IR CURSOR_IR RUBY_LOAD_IR RUBY_DUMP_IR LOAD_X DUMP_X
for f in "$@"; do
  N=$N_SMALL
  [ "$(wc -c <"$f")" -lt 100000 ] || N=$N_LARGE
  line=$(basename "$f" .bin)
  for m in decode borrow encode entry lookup cursor; do
    line="$line $(per_op "$(ir "$BUILD/rsess-bench" --count $m 1 "$f")" \
      "$(ir "$BUILD/rsess-bench" --count $m $((N + 1)) "$f")" $N)"
  done
  for m in decode encode; do
    line="$line $(per_op "$(ir ruby --disable-gems bench/ruby-bench.rb --count $m 0 "$f")" \
      "$(ir ruby --disable-gems bench/ruby-bench.rb --count $m $N "$f")" $N)"
  done
  echo "$line" | awk '
    function x(a, b) { return (a == "-" || b == "-" || a == 0) ? "-" : sprintf("%.1fx", b / a) }
    { printf "%-12s %11s %11s %11s %11s %11s %11s %12s %12s %6s %6s\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $9, x($2, $8), x($4, $9) }'
done
