#!/bin/sh
# Hostile-input sweep of the CLI: the named hostile inputs must each fail
# with status 1 and a message, quickly and in bounded memory; cuts and
# random byte changes of every fixture must end with status 0 or 1, with no
# sanitizer report, crash or hang.
# Usage: tests/hostile/run.sh BUILD_DIR [CUTS_PER_FILE] [MUTATIONS_PER_FILE] [COMMANDS]
# (COMMANDS: "decode" by default; "decode explain" for both.)
set -u
BUILD=$(cd "$1" && pwd)
RSESS=$BUILD/rsess
CUTS=${2:-24}
MUTS=${3:-12}
COMMANDS=${4:-decode}
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d /tmp/rsess-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
asan=0
nm "$RSESS" 2>/dev/null | grep -q __asan_init && asan=1

# bounded memory: 1 GiB of address space (ASan needs far more to start)
[ $asan = 0 ] && ulimit -v 1048576
limit=10
[ $asan = 1 ] && limit=60
run() { # run COMMAND... : sets $st; stderr kept in $tmp/err
  timeout $limit "$@" > /dev/null 2> "$tmp/err"
  st=$?
}

# the named hostile inputs (tests/fixtures/hostile): status 1 and a message
for f in tests/fixtures/hostile/*.bin; do
  run "$RSESS" decode --in raw "$f"
  if [ "$st" = 1 ] && grep -q '^rsess: ' "$tmp/err" && ! grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL hostile $f: status $st"; head -3 "$tmp/err"
  fi
done

# cuts and random changes of every fixture
seed=1
for f in tests/fixtures/marshal/*.bin tests/fixtures/entries/*.bin; do
  seed=$((seed + 1))
  d=$tmp/v
  rm -rf "$d"; mkdir -p "$d"
  "$BUILD/mutate" "$f" "$d" "$seed" "$CUTS" "$MUTS" || { echo "mutate failed"; exit 2; }
  for v in "$d"/*; do
    for cmd in $COMMANDS; do
      run "$RSESS" $cmd --in raw "$v"
      if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && ! grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$tmp/err"; then
        pass=$((pass + 1))
      else
        fail=$((fail + 1)); echo "FAIL $cmd of a variant of $f: status $st"; head -5 "$tmp/err"
        cp "$v" "tests/fuzz/crashes/sweep-$(basename "$f" .bin)-$(basename "$v")" 2>/dev/null
      fi
    done
  done
done
# the line readers (records, migrate, --lines) on cut and changed records:
# the --lines fixture's redis-cli replies, as records and as ECHO/PTTL/GET replies
awk '{ printf "\"session:2::%064d\" %d %s\n", NR, NR * 1000 - 2000, $0 }' tests/fixtures/lines/values.txt > "$tmp/records"
awk '{ printf "\"session:2::%064d\"\n(integer) %d\n%s\n", NR, NR * 1000, $0 }' tests/fixtures/lines/values.txt > "$tmp/replies"
for f in "$tmp/records" "$tmp/replies"; do
  d=$tmp/lv
  rm -rf "$d"; mkdir -p "$d"
  "$BUILD/mutate" "$f" "$d" 7 "$CUTS" "$MUTS" || { echo "mutate failed"; exit 2; }
  for v in "$f" "$d"/*; do
    for cmd in "records" "records --commands" "decode --lines --to json" "info --lines" \
               "migrate --from redis-store --to cache --dry-run" "migrate --from cache --to redis-store --entry 6.1"; do
      # shellcheck disable=SC2086
      run "$RSESS" $cmd "$v"
      if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && ! grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$tmp/err"; then
        pass=$((pass + 1))
      else
        fail=$((fail + 1)); echo "FAIL $cmd of a variant of $(basename "$f"): status $st"; head -5 "$tmp/err"
      fi
    done
  done
done

# cuts and random changes of real cookies, through the cookie reader
ck=tests/fixtures/cookies/cli
for f in "$ck"/*.cookie; do
  seed=$((seed + 1))
  d=$tmp/v
  rm -rf "$d"; mkdir -p "$d"
  "$BUILD/mutate" "$f" "$d" "$seed" "$CUTS" "$MUTS" || { echo "mutate failed"; exit 2; }
  for v in "$d"/*; do
    run "$RSESS" cookie info --secret-key-base-file "$ck/secret_key_base.txt" --secret-token-file "$ck/secret_token.txt" \
      --name _app_session --now 1795824000 "$v"
    if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && ! grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$tmp/err"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1)); echo "FAIL cookie info of a variant of $f: status $st"; head -5 "$tmp/err"
    fi
  done
done
echo "hostile: $pass passed, $fail failed"
[ "$fail" = 0 ]
