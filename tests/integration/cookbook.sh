#!/usr/bin/env bash
# Checks the transcripts of README.md's tour ("    $ command", output), and
# runs the shell blocks of docs/cookbook.md and README.md marked
# <!-- run --> (against a standalone redis-server) or <!-- run: cluster -->
# (against a 3-master cluster), as written, with `bash -e -o pipefail`:
# each must succeed, and afterwards every key in both servers must carry a
# TTL (the documented write commands keep sessions' expiry).
# A bare `redis-cli` (no -h/-p) reaches the test's server through a wrapper
# first in PATH; rsess is the build's.
# Usage: tests/integration/cookbook.sh BUILD_DIR   (run by make check-integration)
set -u
BUILD=$(cd "${1:-build}" && pwd)
RSESS=$BUILD/rsess
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/integration/lib.sh

P=$(free_ports 1)
start_redis "$P" || exit 1
start_cluster 3 || exit 1

mkdir -p "$TMP/bin"
REAL_CLI=$(command -v redis-cli)
cat > "$TMP/bin/redis-cli" <<EOF
#!/bin/sh
for a in "\$@"; do case \$a in -h|-p|-u) exec "$REAL_CLI" "\$@" ;; esac; done
exec "$REAL_CLI" -p "\$REDIS_TEST_PORT" "\$@"
EOF
chmod +x "$TMP/bin/redis-cli"
ln -s "$RSESS" "$TMP/bin/rsess"

# a few sessions of each store to find, with their TTLs
preload() { # preload redis-cli-args...
  local i pub
  for i in 1 2 3; do
    pub=$("$RSESS" id | cut -d' ' -f1)
    echo "{\"user_id\": $i}" | "$RSESS" encode --from json |
      "$@" -x SETEX "$("$RSESS" key --store redis-store --namespace session "$pub")" 600 > /dev/null
    echo "{\"user_id\": $((i + 10))}" | "$RSESS" encode --from json --entry 7.1 --expires-in 600 |
      "$@" -x SETEX "$("$RSESS" key --namespace myapp "$pub")" 600 > /dev/null
  done
}
preload redis-cli -p "$P"
preload redis-cli -c -p "${CP[0]}"

# README's transcripts ("    $ command" and its output): run as written with
# key=the key of the tour's cookie, holding the 7.1 sample entry; each
# output line must match ("..." ends a prefix; cluster commands may name
# other ports)
key=$("$RSESS" key --namespace myapp 36334d75885e1c87c38636160d0058aa)
"$RSESS" decode --to typed examples/data/cache-entry-hello.txt > "$TMP/hello.typed"
for cli in "redis-cli -p $P" "redis-cli -c -p ${CP[0]}"; do
  "$REAL_CLI" ${cli#redis-cli } -x SETEX "$key" 600 < <("$RSESS" encode --entry 7.1 --expires-at 1769693054.4480495 \
    "$TMP/hello.typed") > /dev/null
done
awk '/^    \$ / { n++; print substr($0, 7) > (dir "/cmd" n); next }
     /^    / && n { print substr($0, 5) > (dir "/want" n); next }
     { if (n) { close(dir "/cmd" n); close(dir "/want" n) } }' dir="$TMP" \
  <(sed -n '/^## A short tour/,/^## From C/p' README.md)
ntrans=0
for c in "$TMP"/cmd*; do
  i=${c##*/cmd}
  ntrans=$((ntrans + 1))
  port=$P
  grep -q cluster "$c" && port=${CP[0]}
  got=$(cd "$TMP" && PATH="$TMP/bin:$PATH" REDIS_TEST_PORT=$port key=$key bash -o pipefail "$c" 2>&1)
  status=$?
  check "README: '$(cat "$c")' runs (status $status)" test "$status" = 0
  [ -f "$TMP/want$i" ] || continue
  n=0
  while IFS= read -r want; do
    n=$((n + 1))
    line=$(sed -n "${n}p" <<< "$got")
    if [[ $want == *...* ]]; then match=$([[ $line == "${want%%...*}"* ]] && echo 1)
    elif grep -q cluster "$c"; then
      match=$([ "$(sed -E 's/[0-9]+/N/g' <<< "$line")" = "$(sed -E 's/[0-9]+/N/g' <<< "$want")" ] && echo 1)
    else match=$([[ $line == "$want" ]] && echo 1); fi
    check "README: '$(cat "$c")' prints '$want' (got '$line')" test -n "$match"
  done < "$TMP/want$i"
done
check "README's tour has its transcripts ($ntrans)" test "$ntrans" -ge 5

# the marked blocks, in order: NN.MODE.sh
mkdir -p "$TMP/blocks"
for doc in docs/cookbook.md README.md; do
  awk -v dir="$TMP/blocks" -v doc="$(basename "$doc" .md)" '
    /^<!-- run(: cluster)? -->$/ { mode = ($0 ~ /cluster/) ? "cluster" : "standalone"; want = 1; next }
    want && /^```sh$/ { n++; file = sprintf("%s/%s-%02d.%s.sh", dir, doc, n, mode); inblock = 1; want = 0; next }
    inblock && /^```$/ { inblock = 0; close(file); next }
    inblock { print > file }
    !/^$/ { want = 0 }' "$doc"
done
nblocks=$(ls "$TMP/blocks" | wc -l)
check "the docs mark their shell blocks to run ($nblocks)" test "$nblocks" -ge 9

mkdir -p "$TMP/work-standalone" "$TMP/work-cluster"
for b in "$TMP"/blocks/*.sh; do
  name=$(basename "$b" .sh)
  mode=${name##*.}
  port=$P
  [ "$mode" = cluster ] && port=${CP[0]}
  (cd "$TMP/work-$mode" && PATH="$TMP/bin:$PATH" REDIS_TEST_PORT=$port bash -e -o pipefail "$b") \
    > "$TMP/$name.out" 2>&1
  status=$?
  check "the block $name runs as written (status $status)" test "$status" = 0
  [ "$status" = 0 ] || { sed 's/^/    /' "$b"; tail -5 "$TMP/$name.out"; }
done

# what the blocks said they did
check "the migration's dry run counted the redis-store sessions" \
  grep -q '^  marshal: 3$' "$TMP/cookbook-"*.standalone.out
check "the cluster migration wrote its streams" test "$(ls "$TMP/work-cluster/streams/"*.resp | wc -l)" = 3
moved=$(for p in "${CP[@]}"; do redis-cli -p "$p" --scan --pattern 'session_redis5:_session_id:2::*'; done | wc -l)
check "the migrated sessions are under the new namespace ($moved)" test "$moved" = 3

# every key written by the documented commands carries a TTL
nottl() { # nottl HOST-PORT-ARGS...: keys without a TTL
  "$REAL_CLI" "$@" --no-raw --scan | "$RSESS" records --commands | "$REAL_CLI" "$@" --no-raw | "$RSESS" records |
    awk '$2 == -1 { print $1 }'
}
left=$(nottl -p "$P"; for node in $("$RSESS" locate --masters "$TMP/work-cluster/nodes.txt"); do
  nottl -h "${node%:*}" -p "${node##*:}"; done)
check "every key the docs' commands wrote has a TTL (without: ${left:-none})" test -z "$left"

echo "cookbook: $pass passed, $fail failed"
[ "$fail" = 0 ]
