#!/usr/bin/env bash
# Moving sessions at scale, on loopback (make bench-migrate):
#  standalone: N redis-store sessions read with the cookbook's pipeline
#  (redis-cli --scan | rsess records --commands | redis-cli --no-raw |
#  rsess records), converted by rsess migrate to 7.1 cache entries and
#  written back with redis-cli --pipe (target for 100,000: <= 60 s);
#  cluster (3 masters): the same N read with one pipeline per master at
#  once (target: <= 30 s), then migrated and piped per node.
# The sessions are bench/payloads' typical, cart and hello values, loaded
# beforehand (not timed). Prints one line per step with seconds and rate.
# Usage: bench/migrate.sh BUILD_DIR [N]
set -u
BUILD=$(cd "${1:-build}" && pwd)
RSESS=$BUILD/rsess
N=${2:-100000}
cd "$(dirname "$0")/.." || exit 2
. tests/integration/lib.sh

now() { date +%s.%N; }
step() { # step NAME START: prints the seconds since START and the rate
  awk -v name="$1" -v t0="$2" -v t1="$(now)" -v n="$N" \
    'BEGIN { s = t1 - t0; printf "%-44s %7.2f s %9.0f sessions/s\n", name, s, n / s }'
}

# N records "session:2::<64 hex>" PTTL "value", three payloads in turn
make_records() {
  local q1 q2 q3
  q1=$("$RSESS" encode --to quoted < <("$RSESS" decode --in raw --to typed bench/payloads/typical.bin))
  q2=$("$RSESS" encode --to quoted < <("$RSESS" decode --in raw --to typed bench/payloads/cart.bin))
  q3=$("$RSESS" encode --to quoted < <("$RSESS" decode --in raw --to typed bench/payloads/hello.bin))
  # (through ENVIRON: awk -v would turn the \n escapes into newlines)
  Q1=$q1 Q2=$q2 Q3=$q3 awk -v n="$N" 'BEGIN {
    q[0] = ENVIRON["Q1"]; q[1] = ENVIRON["Q2"]; q[2] = ENVIRON["Q3"]
    for (i = 0; i < n; i++)
      printf "\"session:2::%08x%08x%08x%08x%08x%08x%08x%08x\" %d %s\n", i, i * 7, i * 13, 99, i, 3, i * 17, 1,
        3600000 + i % 1000, q[i % 3]
  }'
}

pipe_to() { # pipe_to HOST:PORT FILE
  redis-cli -h "${1%:*}" -p "${1##*:}" --pipe < "$2" > "$2.log" 2>&1 && grep -q "errors: 0," "$2.log" ||
    { echo "bench: redis-cli --pipe to $1 failed"; cat "$2.log"; exit 1; }
}

read_node() { # read_node HOST:PORT PATTERN > records
  redis-cli -h "${1%:*}" -p "${1##*:}" --no-raw --scan --pattern "$2" | "$RSESS" records --commands |
    redis-cli -h "${1%:*}" -p "${1##*:}" --no-raw | "$RSESS" records
}

make_records > "$TMP/src.rec"
echo "bench-migrate: $N sessions ($(du -h "$TMP/src.rec" | cut -f1) of records), $(nproc) cores"

# === standalone ===============================================================
P=$(free_ports 1)
start_redis "$P" || exit 1
"$RSESS" migrate --from redis-store --to redis-store "$TMP/src.rec" > "$TMP/load.resp" || exit 1
pipe_to "127.0.0.1:$P" "$TMP/load.resp"

t0=$(now)
read_node "127.0.0.1:$P" 'session:2::*' > "$TMP/s.rec"
step "standalone: read (SCAN + records pipeline)" "$t0"
t1=$(now)
"$RSESS" migrate --from redis-store --to cache --entry 7.1 --to-namespace myapp "$TMP/s.rec" > "$TMP/s.resp" || exit 1
step "standalone: rsess migrate to 7.1 entries" "$t1"
t1=$(now)
pipe_to "127.0.0.1:$P" "$TMP/s.resp"
step "standalone: write back (redis-cli --pipe)" "$t1"
step "standalone: read + convert + write" "$t0"
[ "$(wc -l < "$TMP/s.rec")" = "$N" ] || { echo "bench: read $(wc -l < "$TMP/s.rec") records, not $N"; exit 1; }
[ "$(redis-cli -p "$P" DBSIZE)" = $((2 * N)) ] || { echo "bench: the server holds $(redis-cli -p "$P" DBSIZE) keys"; exit 1; }

# === cluster ==================================================================
start_cluster 3 || exit 1
redis-cli -p "${CP[0]}" --no-raw CLUSTER NODES > "$TMP/nodes"
"$RSESS" migrate --from redis-store --to redis-store --cluster-nodes "$TMP/nodes" --out-dir "$TMP/load" \
  "$TMP/src.rec" 2> /dev/null || exit 1
for f in "$TMP"/load/*.resp; do pipe_to "$(basename "$f" .resp)" "$f"; done

t0=$(now)
jobs=()
for node in $("$RSESS" locate --masters "$TMP/nodes"); do
  read_node "$node" 'session:2::*' > "$TMP/c.rec.$node" &
  jobs+=($!)
done
wait "${jobs[@]}"
cat "$TMP"/c.rec.* > "$TMP/c.rec"
step "cluster: read, 3 masters at once" "$t0"
t1=$(now)
"$RSESS" migrate --from redis-store --to cache --entry 7.1 --to-namespace myapp --cluster-nodes "$TMP/nodes" \
  --out-dir "$TMP/out" "$TMP/c.rec" 2> /dev/null || exit 1
step "cluster: rsess migrate, routed by slot" "$t1"
t1=$(now)
jobs=()
for f in "$TMP"/out/*.resp; do
  pipe_to "$(basename "$f" .resp)" "$f" &
  jobs+=($!)
done
wait "${jobs[@]}"
step "cluster: write back, 3 pipes at once" "$t1"
step "cluster: read + convert + write" "$t0"
[ "$(wc -l < "$TMP/c.rec")" = "$N" ] || { echo "bench: read $(wc -l < "$TMP/c.rec") cluster records, not $N"; exit 1; }
