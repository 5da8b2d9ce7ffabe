#!/usr/bin/env bash
# Side-by-side end-to-end benchmark, one run, same workload, same CPUs:
#   (1) bare_receiver — splits lines and counts them: the ceiling
#   (2) rsyslog 8     — imtcp + a property filter on the event IDs writing matches to a file
#   (3) rollcall      — the default rule, offenses to a file output
# For each, REPS repetitions of MESSAGES messages over TCP: accepted msgs/s and MB/s from the
# receiver's own counters, CPU seconds per million messages, peak RSS; for rollcall also
# offenses found vs hidden. Then rollcall alone: UDP at a fixed rate (loss vs kernel drops),
# offense latency under background load, and the hostile flood (benches/hostile.sh).
#
#   benches/compare.sh                       # ~6-8 minutes on 2 cores
#   MESSAGES=500000 REPS=1 HOSTILE_SECS=20 benches/compare.sh   # quick look
#   RUN_THROUGHPUT=0 RUN_LATENCY=0 RUN_HOSTILE=0 UDP_REPS=3 benches/compare.sh  # UDP only
#   ROLLCALL=/path/to/other/rollcall SKIP_BUILD=1 ...    # measure another rollcall build
#
# All traffic goes to 127.0.0.1; every run is bounded in messages and time. Daemons are
# started here, in the foreground, on ports picked here, and stopped by their PID.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MESSAGES=${MESSAGES:-2000000}
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-4}
FRAMING=${FRAMING:-lf}
CPUS=${CPUS:-0,1}
UDP_RATE=${UDP_RATE:-100000}
UDP_MESSAGES=${UDP_MESSAGES:-1000000}
UDP_REPS=${UDP_REPS:-1}
RUN_THROUGHPUT=${RUN_THROUGHPUT:-1}
RUN_LATENCY=${RUN_LATENCY:-1}
LAT_CAMPAIGNS=${LAT_CAMPAIGNS:-200}
LAT_INTERVAL_MS=${LAT_INTERVAL_MS:-50}
LAT_BG_RATE=${LAT_BG_RATE:-50000}
HOSTILE_SECS=${HOSTILE_SECS:-60}
RUN_HOSTILE=${RUN_HOSTILE:-1}
OUT=${OUT:-$ROOT/target/e2e/$(date -u +%Y%m%dT%H%M%SZ)}
BIN=$ROOT/target/release
ROLLCALL=${ROLLCALL:-$BIN/rollcall}

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/rollcall-compare.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN SECONDS
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1:" >&2
    cat "$1" >&2 || true
    return 1
}

stop() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=()
    for p in "${PIDS[@]}"; do [ "$p" != "$pid" ] && kept+=("$p"); done
    PIDS=("${kept[@]}")
}

CLK_TCK=$(getconf CLK_TCK)
LOADGEN=(taskset -c "$CPUS" "$BIN/loadgen")

# ── Receivers. Each start_* sets PID, TARGET and OBSERVE (loadgen arguments). ───────────────
start_bare() {
    local d=$WORK/bare && mkdir -p "$d"
    taskset -c "$CPUS" "$BIN/bare_receiver" --tcp 127.0.0.1:0 --udp 127.0.0.1:0 \
        --metrics 127.0.0.1:0 --max-seconds 900 2>"$d/stderr" &
    PID=$! && PIDS+=("$PID")
    wait_for "$d/stderr" "ready listeners=" 10
    TARGET=$(grep -o 'tcp/[0-9.:]*' "$d/stderr" | head -1 | cut -d/ -f2)
    OBSERVE=(--observe-prom "$(grep -o 'metrics=[0-9.:]*' "$d/stderr" | cut -d= -f2)"
        --msg-metric bare_messages_received_total --bytes-metric bare_bytes_received_total)
}

start_rsyslog() {
    local d=$WORK/rsyslog-$RANDOM && mkdir -p "$d"
    local port
    port=$(free_port)
    cat >"$d/rsyslog.conf" <<EOF
global(workDirectory="$d")
module(load="impstats" interval="1" format="json" log.file="$d/stats.json" log.syslog="off")
module(load="imtcp")
input(type="imtcp" port="$port" address="127.0.0.1" ruleset="bench")
ruleset(name="bench") {
  if \$msg contains ["4625", "4771", "4768", "4776"] then {
    action(type="omfile" file="$d/matches.log")
  }
}
EOF
    taskset -c "$CPUS" rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" 2>"$d/stderr" &
    PID=$! && PIDS+=("$PID")
    local i
    for ((i = 0; i < 100; i++)); do
        ss -ltnH "sport = :$port" | grep -q . && break
        sleep 0.1
    done
    TARGET=127.0.0.1:$port
    OBSERVE=(--observe-impstats "$d/stats.json" --impstats-name "imtcp($port)"
        --impstats-field submitted --settle 8)
    RSYSLOG_DIR=$d
}

# start_rollcall [max_sources]
start_rollcall() {
    local d=$WORK/rollcall-$RANDOM && mkdir -p "$d"
    local tcp udp metrics
    tcp=$(free_port) udp=$(free_port) metrics=$(free_port)
    cat >"$d/rollcall.toml" <<EOF
[[listen]]
protocol = "tcp"
address = "127.0.0.1:$tcp"
framing = "auto"

[[listen]]
protocol = "udp"
address = "127.0.0.1:$udp"

[detection]
max_sources = ${1:-1000000}

[[output]]
protocol = "file"
path = "$d/offenses.log"
format = "leef"

[metrics]
address = "127.0.0.1:$metrics"
EOF
    RUST_LOG=${RUST_LOG:-info} taskset -c "$CPUS" "$ROLLCALL" run --config "$d/rollcall.toml" 2>"$d/stderr" &
    PID=$! && PIDS+=("$PID")
    wait_for "$d/stderr" "ready listeners=" 15
    TARGET=127.0.0.1:$tcp
    UDP_TARGET=127.0.0.1:$udp
    OFFENSES=$d/offenses.log
    OBSERVE=(--observe-prom "127.0.0.1:$metrics")
    ROLLCALL_DIR=$d
}

# ── Build and record the machine. ──────────────────────────────────────────────────────────
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries"
    (cd "$ROOT" && cargo build --release --locked -p rollcall -p rollcall-benches --bins 2>&1 | tail -1) >&2
fi
{
    echo "date: $(date -u +%FT%TZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) x $(nproc)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "kernel: $(uname -r)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "rustc: $(rustc --version)"
    echo "rsyslog: $(rsyslogd -v | head -1)"
    echo "cpus used: $CPUS (receiver and loadgen share them)"
    echo "rollcall: $ROLLCALL"
    echo "net.core.rmem_max: $(cat /proc/sys/net/core/rmem_max)"
    echo "loadavg at start: $(cat /proc/loadavg)"
    echo "messages per run: $MESSAGES, reps: $REPS, connections: $CONNECTIONS, framing: $FRAMING"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

RESULTS=$OUT/throughput.jsonl
: >"$RESULTS"

# ── (1)-(3) throughput, interleaved so drift in machine load hits all three alike. ────────
[ "$RUN_THROUGHPUT" = 1 ] || REPS=0
for rep in $(seq 1 "$REPS"); do
    for sys in bare rsyslog rollcall; do
        "start_$sys"
        extra=()
        [ "$sys" = rollcall ] && extra=(--offense-file "$OFFENSES"
            --extra-metric rollcall_auth_events_total --extra-metric rollcall_offenses_total
            --extra-metric rollcall_parse_errors_total --extra-metric rollcall_tracked_sources)
        log "rep $rep/$REPS: $sys ($MESSAGES messages, $CONNECTIONS connections, $FRAMING)"
        "${LOADGEN[@]}" send --target "$TARGET" --messages "$MESSAGES" \
            --connections "$CONNECTIONS" --framing "$FRAMING" --label "$sys" \
            --pid "$PID" --clk-tck "$CLK_TCK" "${OBSERVE[@]}" "${extra[@]}" \
            --json-out "$RESULTS" | jq -c '{"label": .label, accepted, complete, steady_msgs_per_s, cpu_s_per_million, peak_rss_bytes, offenses}' >&2
        if [ "$sys" = rsyslog ]; then
            echo "rsyslog rep $rep: $(wc -l <"$RSYSLOG_DIR/matches.log") lines matched the filter" >>"$OUT/rsyslog-matches.txt"
        fi
        stop "$PID"
    done
done
[ "$RUN_THROUGHPUT" = 1 ] && "$BIN/loadgen" table "$RESULTS" >"$OUT/throughput.md"

# ── UDP at a fixed rate: every loss must show up as a kernel drop. ─────────────────────────
: >"$OUT/udp-summary.json"
for rep in $(seq 1 "$UDP_REPS"); do
    log "UDP rep $rep/$UDP_REPS: $UDP_MESSAGES messages at $UDP_RATE/s to rollcall"
    start_rollcall
    snmp_before=$(awk '/^Udp:/ {getline; print $4, $6}' /proc/net/snmp) # InErrors RcvbufErrors
    "${LOADGEN[@]}" send --transport udp --target "$UDP_TARGET" --messages "$UDP_MESSAGES" \
        --rate "$UDP_RATE" --connections "$CONNECTIONS" --label rollcall-udp --pid "$PID" \
        --clk-tck "$CLK_TCK" "${OBSERVE[@]}" --extra-metric rollcall_udp_kernel_drops_total \
        --extra-metric rollcall_drops_total >"$OUT/udp-$rep.json"
    snmp_after=$(awk '/^Udp:/ {getline; print $4, $6}' /proc/net/snmp)
    jq -c --arg b "$snmp_before" --arg a "$snmp_after" \
        '{sent_messages, accepted, lost, kernel_drops: .final_extra.rollcall_udp_kernel_drops_total,
          snmp_rcvbuf_errors_delta: (($a | split(" ")[1] | tonumber) - ($b | split(" ")[1] | tonumber)),
          steady_msgs_per_s, cpu_s_per_million}' "$OUT/udp-$rep.json" | tee -a "$OUT/udp-summary.json" >&2
    stop "$PID"
done

# ── Offense latency under background load. ─────────────────────────────────────────────────
if [ "$RUN_LATENCY" = 1 ]; then
    log "latency: $LAT_CAMPAIGNS campaigns every ${LAT_INTERVAL_MS} ms, background $LAT_BG_RATE msg/s"
    start_rollcall
    "${LOADGEN[@]}" latency --target "$TARGET" --offense-file "$OFFENSES" \
        --campaigns "$LAT_CAMPAIGNS" --interval-ms "$LAT_INTERVAL_MS" \
        --background-rate "$LAT_BG_RATE" --attackers 0 | tee "$OUT/latency.json" >&2
    stop "$PID"
fi

# ── Hostile flood. ─────────────────────────────────────────────────────────────────────────
if [ "$RUN_HOSTILE" = 1 ]; then
    log "hostile flood: ${HOSTILE_SECS}s"
    OUT=$OUT HOSTILE_SECS=$HOSTILE_SECS CPUS=$CPUS SKIP_BUILD=1 "$ROOT/benches/hostile.sh" >&2
fi

echo "loadavg at end: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
log "results in $OUT"
echo
[ -f "$OUT/throughput.md" ] && cat "$OUT/throughput.md" && echo
echo "UDP:" && cat "$OUT/udp-summary.json"
[ -f "$OUT/latency.json" ] && echo "latency: $(jq -c '{matched, missing, p50_ms, p90_ms, p99_ms, max_ms}' "$OUT/latency.json")"
[ -f "$OUT/hostile-summary.txt" ] && cat "$OUT/hostile-summary.txt"
exit 0
