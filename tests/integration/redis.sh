#!/usr/bin/env bash
# Integration tests against real redis-server processes (Debian's package):
# (a) a standalone server, (b) a 3-master Redis Cluster made with
# redis-cli --cluster create. Both run on 127.0.0.1 on free ports in their
# own temporary directories and are always stopped, also on failure.
#
# Usage: tests/integration/redis.sh BUILD_DIR   (run by `make test`)
set -u
BUILD=$(cd "${1:-build}" && pwd)
RSESS=$BUILD/rsess
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

# === (a) standalone =========================================================
P=$(free_ports 1)
start_redis "$P" || exit 1
R=(redis-cli -p "$P")

# 1. values made by rsess, stored with redis-cli -x SET, read back both ways
for f in tests/fixtures/marshal/session_typical.bin tests/fixtures/marshal/keys_interned.bin \
         tests/fixtures/marshal/string_utf8_escapes.bin tests/fixtures/marshal/string_long_binary.bin \
         tests/fixtures/marshal/cycle_hash.bin tests/fixtures/marshal/float_repeated.bin; do
  name=$(basename "$f" .bin)
  "$RSESS" decode --in raw --to typed "$f" > "$TMP/$name.typed"
  "$RSESS" encode "$TMP/$name.typed" | "${R[@]}" -x SET "t:$name" > /dev/null
  "${R[@]}" --no-raw GET "t:$name" > "$TMP/$name.quoted"
  "$RSESS" decode --to typed "$TMP/$name.quoted" > "$TMP/$name.back" 2>&1
  check "--no-raw GET round trip of $name" cmp -s "$TMP/$name.typed" "$TMP/$name.back"
  "${R[@]}" --raw GET "t:$name" > "$TMP/$name.raw"
  "$RSESS" decode --in raw --to typed "$TMP/$name.raw" > "$TMP/$name.back2" 2>&1
  check "--raw GET round trip of $name" cmp -s "$TMP/$name.typed" "$TMP/$name.back2"
  # the bytes Redis holds are Ruby's bytes
  "$RSESS" encode --to hex "$TMP/$name.back" > "$TMP/$name.hex"
  "$RSESS" decode --in raw --to typed "$f" | "$RSESS" encode --to hex > "$TMP/$name.want"
  check "bytes in Redis equal Ruby's for $name" cmp -s "$TMP/$name.hex" "$TMP/$name.want"
done

# 2. a 7.1 entry made by rsess, through Redis, decoded and described
echo '{"hash":[[{"str":"message","enc":"US-ASCII"},"hello"]]}' |
  "$RSESS" encode --entry 7.1 --expires-at 1769693054.4480495 | "${R[@]}" -x SET t:entry > /dev/null
check "7.1 entry decodes from redis-cli output" \
  test "$("${R[@]}" --no-raw GET t:entry | "$RSESS" decode)" = '{"message" => "hello"}'
check "7.1 entry byte-identical to the Rails 8.1 sample" \
  test "$("${R[@]}" --no-raw GET t:entry)" = "$(cat examples/data/cache-entry-hello.txt)"
check "rsess info on a 7.1 entry from Redis" \
  grep -q '"expires_at": 1769693054.4480495' <("${R[@]}" --no-raw GET t:entry | "$RSESS" info)

# 3. sessions written by Rails' own stores (Ruby, ActionPack 6.1, redis-actionpack)
if command -v ruby >/dev/null && ruby -e 'require "action_dispatch"; require "action_dispatch/middleware/session/redis_store"' 2>/dev/null; then
  ruby tests/integration/rails_sessions.rb "$P" > "$TMP/rails.tsv" || bad "Ruby could not write sessions"
  while IFS=$'\t' read -r store pub hex expire; do
    if [ "$store" = cache ]; then
      key=$("$RSESS" key --store cache --namespace myapp --rails 6.1 "$pub")
    else
      key=$("$RSESS" key --store redis-store --namespace session "$pub")
    fi
    got=$("${R[@]}" --no-raw GET "$key" | "$RSESS" decode --to typed | "$RSESS" encode --to hex)
    check "$store session from Rails decodes to Ruby's value ($pub)" test "$got" = "$hex"
    got=$("${R[@]}" --raw GET "$key" | "$RSESS" decode --in raw --to typed | "$RSESS" encode --to hex)
    check "$store session via --raw ($pub)" test "$got" = "$hex"
    if [ "$store" = cache ]; then
      # RedisCacheStore: SET ... PX ceil(expires_in * 1000); the entry keeps its own expiry
      pttl=$("${R[@]}" PTTL "$key")
      check "RedisCacheStore PX is ceil(300.5 s) in ms (pttl $pttl)" test "$pttl" -le 300500 -a "$pttl" -gt 290000
      check "6.1 entry carries @expires_in 300.5" \
        grep -q '"format": "activesupport-6.1".*"expires_in": 300.5' <("${R[@]}" --no-raw GET "$key" | "$RSESS" info)
    else
      # redis-store: SETEX with whole seconds, nothing inside the value
      ttl=$("${R[@]}" TTL "$key")
      check "redis-store SETEX whole seconds (ttl $ttl)" test "$ttl" -le 300 -a "$ttl" -gt 290
      check "redis-store value is bare Marshal" \
        grep -q '"format": "marshal", "compressed": false, "expires_at": null' <("${R[@]}" --no-raw GET "$key" | "$RSESS" info)
    fi
  done < "$TMP/rails.tsv"
  check "Rails wrote 6 sessions" test "$(wc -l < "$TMP/rails.tsv")" -eq 6
else
  bad "Ruby with ruby-actionpack and ruby-redis-actionpack is needed for the Rails-side tests"
fi

# 4. the examples (hiredis) against the standalone server
if [ -x "$BUILD/examples/read_session" ]; then
  for store in cache redis-store; do
    out=$("$BUILD/examples/write_fixture" --store "$store" --namespace ex "127.0.0.1:$P" 7) || bad "write_fixture $store"
    cookie=${out%% *}
    key=${out#* }
    check "write_fixture key is rsess key ($store)" test "$key" = "$("$RSESS" key --store "$store" --namespace ex "$cookie")"
    got=$("$BUILD/examples/read_session" --store "$store" --namespace ex "127.0.0.1:$P" "$cookie")
    check "read_session reads what write_fixture wrote ($store)" grep -q '"warden.user.user.key" => \[\[7\], ' <<< "$got"
    check "read_session output equals rsess decode ($store)" \
      test "$got" = "$("${R[@]}" --no-raw GET "$key" | "$RSESS" decode)"
  done
else
  bad "examples/read_session was not built (hiredis missing?)"
fi

# === (b) a 3-master cluster ==================================================
start_cluster 3 || exit 1
C=(redis-cli -p "${CP[0]}")

# 5. rsess slot = CLUSTER KEYSLOT for a few thousand keys (one redis-cli session)
: > "$TMP/keys"
for i in $(seq 3000); do
  case $((i % 4)) in
    0) echo "session_redis5:_session_id:2::$(printf '%064x' $((i * 7919)))" ;;
    1) echo "k$i{tag$((i % 50))}x" ;;
    2) echo "{}$i{a}" ;;
    3) echo "user:$i:{$i" ;;
  esac >> "$TMP/keys"
done
sed 's/^/CLUSTER KEYSLOT /' "$TMP/keys" | "${C[@]}" > "$TMP/want-slots"
xargs "$RSESS" slot -- < "$TMP/keys" > "$TMP/got-slots"
check "rsess slot equals CLUSTER KEYSLOT for $(wc -l < "$TMP/keys") keys" cmp -s "$TMP/got-slots" "$TMP/want-slots"

# 6. locate names the master that really holds a key (EXISTS there without -c)
"${C[@]}" --no-raw CLUSTER NODES > "$TMP/nodes"
"${C[@]}" --no-raw CLUSTER SHARDS > "$TMP/shards"
located=0
for i in $(seq 40); do
  key=$("$RSESS" key --namespace session_redis5 "$(printf '%032x' $((i * 104729)))")
  "$RSESS" encode --entry 7.1 --expires-in 60 "$TMP/session_typical.typed" | redis-cli -c -p "${CP[0]}" -x SET "$key" > /dev/null
  for f in nodes shards; do
    node=$("$RSESS" locate "$key" "$TMP/$f") || { bad "locate $key ($f)"; continue; }
    [ "$(redis-cli -h "${node%:*}" -p "${node##*:}" EXISTS "$key")" = 1 ] && located=$((located + 1))
  done
  # and the value read from that node decodes
  node=$("$RSESS" locate "$key" "$TMP/nodes")
  [ "$(redis-cli -h "${node%:*}" -p "${node##*:}" --no-raw GET "$key" | "$RSESS" decode --to typed)" = "$(cat "$TMP/session_typical.typed")" ] || bad "value on the located node ($key)"
done
check "rsess locate found the holding node for 40 keys x 2 outputs ($located)" test "$located" -eq 80
check "rsess locate from a live pipe" test "$("${C[@]}" CLUSTER NODES | "$RSESS" locate "$key")" = "$node"

# 7. the examples on the cluster: write through any node, read from any node
if [ -x "$BUILD/examples/read_session" ]; then
  for start in 0 1 2; do
    out=$("$BUILD/examples/write_fixture" --namespace cl "127.0.0.1:${CP[$start]}" $((start + 100))) || bad "write_fixture on the cluster"
    cookie=${out%% *}
    for via in 0 1 2; do
      got=$("$BUILD/examples/read_session" --namespace cl "127.0.0.1:${CP[$via]}" "$cookie")
      check "read_session via node $via finds a session written via node $start" \
        grep -q "\[\[$((start + 100))\], " <<< "$got"
    done
  done
fi

echo "integration: $pass passed, $fail failed"
[ "$fail" = 0 ]
