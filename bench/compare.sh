#!/bin/sh
# rsess against Ruby's Marshal on the same payloads, run by run: each
# measurement (0.4 s after a warm-up) of rsess is followed at once by the
# same measurement of Ruby, $BENCH_RUNS times (default 5), and the run with
# the median ratio is kept. A machine whose speed drifts (shared hosts,
# frequency scaling) then slows both sides of a ratio alike.
#
# One line per payload: its size; decode (copying), decode borrowed
# (RSESS_READ_BORROW, against the same Marshal.load) and encode; the 7.1
# entry (inflate included), rsess_lookup() of one key and a cursor walk over
# the top-level items, each against Ruby's equivalent (bench/ruby-bench.rb
# says which); then memory per input byte: what rsess's document holds after
# rsess_read() (copying and borrowed), the most it held during the call
# (copying), and Ruby's live heap for the loaded value (the memsize_of sum
# over the objects reachable from it: ruby-bench.rb's REACH, which its
# memsize_of_all delta, HEAP, confirms on all but the tiniest values), and
# the share of rsess's arena that no value took (its chunks' unused ends,
# the worse of copying and borrowed).
# After the table, the spread of each ratio over the runs (max / min): how
# much the machine drifted while it was measured.
# bench/readme-table.sh turns this output into the README's table.
# Usage: bench/compare.sh BUILD_DIR PAYLOAD...
set -eu
BUILD=$1
shift
RUNS=${BENCH_RUNS:-5}
METRICS="decode borrow encode entry lookup cursor"
spread=""
printf "%-12s %8s %10s %10s %6s %10s %6s %10s %10s %6s %10s %10s %6s %10s %10s %6s %10s %10s %6s %6s %6s %6s %6s %7s\n" \
  NAME BYTES DECODE RUBY_LOAD RATIO BORROW RATIO ENCODE RUBY_DUMP RATIO ENTRY RUBY_ENTRY RATIO \
  LOOKUP RUBY_LOOKUP RATIO CURSOR RUBY_CURSOR RATIO MEM/B BMEM/B PEAK/B RUBY/B UNUSED%
for f in "$@"; do
  name=$(basename "$f" .bin)
  line="$name $(wc -c <"$f")"
  sline="$name"
  for metric in $METRICS; do
    rows=""
    i=0
    while [ $i -lt "$RUNS" ]; do
      a=$("$BUILD/rsess-bench" --one $metric "$f")
      b=$(ruby bench/ruby-bench.rb --one $metric "$f")
      rows="$rows$a $b\n"
      i=$((i + 1))
    done
    case "$rows" in
      -*) line="$line - - -"; sline="$sline -"; continue ;;
    esac
    # the run with the median ratio: rsess ruby ratio
    line="$line $(printf "$rows" | awk '{print $1 / $2, $1, $2}' | sort -g | sed -n "$(((RUNS + 1) / 2))p" |
      awk '{print $2, $3, $1}')"
    sline="$sline $(printf "$rows" | awk '{r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r}
      END {printf "%.2f", hi / lo}')"
  done
  # rsess --mem: arena held peak (copying), arena held peak (borrowed); Ruby --mem: heap reach
  m=$("$BUILD/rsess-bench" --mem "$f")
  r=$(ruby bench/ruby-bench.rb --mem "$f")
  line="$line $(echo "$m" | awk '{print $2, $5, $3}') $(echo "$r" | awk '{print $2}') $(echo "$m" | awk '{print ($7 > $8 ? $7 : $8)}')"
  echo "$line" | awk '
    function n(x) { return x == "-" ? "-" : sprintf("%d", x) }
    function x(r) { return r == "-" ? "-" : sprintf("%.1fx", r) }
    { printf "%-12s %8d %10s %10s %6s %10s %6s %10s %10s %6s %10s %10s %6s %10s %10s %6s %10s %10s %6s %6.2f %6.2f %6.2f %6.2f %7.1f\n",
        $1, $2, n($3), n($4), x($5), n($6), x($8), n($9), n($10), x($11), n($12), n($13), x($14),
        n($15), n($16), x($17), n($18), n($19), x($20), $21, $22, $23, $24, $25 }'
  spread="$spread$sline\n"
done
echo
echo "ratio spread over the $RUNS runs (max / min; 1.00 = no drift):"
printf "%-12s %6s %6s %6s %6s %6s %6s\n" NAME DECODE BORROW ENCODE ENTRY LOOKUP CURSOR
printf "$spread" | awk '{printf "%-12s %6s %6s %6s %6s %6s %6s\n", $1, $2, $3, $4, $5, $6, $7}'
