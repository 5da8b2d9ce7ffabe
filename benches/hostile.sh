#!/usr/bin/env bash
# Hostile load against rollcall: a flood of failures from ever-new sources with ever-new
# usernames, with max_sources set low so the bound shows. Reports RSS over time, tracked
# sources, evictions, and RSS per tracked (source, username).
#
#   benches/hostile.sh                         # 60 s unique flood + 20 s wide flood
#   HOSTILE_SECS=300 MAX_SOURCES=100000 benches/hostile.sh
#
# Phase 1 ("unique"): every message a new source and a new username (1 pair per source).
# Phase 2 ("wide"): WIDE_USERS usernames per source (below the Medium tier, so no offense
# storm), which fills the detector with (source, username) pairs rather than sources.
# All traffic to 127.0.0.1; rollcall runs in the foreground and is stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOSTILE_SECS=${HOSTILE_SECS:-60}
WIDE_SECS=${WIDE_SECS:-20}
WIDE_USERS=${WIDE_USERS:-10}
MAX_SOURCES=${MAX_SOURCES:-100000}
CONNECTIONS=${CONNECTIONS:-2}
RATE=${RATE:-} # empty: full speed
CPUS=${CPUS:-0,1}
OUT=${OUT:-$ROOT/target/e2e/hostile-$(date -u +%Y%m%dT%H%M%SZ)}
BIN=$ROOT/target/release

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/rollcall-hostile.XXXXXX)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --locked -p rollcall -p rollcall-benches --bins 2>&1 | tail -1) >&2
fi

# run_phase NAME USERS_PER_SOURCE SECONDS
run_phase() {
    local name=$1 ups=$2 secs=$3
    local d=$WORK/$name && mkdir -p "$d"
    local tcp metrics
    tcp=$(free_port) metrics=$(free_port)
    cat >"$d/rollcall.toml" <<EOF
[[listen]]
protocol = "tcp"
address = "127.0.0.1:$tcp"

[detection]
max_sources = $MAX_SOURCES

[[output]]
protocol = "file"
path = "$d/offenses.log"

[metrics]
address = "127.0.0.1:$metrics"
EOF
    taskset -c "$CPUS" "$BIN/rollcall" run --config "$d/rollcall.toml" 2>"$d/stderr" &
    PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        grep -q "ready listeners=" "$d/stderr" && break
        sleep 0.1
    done
    grep -q "ready listeners=" "$d/stderr" || { cat "$d/stderr" >&2; exit 1; }
    sleep 0.5
    local idle_rss
    idle_rss=$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$PID/status")
    local rate=()
    [ -n "$RATE" ] && rate=(--rate "$RATE")
    echo "hostile/$name: ${secs}s, $ups username(s) per source, max_sources=$MAX_SOURCES" >&2
    taskset -c "$CPUS" "$BIN/loadgen" hostile --target "127.0.0.1:$tcp" --duration "$secs" \
        --connections "$CONNECTIONS" --users-per-source "$ups" "${rate[@]}" \
        --observe-prom "127.0.0.1:$metrics" --pid "$PID" --clk-tck "$(getconf CLK_TCK)" \
        --extra-metric rollcall_tracked_sources --extra-metric rollcall_evictions_total \
        --extra-metric rollcall_capped_usernames_total --extra-metric rollcall_offenses_total \
        --extra-metric rollcall_drops_total --label "hostile-$name" >"$OUT/hostile-$name.json"
    kill "$PID" && wait "$PID" 2>/dev/null || true
    PID=
    jq -r --argjson idle "$idle_rss" --argjson ups "$ups" '
        (.final_extra.rollcall_tracked_sources) as $tracked
        | (.rss_series | last | .[1]) as $rend
        | ([$ups, 100] | min) as $per
        | "hostile/\(.label | sub("hostile-"; "")): sent \(.sent_messages) msgs in \(.send_seconds | floor) s (\(.send_msgs_per_s | floor)/s), accepted \(.accepted), "
          + "tracked sources \($tracked), evictions \(.final_extra.rollcall_evictions_total), "
          + "offenses \(.final_extra.rollcall_offenses_total), "
          + "RSS idle \($idle / 1048576 | floor) MiB -> end \($rend / 1048576 | floor) MiB (peak \(.peak_rss_bytes / 1048576 | floor) MiB), "
          + "RSS per tracked (source, username) \((($rend - $idle) / ($tracked * $per)) | floor) B"' \
        "$OUT/hostile-$name.json" | tee -a "$OUT/hostile-summary.txt"
    jq -r '"  RSS over time (s: MiB): " + ([.rss_series[] | select((.[0] | floor) % 5 == 0)] | unique_by(.[0] | floor) | map("\(.[0] | floor): \(.[1] / 1048576 | floor)") | join(", "))' \
        "$OUT/hostile-$name.json" | tee -a "$OUT/hostile-summary.txt"
    jq -r '"  evictions over time (s: n): " + ([.metrics_series[] | "\(.t | floor): \(.metrics.rollcall_evictions_total)"] | join(", "))' \
        "$OUT/hostile-$name.json" | tee -a "$OUT/hostile-summary.txt"
}

: >"$OUT/hostile-summary.txt"
run_phase unique 1 "$HOSTILE_SECS"
run_phase wide "$WIDE_USERS" "$WIDE_SECS"
