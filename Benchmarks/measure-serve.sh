#!/usr/bin/env bash
# tokentop serve at scale: resident memory, /metrics scrape time, idle CPU, CPU per client
# refresh, and how the start-up fetches spread over time, against `tokentop demo-server`
# serving N clients on loopback.
#
#   swift build -c release --product tokentop
#   Benchmarks/measure-serve.sh [BINARY] [N ...]      # default: .build/release/tokentop, 1000 10000
#
# Per N, two runs of serve:
#   1. hour-long tokens: time until every client holds a token (or, past START_TIMEOUT seconds,
#      how far start-up got, with RSS and scrape times part-way), fetches per second at start-up,
#      RSS, idle CPU over IDLE_SECONDS, and SCRAPES scrapes of /metrics (median and p90);
#   2. REFRESH_LIFETIME tokens (short, so refreshes happen all the time): CPU seconds of serve
#      over REFRESH_SECONDS divided by the refreshes it made, from tokentop_token_fetches_total.
# The demo server runs in its own process, so serve's CPU and memory are its own. The clients
# have no resource-uri unless POLL_RESOURCE=1 (then each also calls /mod every poll-interval).
#
# MEMORY_ONLY=1 measures resident memory over a start-up, a whole listing and a heap trim (below).
# LISTING_ONLY=1 measures /api/v1/clients instead: with LISTING_LIFETIME tokens (125 s: each
# client refreshes about every 100 s, 1 % of them a second once their refreshes have spread),
# the whole listing (LISTING_CALLS calls: size, time), then a watcher's polls of ?since= once a
# second for LISTING_SECONDS seconds (clients and bytes per answer, time per call).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)   # fleet-config.py is beside this script

binary=${1:-.build/release/tokentop}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000)
IDLE_SECONDS=${IDLE_SECONDS:-30}
SCRAPES=${SCRAPES:-20}
REFRESH_LIFETIME=${REFRESH_LIFETIME:-20s}
REFRESH_SECONDS=${REFRESH_SECONDS:-60}
PORT=${PORT:-19464}
START_TIMEOUT=${START_TIMEOUT:-600}

[ -x "$binary" ] || { echo "no tokentop binary at $binary: swift build -c release --product tokentop" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

clk_tck=$(getconf CLK_TCK)
# utime + stime of a process, in seconds.
cpu_seconds() { awk -v t="$clk_tck" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
metrics() { curl -sf "http://127.0.0.1:$PORT/metrics"; }
# Sum of a metric's samples whose line matches a pattern.
metric_sum() { metrics | awk -v name="$1" -v pattern="$2" 'index($0, name "{") == 1 && $0 ~ pattern { s += $NF } END { printf "%d", s }'; }

# Starts the demo server with N clients of the given lifetime and serve on its configuration;
# waits until every client holds a token. Sets demo_pid, serve_pid, started_at, all_tokens_after.
start() {
  local n=$1 lifetime=$2
  python3 - "$n" "$lifetime" > "$work/clients.json" <<'PY'
import json, sys
n, lifetime = int(sys.argv[1]), sys.argv[2]
print(json.dumps({"clients": [{"name": f"c{i:05d}", "scope": "custom_mod", "token-lifetime": lifetime} for i in range(n)]}))
PY
  rm -f "$work/demo.yaml"
  "$binary" demo-server --config "$work/clients.json" --write-config "$work/demo.yaml" --log-level warning \
    > "$work/demo.out" 2>&1 &
  demo_pid=$!
  pids+=("$demo_pid")
  for _ in $(seq 600); do [ -s "$work/demo.yaml" ] && break; sleep 0.1; done
  [ -s "$work/demo.yaml" ] || { echo "demo-server did not start:" >&2; cat "$work/demo.out" >&2; exit 1; }
  sleep 0.5   # the file is written in one go, but give the write a moment to finish
  # A configuration file is at most 1 MiB: the clients share their endpoints through a YAML
  # merge key, one line each. Without a resource-uri serve does only the token lifecycle;
  # POLL_RESOURCE=1 keeps the /mod polling.
  python3 "$here/fleet-config.py" "$work/demo.yaml" "${POLL_RESOURCE:-0}" > "$work/serve.yaml"
  started_at=$(date +%s.%N)
  "$binary" serve --config "$work/serve.yaml" --listen "127.0.0.1:$PORT" --log-file "$work/serve.log" \
    > "$work/serve.out" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  # Polled once a second: at 10,000 clients a scrape is itself real work for serve.
  fetched=0
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    fetched=$(metric_sum tokentop_token_fetches_total 'outcome="success"' 2>/dev/null || echo 0)
    [ "$fetched" -ge "$n" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { echo "serve exited:" >&2; tail -5 "$work/serve.out" >&2; exit 1; }
    sleep 1
  done
  all_tokens_after=$(echo "$(date +%s.%N) - $started_at" | bc)
}

# When start-up did not finish within START_TIMEOUT: what serve looks like part-way.
report_unfinished() {
  printf 'start-up NOT finished: %d of %d clients held a token after %.0f s (%.1f fetches/s)\n' \
    "$fetched" "$1" "$all_tokens_after" "$(echo "$fetched / $all_tokens_after" | bc -l)"
  echo "serve CPU so far: $(cpu_seconds "$serve_pid") s; RSS $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
  scrape_report
  stop
}

# SCRAPES scrapes of /metrics: size, median, p90, max.
scrape_report() {
  bytes=$(metrics | wc -c)
  series=$(metrics | grep -vc '^#')
  for _ in $(seq "$SCRAPES"); do
    curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/metrics"
  done | sort -n | awk -v bytes="$bytes" -v series="$series" '{ t[NR] = $1 } END {
    printf "/metrics: %d samples, %.1f MiB; scrape median %.1f ms, p90 %.1f ms, max %.1f ms (%d scrapes)\n",
      series, bytes / 1048576, 1000 * t[int((NR + 1) / 2)], 1000 * t[int(NR * 0.9 + 0.5)], 1000 * t[NR], NR }'
}

# SIGTERM, and SIGKILL for whatever has not exited 30 s later.
stop() {
  kill "$serve_pid" "$demo_pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$serve_pid" 2>/dev/null || kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$serve_pid" "$demo_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  wait "$demo_pid" 2>/dev/null || true
  pids=()
}

echo "tokentop serve at scale: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $binary"

# The whole listing and a watcher's ?since= polls, as `tokentop --attach` makes them.
listing_report() {
  local url="http://127.0.0.1:$PORT/api/v1/clients"
  for _ in $(seq "${LISTING_CALLS:-3}"); do
    curl -sf -o /dev/null -w '%{size_download} %{time_total}\n' "$url"
  done | sort -k2 -n | awk '{ b[NR] = $1; t[NR] = $2 } END {
    printf "whole listing: %.1f MB; median %.0f ms, max %.0f ms (%d calls)\n", b[1] / 1e6, 1000 * t[int((NR + 1) / 2)], 1000 * t[NR], NR }'
  local generation
  generation=$(curl -sf "$url?since=0" | python3 -c 'import json, sys; print(json.load(sys.stdin)["generation"])')
  for _ in $(seq "${LISTING_SECONDS:-30}"); do
    sleep 1
    curl -sf -o "$work/since.json" -w '%{size_download} %{time_total}\n' "$url?since=$generation" | tr '\n' ' '
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d["clients"]), d["generation"], d["complete"])' "$work/since.json"
    generation=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["generation"])' "$work/since.json")
  done > "$work/polls.txt"
  sort -k1 -n "$work/polls.txt" | awk '{ b[NR] = $1; c[NR] = $3 } END {
    printf "since polls: median %.1f KB, max %.1f KB (%d polls)\n", b[int((NR + 1) / 2)] / 1e3, b[NR] / 1e3, NR }'
  sort -k2 -n "$work/polls.txt" | awk '{ t[NR] = $2 } END { printf "since polls: median %.1f ms, max %.1f ms\n", 1000 * t[int((NR + 1) / 2)], 1000 * t[NR] }'
  sort -k3 -n "$work/polls.txt" | awk '{ c[NR] = $3; s += $3; if ($5 == "True") full++ } END {
    printf "clients per since answer: median %d, max %d, mean %.0f; whole listings answered instead: %d\n", c[int((NR + 1) / 2)], c[NR], s / NR, full }'
  awk '{ if ($3 > 0) printf "%.0f ", $1 / $3 } END { print "" }' "$work/polls.txt" | tr ' ' '\n' | sort -n | awk 'NF { v[++n] = $1 } END {
    if (n) printf "bytes per changed client: median %d\n", v[int((n + 1) / 2)] }'
}

# MEMORY_ONLY=1: serve's RSS once every client holds a token (hour-long tokens), after one whole
# /api/v1/clients, and 65 s later, once serve has handed freed heap back (it does so once a minute).
if [ "${MEMORY_ONLY:-0}" = 1 ]; then
  for n in "${counts[@]}"; do
    echo
    echo "== $n clients, hour-long tokens: resident memory"
    start "$n" 1h
    if [ "$fetched" -lt "$n" ]; then report_unfinished "$n"; continue; fi
    sleep 5
    printf 'every client holding a token after %.1f s: RSS %s MiB\n' "$all_tokens_after" "$(rss_mib "$serve_pid")"
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/clients"
    sleep 1
    echo "after one whole /api/v1/clients: RSS $(rss_mib "$serve_pid") MiB"
    sleep 64
    echo "65 s later: RSS $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
    stop
  done
  exit 0
fi

if [ "${LISTING_ONLY:-0}" = 1 ]; then
  for n in "${counts[@]}"; do
    echo
    echo "== $n clients, ${LISTING_LIFETIME:-125s} tokens: /api/v1/clients"
    start "$n" "${LISTING_LIFETIME:-125s}"
    # Measured however far start-up got: a watcher polls from the start.
    printf '%d of %d clients holding a token after: %.1f s\n' "$fetched" "$n" "$all_tokens_after"
    # Until the first refreshes (at about 100 s) are under way.
    sleep "${LISTING_WAIT:-$(awk -v t="$all_tokens_after" 'BEGIN { w = 110 - t; print (w > 0 ? int(w) : 0) }')}"
    listing_report
    echo "RSS: $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
    stop
  done
  exit 0
fi
for n in "${counts[@]}"; do
  echo
  echo "== $n clients, hour-long tokens"
  start "$n" 1h
  if [ "$fetched" -lt "$n" ]; then report_unfinished "$n"; continue; fi
  printf 'every client holding a token after: %.1f s\n' "$all_tokens_after"
  # Start-up spread: the startup fetch of each client, from its history, counted per second.
  curl -sf "http://127.0.0.1:$PORT/api/v1/clients" | python3 -c '
import json, sys, collections
from datetime import datetime
clients = json.load(sys.stdin)["clients"]
starts = [datetime.fromisoformat(c["history"][0]["started_at"].replace("Z", "+00:00")).timestamp() for c in clients if c["history"]]
first = min(starts)
per_second = collections.Counter(int(s - first) for s in starts)
busiest = max(per_second.values())
print(f"start-up fetches: {len(starts)} over {max(per_second) + 1} s; busiest second {busiest} = {100 * busiest / len(clients):.1f} % of clients")
'
  sleep 5
  cpu0=$(cpu_seconds "$serve_pid")
  sleep "$IDLE_SECONDS"
  cpu1=$(cpu_seconds "$serve_pid")
  echo "idle CPU over ${IDLE_SECONDS} s: $(echo "scale=2; 100 * ($cpu1 - $cpu0) / $IDLE_SECONDS" | bc) % of one core"
  echo "RSS: $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
  scrape_report
  echo "RSS after scrapes: $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
  stop

  echo "== $n clients, $REFRESH_LIFETIME tokens"
  start "$n" "$REFRESH_LIFETIME"
  if [ "$fetched" -lt "$n" ]; then report_unfinished "$n"; continue; fi
  sleep 5
  refreshes0=$(metric_sum tokentop_token_fetches_total 'reason="scheduled"')
  cpu0=$(cpu_seconds "$serve_pid")
  sleep "$REFRESH_SECONDS"
  cpu1=$(cpu_seconds "$serve_pid")
  refreshes1=$(metric_sum tokentop_token_fetches_total 'reason="scheduled"')
  errors=$(metric_sum tokentop_token_fetches_total 'outcome="error"')
  refreshes=$((refreshes1 - refreshes0))
  echo "refreshes in ${REFRESH_SECONDS} s: $refreshes ($(echo "scale=1; $refreshes / $REFRESH_SECONDS" | bc)/s), failed fetches so far: $errors"
  echo "serve CPU: $(echo "scale=2; 100 * ($cpu1 - $cpu0) / $REFRESH_SECONDS" | bc) % of one core;" \
    "$( [ "$refreshes" -gt 0 ] && echo "scale=3; 1000 * ($cpu1 - $cpu0) / $refreshes" | bc || echo "-") ms CPU per refresh"
  echo "RSS: $(rss_mib "$serve_pid") MiB (peak $(hwm_mib "$serve_pid") MiB)"
  stop
done
