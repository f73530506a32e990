#!/usr/bin/env bash
# Moving sessions between stores on a real 3-master Redis Cluster (Debian's
# redis-server), started and stopped here:
#  1. Rails' redis-store (redis-actionpack) writes sessions; the documented
#     pipeline reads them (one redis-cli connection per master: SCAN, then
#     rsess records); rsess migrate --to cache --entry 6.1 writes one RESP
#     stream per master; redis-cli --pipe sends each to its node; Rails'
#     own CacheStore over RedisCacheStore 6.1 reads equal sessions, and so
#     does rsess; the TTLs are within 1 s of the originals and agree with the
#     expiry inside the entries.
#  2. The other way: CacheStore sessions to redis-store, read back by
#     redis-actionpack and rsess; the DEL streams of --delete-old remove the
#     old keys.
#  3. redis-store to --entry 7.1, read back by rsess.
# Usage: tests/integration/migrate.sh BUILD_DIR   (run by make check-integration)
# MIGRATE_SESSIONS=N changes the number of sessions (2000).
set -u
BUILD=$(cd "${1:-build}" && pwd)
RSESS=$BUILD/rsess
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
N=${MIGRATE_SESSIONS:-2000}
RB=tests/integration/migrate_sessions.rb

if ! ruby -e 'require "action_dispatch"; require "action_dispatch/middleware/session/redis_store"' 2>/dev/null; then
  echo "migrate: Ruby with ruby-actionpack and ruby-redis-actionpack is needed"
  echo "migrate: 0 passed, 1 failed"
  exit 1
fi
start_cluster 3 || exit 1
PORTS=$(IFS=,; echo "${CP[*]}")
redis-cli -p "${CP[0]}" --no-raw CLUSTER NODES > "$TMP/nodes"

# read_records PATTERN OUT: the cookbook's pipeline, every master at once,
# each on one connection for SCAN and one for the replies
read_records() {
  local pattern=$1 out=$2 node jobs=()
  for node in $("$RSESS" locate --masters "$TMP/nodes"); do
    redis-cli -h "${node%:*}" -p "${node##*:}" --no-raw --scan --pattern "$pattern" | "$RSESS" records --commands |
      redis-cli -h "${node%:*}" -p "${node##*:}" --no-raw | "$RSESS" records > "$out.$node" 2> "$out.$node.err" &
    jobs+=($!)
  done
  wait "${jobs[@]}"
  cat "$out".*[0-9] > "$out"
  cat "$out".*.err >&2
}

# pipe_streams DIR: each DIR/HOST:PORT.resp to its node with redis-cli --pipe
pipe_streams() {
  local f node errs=0
  for f in "$1"/*.resp; do
    node=$(basename "$f" .resp)
    redis-cli -h "${node%:*}" -p "${node##*:}" --pipe < "$f" > "$f.log" 2>&1
    grep -q "errors: 0," "$f.log" || { errs=1; cat "$f.log"; }
  done
  return $errs
}

# ttls_agree OLD NEW: every session of OLD is in NEW (by private id) with a
# PTTL within 1000 ms
ttls_agree() {
  awk 'function id(k) { return substr(k, length(k) - 64, 64) }
       NR == FNR { t[id($1)] = $2; next }
       { if (!(id($1) in t)) { miss++; next }; d = $2 - t[id($1)]; if (d < 0) d = -d; if (d > 1000) far++; seen++ }
       END { printf "%d matched, %d missing, %d further than 1 s\n", seen, miss, far; exit !(seen == n && !miss && !far) }' \
    n="$N" "$1" "$2"
}

# expiry_agrees RECORDS: the expiry inside each entry is now + PTTL (within 1 s)
expiry_agrees() {
  "$RSESS" info --lines "$1" | ruby -rjson -e '
    now = Time.now.to_f; off = 0
    STDIN.each_line { |l| r = JSON.parse(l); off += 1 if (r["expires_at"] - (now + r["pttl"] / 1000.0)).abs > 1 }
    puts "#{off} entries disagree with their TTL"; exit off == 0'
}

quiet() { "$@" > /dev/null; }
count() { wc -l < "$1" | tr -d ' '; }

# === 1. redis-store -> cache (6.1) ============================================
ruby "$RB" write redis-store session "$N" "$PORTS" > "$TMP/rs.tsv" || bad "Rails' redis-store could not write"
check "Rails' redis-store wrote $N sessions" test "$(count "$TMP/rs.tsv")" = "$N"
read_records 'session:2::*' "$TMP/rs.rec" 2> "$TMP/rs.err"
check "the pipeline read $N records ($(count "$TMP/rs.rec"))" test "$(count "$TMP/rs.rec")" = "$N"
check "the pipeline said nothing on stderr" test ! -s "$TMP/rs.err"

"$RSESS" migrate --from redis-store --to cache --entry 6.1 --from-namespace session --to-namespace myapp \
  --cluster-nodes "$TMP/nodes" --out-dir "$TMP/out61" "$TMP/rs.rec" 2> "$TMP/m61.err"
check "migrate to 6.1 entries succeeds" test $? = 0
check "one stream per master" test "$(ls "$TMP/out61"/*.resp | wc -l)" = 3
check "no temporary files left" test -z "$(ls "$TMP/out61" | grep -v '\.resp$')"
check "the report counts $N converted" grep -q "^converted: $N$" "$TMP/m61.err"
"$RSESS" migrate --from redis-store --to cache --entry 6.1 --from-namespace session --to-namespace myapp \
  --cluster-nodes "$TMP/nodes" --dry-run "$TMP/rs.rec" > "$TMP/dry.txt"
check "--dry-run reports the source format" grep -q "^  marshal: $N$" "$TMP/dry.txt"
check "--dry-run reports the three masters" test "$(grep -c '^  127.0.0.1:[0-9]*: [0-9]* SET$' "$TMP/dry.txt")" = 3
check "the streams go to their nodes without errors" pipe_streams "$TMP/out61"

read_records 'myapp:_session_id:*' "$TMP/c61.rec" 2> /dev/null
check "TTLs of the 6.1 entries are the originals' ($(ttls_agree "$TMP/rs.rec" "$TMP/c61.rec"))" \
  quiet ttls_agree "$TMP/rs.rec" "$TMP/c61.rec"
check "each 6.1 entry's created_at + expires_in agrees with its TTL" quiet expiry_agrees "$TMP/c61.rec"
check "every value is a 6.1 entry" test "$("$RSESS" info --lines "$TMP/c61.rec" | grep -c '"format": "activesupport-6.1"')" = "$N"
check "the big sessions were deflated as Rails does" test "$("$RSESS" info --lines "$TMP/c61.rec" | grep -c '"compressed": true')" = $((N / 10))
got=$(ruby "$RB" check-rails cache myapp "$TMP/rs.tsv" "$PORTS")
check "Rails' CacheStore over RedisCacheStore 6.1 reads the migrated sessions ($got)" test "$got" = "$N equal of $N"
"$RSESS" decode --lines --to json "$TMP/c61.rec" > "$TMP/c61.jsonl"
got=$(ruby "$RB" check-json cache myapp "$TMP/rs.tsv" "$TMP/c61.jsonl")
check "rsess reads the migrated sessions ($got)" test "$got" = "$N equal of $N"

# === 2. cache -> redis-store, then the old keys deleted =======================
ruby "$RB" write cache myapp2 "$N" "$PORTS" > "$TMP/c.tsv" || bad "Rails' CacheStore could not write"
read_records 'myapp2:_session_id:*' "$TMP/c.rec" 2> /dev/null
check "the pipeline read $N cache records" test "$(count "$TMP/c.rec")" = "$N"
"$RSESS" migrate --from cache --to redis-store --to-namespace session2 --delete-old \
  --cluster-nodes "$TMP/nodes" --out-dir "$TMP/out2" "$TMP/c.rec" 2> "$TMP/m2.err"
check "migrate to redis-store succeeds" test $? = 0
check "the 6.1 entries were detected" \
  grep -q "^  activesupport-6.1: $N$" "$TMP/m2.err"
check "the redis-store streams go to their nodes" pipe_streams "$TMP/out2"
read_records 'session2:2::*' "$TMP/rs2.rec" 2> /dev/null
check "TTLs of the redis-store values are the originals' ($(ttls_agree "$TMP/c.rec" "$TMP/rs2.rec"))" \
  quiet ttls_agree "$TMP/c.rec" "$TMP/rs2.rec"
got=$(ruby "$RB" check-rails redis-store session2 "$TMP/c.tsv" "$PORTS")
check "redis-actionpack reads the migrated sessions ($got)" test "$got" = "$N equal of $N"
"$RSESS" decode --lines --to json "$TMP/rs2.rec" > "$TMP/rs2.jsonl"
got=$(ruby "$RB" check-json redis-store session2 "$TMP/c.tsv" "$TMP/rs2.jsonl")
check "rsess reads the redis-store values ($got)" test "$got" = "$N equal of $N"
check "the old keys are still there before the DEL streams" \
  test "$(redis-cli -c -p "${CP[0]}" EXISTS "$(head -1 "$TMP/c.rec" | cut -d'"' -f2)")" = 1
check "the DEL streams go to their nodes" pipe_streams "$TMP/out2/delete"
read_records 'myapp2:*' "$TMP/left.rec" 2> /dev/null
check "the DEL streams removed every old key" test "$(count "$TMP/left.rec")" = 0

# === 3. redis-store -> cache (7.1), read back by rsess ========================
"$RSESS" migrate --from redis-store --to cache --entry 7.1 --from-namespace session --to-namespace myapp71 \
  --cluster-nodes "$TMP/nodes" --out-dir "$TMP/out71" "$TMP/rs.rec" 2> /dev/null
check "migrate to 7.1 entries succeeds" test $? = 0
check "the 7.1 streams go to their nodes" pipe_streams "$TMP/out71"
read_records 'myapp71:_session_id:*' "$TMP/c71.rec" 2> /dev/null
check "TTLs of the 7.1 entries are the originals' ($(ttls_agree "$TMP/rs.rec" "$TMP/c71.rec"))" \
  quiet ttls_agree "$TMP/rs.rec" "$TMP/c71.rec"
check "each 7.1 entry's expires_at agrees with its TTL" quiet expiry_agrees "$TMP/c71.rec"
check "every value is a 7.1 entry" test "$("$RSESS" info --lines "$TMP/c71.rec" | grep -c '"format": "activesupport-7.1"')" = "$N"
"$RSESS" decode --lines --to json "$TMP/c71.rec" > "$TMP/c71.jsonl"
got=$(ruby "$RB" check-json cache myapp71 "$TMP/rs.tsv" "$TMP/c71.jsonl")
check "rsess reads the 7.1 sessions ($got)" test "$got" = "$N equal of $N"

echo "migrate: $pass passed, $fail failed"
[ "$fail" = 0 ]
