#!/bin/sh
# CLI tests. Each tests/cli/cases/NAME.sh is a command run from the
# repository root with $RSESS set; NAME.out, NAME.err and NAME.status hold
# the expected stdout, stderr and exit status (missing .err/.out: empty;
# missing .status: 0). Then every Marshal fixture makes the trip
# decode --to typed | encode --from typed and must come back byte for byte.
# Usage: tests/cli/run.sh path/to/rsess [CASES_DIR]
# With CASES_DIR only the cases there are run.
set -u
RSESS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export RSESS
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

cases=${2:-tests/cli/cases}
for c in "$cases"/*.sh; do
  name=${c%.sh}
  sh "$c" >"$tmp/out" 2>"$tmp/err"
  status=$?
  want_status=0
  [ -f "$name.status" ] && want_status=$(cat "$name.status")
  ok=1
  if [ -f "$name.out" ]; then cmp -s "$tmp/out" "$name.out" || ok=0; else [ -s "$tmp/out" ] && ok=0; fi
  if [ -f "$name.err" ]; then cmp -s "$tmp/err" "$name.err" || ok=0; else [ -s "$tmp/err" ] && ok=0; fi
  [ "$status" = "$want_status" ] || ok=0
  if [ $ok = 1 ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name (status $status, want $want_status)"
    [ -f "$name.out" ] && diff "$name.out" "$tmp/out" | head -10
    [ -f "$name.err" ] && diff "$name.err" "$tmp/err" | head -10
    [ -f "$name.err" ] || head -5 "$tmp/err"
  fi
done

if [ $# -ge 2 ]; then
  echo "cli ($cases): $pass passed, $fail failed"
  [ $fail = 0 ]
  exit
fi

# typed JSON round trip of every fixture, through the CLI
for f in tests/fixtures/marshal/*.bin; do
  if "$RSESS" decode --in raw --to typed "$f" >"$tmp/typed" 2>"$tmp/err" &&
     "$RSESS" encode --from typed "$tmp/typed" >"$tmp/back" 2>>"$tmp/err" && cmp -s "$f" "$tmp/back" &&
     "$RSESS" explain --in raw "$f" >/dev/null 2>>"$tmp/err"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL typed round trip (or explain) of $f"
    head -3 "$tmp/err"
  fi
done

# JSON both ways: encode --from json gives Marshal.dump(JSON.parse(text));
# and what decode --to json prints encodes to the same bytes
for j in tests/fixtures/json/*.json; do
  b=${j%.json}.bin
  m=tests/fixtures/marshal/$(basename "$j" .json).bin
  ok=1
  "$RSESS" encode --from json "$j" >"$tmp/jb" 2>"$tmp/err" && cmp -s "$tmp/jb" "$b" || ok=0
  if [ -f "$m" ]; then
    "$RSESS" decode --in raw --to json "$m" 2>>"$tmp/err" | "$RSESS" encode --from json >"$tmp/jb2" 2>>"$tmp/err" &&
      cmp -s "$tmp/jb2" "$b" || ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL json $j"; head -3 "$tmp/err"; fi
done

# cache entries: decode gives Ruby's value; encode --entry with the same
# parameters gives Rails' bytes
while IFS="$(printf '\t')" read -r name opts; do
  e=tests/fixtures/entries/$name.bin
  # shellcheck disable=SC2086
  if "$RSESS" decode --in raw --to typed "$e" >"$tmp/typed" 2>"$tmp/err" &&
     "$RSESS" encode "$tmp/typed" >"$tmp/value" 2>>"$tmp/err" &&
     cmp -s "$tmp/value" "tests/fixtures/entries/$name.value.bin" &&
     "$RSESS" encode $opts "$tmp/typed" >"$tmp/entry" 2>>"$tmp/err" && cmp -s "$tmp/entry" "$e"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL entry $name ($opts)"
    head -3 "$tmp/err"
  fi
done < tests/fixtures/entries/cli.tsv

# cache entries of the repros (tests/fixtures/repros, issue 19): encode from
# the value Rails was given gives Rails' bytes; decode gives what Rails reads
while IFS="$(printf '\t')" read -r name opts; do
  e=tests/fixtures/repros/entries/$name
  # shellcheck disable=SC2086
  if "$RSESS" decode --in raw --to typed "$e.orig.bin" >"$tmp/typed" 2>"$tmp/err" &&
     "$RSESS" encode $opts "$tmp/typed" >"$tmp/entry" 2>>"$tmp/err" && cmp -s "$tmp/entry" "$e.bin" &&
     "$RSESS" decode --in raw --to typed "$e.bin" >"$tmp/typed" 2>>"$tmp/err" &&
     "$RSESS" encode "$tmp/typed" >"$tmp/value" 2>>"$tmp/err" && cmp -s "$tmp/value" "$e.back.bin"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL repro entry $name ($opts)"
    head -3 "$tmp/err"
  fi
done < tests/fixtures/repros/entries/cli.tsv

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
