#!/bin/sh
# Instructions per operation (valgrind's callgrind), which do not drift with
# the machine's speed: each operation is run 1 and 1+N times and the
# difference of the two totals is divided by N, so set-up is not counted.
# Usage: bench/callgrind.sh BUILD_DIR PAYLOAD...   (N: $CALLGRIND_N, default 20)
set -eu
BUILD=$1
shift
N=${CALLGRIND_N:-20}
ir() {
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BUILD/rsess-bench" --count "$1" "$2" "$3" 2>"$out" >/dev/null
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out"
  rm -f "$out"
}
printf "%-12s %12s %12s %12s %12s\n" NAME DECODE_IR ENCODE_IR ENTRY_IR LOOKUP_IR
for f in "$@"; do
  line=$(basename "$f" .bin)
  for m in decode encode entry lookup; do
    a=$(ir $m 1 "$f")
    b=$(ir $m $((N + 1)) "$f")
    line="$line $(( (b - a) / N ))"
  done
  echo "$line" | awk '{printf "%-12s %12d %12d %12d %12d\n", $1, $2, $3, $4, $5}'
done
