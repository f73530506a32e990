# Shared by the integration tests (sourced from the repository root):
# a temporary directory, redis-server processes on free ports that are
# always stopped (also on failure), a 3-master cluster, and pass/fail
# counting. The sourcing script sets RSESS first.
TMP=$(mktemp -d /tmp/rsess-it.XXXXXX)
PIDS=()
pass=0
fail=0

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

for tool in redis-server redis-cli; do
  command -v $tool >/dev/null || { echo "integration: $tool is missing (apt-get install redis-server)"; echo "integration: 0 passed, 1 failed"; exit 1; }
done

listening() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# free_ports N: N consecutive ports below 30000 that nothing listens on, with
# their cluster bus ports (port + 10000) free as well.
free_ports() {
  local n=$1 base i busy
  while :; do
    base=$((20000 + RANDOM % 9900))
    busy=0
    for ((i = 0; i < n; i++)); do
      if listening $((base + i)) || listening $((base + i + 10000)); then busy=1; break; fi
    done
    [ $busy = 0 ] && break
  done
  for ((i = 0; i < n; i++)); do echo $((base + i)); done
}

start_redis() { # start_redis PORT [cluster]
  local port=$1 dir=$TMP/redis-$1
  mkdir -p "$dir"
  local extra=()
  [ "${2:-}" = cluster ] && extra=(--cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no \
    --logfile "$dir/log" "${extra[@]}" &
  PIDS+=($!)
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  echo "redis-server on $port did not start"; cat "$dir/log"; return 1
}

# start_cluster N: N masters without replicas on free ports, listed in CP;
# returns once the cluster says it is ok.
start_cluster() {
  local n=$1 p addrs=() try ok
  # ports found free can be taken before redis binds them (another test
  # run on the machine): then try other ones
  for try in 1 2 3; do
    mapfile -t CP < <(free_ports "$n")
    ok=1 addrs=()
    for p in "${CP[@]}"; do start_redis "$p" cluster > "$TMP/start.log" 2>&1 || { ok=0; break; }; addrs+=("127.0.0.1:$p"); done
    [ $ok = 1 ] && break
    for p in "${CP[@]}"; do redis-cli -p "$p" SHUTDOWN NOSAVE >/dev/null 2>&1; done
  done
  [ $ok = 1 ] || { cat "$TMP/start.log"; return 1; }
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes > "$TMP/create.log" 2>&1 ||
    { cat "$TMP/create.log"; bad "cluster create"; return 1; }
  # every node must say ok: one that has not heard of the others yet
  # answers MOVED (or nothing) for slots it will not own
  local all
  for _ in $(seq 200); do
    all=1
    for p in "${CP[@]}"; do
      redis-cli -p "$p" CLUSTER INFO | grep -q cluster_state:ok || { all=0; break; }
    done
    [ $all = 1 ] && return 0
    sleep 0.1
  done
  bad "the cluster did not become ok"
  return 1
}
