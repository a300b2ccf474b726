#!/bin/sh
# redis-cluster.sh: a local Redis Cluster for tests — 3 masters + 3 replicas, ports BASE..BASE+5,
# each node in DIR/nodeN. `start DIR [BASE]` (default 24300) prints the REDIS_URL to use;
# `stop DIR` stops the nodes it started and waits for them to exit. Exit 3 when redis-cli has no
# --cluster support.
set -eu
cmd=${1:-}
dir=${2:-}
base=${3:-24300}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [BASEPORT]" >&2; exit 2; }

case "$cmd" in
start)
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { echo "redis-server/redis-cli not found" >&2; exit 3; }
    redis-cli --cluster help 2>&1 | grep -q "create" || { echo "redis-cli has no --cluster support" >&2; exit 3; }
    mkdir -p "$dir"
    nodes=""
    for i in 0 1 2 3 4 5; do
        port=$((base + i))
        nd="$dir/node$i"
        rm -rf "$nd"
        mkdir -p "$nd"
        # short node timeout: a killed master is replaced within ~2 s in the tests
        redis-server --port "$port" --bind 127.0.0.1 --dir "$nd" --daemonize yes \
            --pidfile "$nd/redis.pid" --logfile "$nd/redis.log" \
            --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
            --cluster-port $((port + 1000)) \
            `# bus ports next to the client ports, below the ephemeral range (not port+10000)` \
            --appendonly no --save '' --maxmemory 256mb --maxmemory-policy volatile-lru
        nodes="$nodes 127.0.0.1:$port"
    done
    for i in 0 1 2 3 4 5; do
        n=0
        until redis-cli -p $((base + i)) ping >/dev/null 2>&1; do
            n=$((n + 1)); [ $n -lt 300 ] || { echo "node $((base + i)) did not start:" >&2; tail -5 "$dir/node$i/redis.log" >&2; exit 1; }; sleep 0.05
        done
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || {
        cat "$dir/create.log" >&2; exit 1; }
    n=0
    until redis-cli -p "$base" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; do
        n=$((n + 1)); [ $n -lt 200 ] || { echo "cluster did not become ok" >&2; exit 1; }; sleep 0.05
    done
    # every node must agree before clients read the map
    for i in 0 1 2 3 4 5; do
        n=0
        until redis-cli -p $((base + i)) cluster info 2>/dev/null | grep -q 'cluster_state:ok'; do
            n=$((n + 1)); [ $n -lt 200 ] || break; sleep 0.05
        done
    done
    echo "redis+cluster://127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
    ;;
stop)
    # TERM, then wait (10 s at most) for each node to exit: a node saves its data on the way
    # out, and a caller that removes DIR right after must not race those writes
    pids=''
    for pf in "$dir"/node*/redis.pid; do
        [ -f "$pf" ] || continue
        pid=$(cat "$pf")
        if kill "$pid" 2>/dev/null; then pids="$pids $pid"; fi
        rm -f "$pf"
    done
    for pid in $pids; do
        n=0
        while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    done
    ;;
*)
    echo "usage: $0 start|stop DIR [BASEPORT]" >&2; exit 2 ;;
esac
