#!/bin/sh
# rsess against Ruby's Marshal on the same payloads, run by run: each
# measurement (0.4 s after a warm-up) of rsess is followed at once by the
# same measurement of Ruby, five times, and the median of the five ratios
# is kept. A machine whose speed drifts (shared hosts, frequency scaling)
# then slows both sides of a ratio alike.
# Usage: bench/compare.sh BUILD_DIR PAYLOAD...
set -eu
BUILD=$1
shift
printf "%-12s %12s %12s %7s %12s %12s %7s\n" NAME DECODE_OPS RUBY_LOAD RATIO ENCODE_OPS RUBY_DUMP RATIO
for f in "$@"; do
  line=$(basename "$f" .bin)
  for metric in decode encode; do
    rows=""
    for i in 1 2 3 4 5; do
      a=$("$BUILD/rsess-bench" --one $metric "$f")
      b=$(ruby bench/ruby-bench.rb --one $metric "$f")
      rows="$rows$a $b\n"
    done
    # the run with the median ratio
    line="$line $(printf "$rows" | awk '{print $1 / $2, $1, $2}' | sort -n | sed -n 3p | awk '{print $2, $3, $1}')"
  done
  echo "$line" | awk '{printf "%-12s %12d %12d %6.1fx %12d %12d %6.1fx\n", $1, $2, $3, $4, $5, $6, $7}'
done
