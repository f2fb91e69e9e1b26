#!/usr/bin/env bash
# Measures the terminal dashboard against the issue's budgets:
#   - idle, 10 clients, nothing changing but the countdowns: < 1% of one core and
#     < 512 bytes/s written to the terminal; issue 23's goal: <= 150 bytes/s and <= 0.5x the CPU
#     of htop at the same refresh rate, measured in the same run (HTOP=1, below);
#   - keypress to updated frame: < 50 ms;
#   - at scale (CLIENTS=1000, CLIENTS=10000): start-up, idle CPU, RSS, bytes/s and keypress
#     latency with that many clients.
#
# Usage: Benchmarks/measure-terminal.sh [TOKENTOP_BINARY]
#   The binary defaults to $TOKENTOP_BIN, else /work/main/.build/debug/tokentop; it is copied to a
#   private temporary folder first so that a rebuild cannot swap it mid-run.
# Environment knobs (defaults in brackets): SETTLE [5] seconds before each window, WINDOW [30]
#   seconds measured, KEYS [30] keypresses, COLS [120] and ROWS [40] for the pane,
#   SCENARIOS ["strict polling short", or "fleet" when CLIENTS is not 10] to choose which idle runs
#   to do, BUILD_TYPE [from the path: debug or release] to label a copied binary,
#   HTOP [1]: in every idle window, `htop -d 10` runs in its own pane of the same size under
#     `script`, over the same seconds, and its bytes/s and CPU % are reported beside the
#     dashboard's. 10 tenths = 1 s, the dashboard's own redraw interval (it redraws when the wall
#     clock's second changes, TerminalDriver/TerminalDashboard.swift). htop runs with HOME in the
#     private folder: default settings, and the user's htoprc is neither read nor written.
#   CLIENTS [10]: the scenario "fleet" runs the dashboard on CLIENTS clients of a demo server
#     started from a clients file (scope custom_mod, hour-long tokens), poll-interval 1h, the
#     endpoints shared through a YAML merge key so that 10,000 clients fit the 1 MiB cap.
#   RESOURCE [1]: the fleet's clients keep their resource-uri (one /mod call each at start-up, then
#     hourly), as the 10-client "strict" scenario does; RESOURCE=0 leaves it out.
#   START_TIMEOUT [600] seconds to wait for every client to be "ok" on the screen,
#   PERF_SECONDS [0]: when > 0, `perf record -p PID` on the idle dashboard for that long after the
#     keypresses, and the top symbols (perf report, self time) printed; PERF_CALLGRAPH [0]=1
#     records frame-pointer call graphs and prints the symbols by time including their callees;
#     PERF_KEEP=FILE keeps the recording there, for `perf report -i FILE` afterwards.
#
# Start-up is read from the screen: from launching the pane until the first frame reaches the
# terminal, and until the header's counts read "<CLIENTS> ok" (every client holds a token and,
# with a resource-uri, has its first API answer), polled with `tmux capture-pane` every 0.25 s.
# RSS is VmRSS and VmHWM of the dashboard (/proc/PID/status) at the end of the idle window.
#
# Needs tmux, script (util-linux), python3; htop for HTOP=1, perf for PERF_SECONDS. Everything it
# starts (demo servers, a private tmux server, the dashboards, htop) listens on loopback only, if
# at all, and is stopped on exit, even on Ctrl-C; every wait is bounded.
# Total run time with the defaults: about 2 minutes 30 seconds; CLIENTS=10000 with PERF_SECONDS=20
# about 2 minutes 10 seconds (start-up 33-40 s on 2 cores: the token manager spreads the first
# fetches over 30 s).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)   # fleet-config.py is beside this script

SETTLE=${SETTLE:-5}
WINDOW=${WINDOW:-30}
KEYS=${KEYS:-30}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
CLIENTS=${CLIENTS:-10}
if [ "$CLIENTS" = 10 ]; then SCENARIOS=${SCENARIOS:-"strict polling short"}; else SCENARIOS=${SCENARIOS:-fleet}; fi
HTOP=${HTOP:-1}
RESOURCE=${RESOURCE:-1}
START_TIMEOUT=${START_TIMEOUT:-600}
PERF_SECONDS=${PERF_SECONDS:-0}
SOURCE_BIN=${1:-${TOKENTOP_BIN:-/work/main/.build/debug/tokentop}}

for tool in tmux script python3 getconf; do
    command -v "$tool" >/dev/null || { echo "measure-terminal: needs $tool" >&2; exit 2; }
done
[ "$HTOP" = 0 ] || command -v htop >/dev/null || { echo "measure-terminal: needs htop (or HTOP=0)" >&2; exit 2; }
[ "$PERF_SECONDS" = 0 ] || command -v perf >/dev/null || { echo "measure-terminal: needs perf (or PERF_SECONDS=0)" >&2; exit 2; }
case "$CLIENTS" in ''|*[!0-9]*) echo "measure-terminal: CLIENTS must be a number" >&2; exit 2 ;; esac
[ -x "$SOURCE_BIN" ] || { echo "measure-terminal: no executable at $SOURCE_BIN" >&2; exit 2; }

WORK=$(mktemp -d /tmp/tokentop-measure.XXXXXX)
chmod 700 "$WORK"
SOCKET="tokentop-measure-$$"     # a private tmux server, never the user's
DEMO_PIDS=()
PANE_TERM="?"
NAP_PID=""
TMUX_CMD=(tmux -L "$SOCKET" -f /dev/null)

cleanup() {
    set +e
    [ -n "$NAP_PID" ] && kill -TERM "$NAP_PID" 2>/dev/null
    # Dashboards: ask politely (q), then the process itself, then the private tmux server.
    for pidfile in "$WORK"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null)
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    done
    "${TMUX_CMD[@]}" kill-server 2>/dev/null
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"
    for pid in "${DEMO_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"   # holds the generated configuration's secrets
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A sleep that a signal interrupts at once (bash runs traps only between foreground commands).
nap() {
    sleep "$1" &
    NAP_PID=$!
    wait "$NAP_PID" || true
    NAP_PID=""
}

BIN="$WORK/tokentop"
cp "$SOURCE_BIN" "$BIN"
case "$SOURCE_BIN" in
    */debug/*) BUILD=debug ;;
    */release/*) BUILD=release ;;
    *) BUILD=${BUILD_TYPE:-unknown} ;;
esac
BUILT=$(date -u -r "$SOURCE_BIN" '+%Y-%m-%d %H:%M:%S UTC')
CLK_TCK=$(getconf CLK_TCK)
export TOKENTOP_THEMES=${TOKENTOP_THEMES:-$(cd "$(dirname "$0")/.." && pwd)/themes}

# ---------------------------------------------------------------------------------------------
# Demo servers and the configurations.
# start_demo NAME [DEMO ARGUMENTS...]: a demo server on loopback (port 0: the system picks), its
# generated configuration in $WORK/NAME.yaml.
start_demo() {
    local name=$1
    shift
    "$BIN" demo-server --port 0 "$@" --write-config "$WORK/$name.yaml" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    DEMO_PIDS+=("$!")
    # 60 s: with 10,000 clients the demo server makes a secret for each before it writes the file.
    for _ in $(seq 600); do [ -s "$WORK/$name.yaml" ] && break; sleep 0.1; done
    [ -s "$WORK/$name.yaml" ] || { echo "measure-terminal: the demo server wrote no configuration" >&2; cat "$WORK/$name.err" >&2; exit 1; }
    sleep 0.5   # let the writer finish the file
}

declare -A CLIENT_COUNT
case " $SCENARIOS " in
    *" strict "*|*" polling "*|*" short "*) start_demo demo ;;
esac
for scenario in strict polling short; do CLIENT_COUNT[$scenario]=10; done
CLIENT_COUNT[fleet]=$CLIENTS

# make_config OUT POLL WITH_SHORT: 10 clients copied from the demo's healthy clients (tokens live 1h);
# POLL is the poll-interval ("" keeps the default 10s); WITH_SHORT=1 makes the 10th client the
# demo's short-lived one (30 s tokens, refreshed every ~20 s).
make_config() {
    python3 - "$WORK/demo.yaml" "$1" "$2" "$3" <<'PY'
import re, sys
source, out, poll, with_short = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
clients, current = {}, None
for line in open(source).read().split("\n"):
    match = re.match(r"^  ([A-Za-z0-9_.-]+):\s*$", line)
    if match:
        current = match.group(1)
        clients[current] = []
    elif current and line.startswith("    "):
        clients[current].append(line)
healthy = [name for name in ("mod-client", "post-client", "jwt-client") if name in clients]
if not healthy:
    sys.exit("no healthy demo client found in " + source)
lines = []
if poll:
    lines += ["defaults:", f"  poll-interval: {poll}"]
lines.append("clients:")
for index in range(10):
    if with_short and index == 9 and "short-lived" in clients:
        lines.append("  short-lived:")
        lines += clients["short-lived"]
        continue
    name = healthy[index % len(healthy)]
    lines.append(f"  {name}-{index}:")
    lines += clients[name]
with open(out, "w") as handle:
    handle.write("\n".join(lines) + "\n")
PY
    chmod 600 "$1"
}
if [ -s "$WORK/demo.yaml" ]; then
    make_config "$WORK/strict.yaml" 1h 0
    make_config "$WORK/polling.yaml" "" 0
    make_config "$WORK/short.yaml" 1h 1
fi

# The fleet: CLIENTS clients (c00000, c00001, ...) of a demo server started from a clients file,
# as Benchmarks/measure-serve.sh makes them. A configuration file is at most 1 MiB: the clients
# share their endpoints through a YAML merge key, one line each; poll-interval 1h, so that only
# the countdowns change once every client is ok.
make_fleet() {
    python3 - "$CLIENTS" >"$WORK/clients.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"clients": [{"name": f"c{i:05d}", "scope": "custom_mod", "token-lifetime": "1h"} for i in range(n)]}))
PY
    start_demo fleet-demo --config "$WORK/clients.json" --log-level warning
    python3 "$HERE/fleet-config.py" "$WORK/fleet-demo.yaml" "$RESOURCE" 1h >"$WORK/fleet.yaml"
    chmod 600 "$WORK/fleet.yaml"
    local bytes
    bytes=$(stat -c %s "$WORK/fleet.yaml")
    [ "$bytes" -le 1048576 ] || { echo "measure-terminal: $CLIENTS clients make a $bytes-byte configuration, over the 1 MiB cap" >&2; exit 1; }
}
case " $SCENARIOS " in *" fleet "*) make_fleet ;; esac

# ---------------------------------------------------------------------------------------------
# start_dashboard NAME CONFIG: the dashboard in a detached tmux pane of COLSxROWS, under `script`
# so that everything written to the terminal lands in $WORK/NAME.log. The shell execs tokentop,
# so the pid it records is tokentop's own. $WORK/NAME.launched holds when the pane was launched.
start_dashboard() {
    local name=$1 config=$2
    date +%s%N >"$WORK/$name.launched"
    start_pane "$name" "$BIN dashboard --config $config"
    PANE_TERM=$("${TMUX_CMD[@]}" show-options -gv default-terminal 2>/dev/null || echo "?")
}

# start_pane NAME COMMAND: COMMAND exec'd in a detached tmux pane of COLSxROWS under `script`.
start_pane() {
    local name=$1 command=$2
    "${TMUX_CMD[@]}" new-session -d -s "$name" -x "$COLS" -y "$ROWS" \
        "script -q -f -c 'echo \$\$ > $WORK/$name.pid; exec $command' $WORK/$name.log"
    for _ in $(seq 100); do [ -s "$WORK/$name.pid" ] && break; sleep 0.05; done
    [ -s "$WORK/$name.pid" ] || { echo "measure-terminal: $name did not start" >&2; exit 1; }
}

# start_htop NAME: htop at the dashboard's refresh rate (-d 10: 1 s), in its own pane of the same
# size, with default settings (HOME in the private folder: no htoprc read, none written).
start_htop() {
    mkdir -p "$WORK/htop-home"
    start_pane "$1" "env HOME=$WORK/htop-home XDG_CONFIG_HOME=$WORK/htop-home/.config htop -d 10"
}

stop_dashboard() {
    local name=$1 pid
    pid=$(cat "$WORK/$name.pid")
    "${TMUX_CMD[@]}" send-keys -t "$name" q 2>/dev/null || true
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -TERM "$pid" 2>/dev/null || true
    "${TMUX_CMD[@]}" kill-session -t "$name" 2>/dev/null || true
    rm -f "$WORK/$name.pid"
}

# wait_started NAME COUNT: seconds from launching the pane until the first byte reached the
# terminal, and until the header's counts read "COUNT ok" (capture-pane every 0.25 s, at most
# START_TIMEOUT s). Writes "first_frame_s all_ok_s|- header" to $WORK/NAME.start; runs in the
# background so that a signal stops it at once.
wait_started() {
    local name=$1 count=$2
    python3 - "${TMUX_CMD[*]}" "$name" "$WORK/$name.log" "$count" "$(cat "$WORK/$name.launched")" "$START_TIMEOUT" \
        "$(cat "$WORK/$name.pid")" >"$WORK/$name.start" <<'PY' &
import os, re, shlex, subprocess, sys, time
tmux, target, log, count = shlex.split(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
launched, timeout, pid = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
ok = re.compile(r"(?<![0-9])" + str(count) + r" ok\b")
first = done = None
header = ""
while True:
    elapsed = (time.time_ns() - launched) / 1e9
    if first is None and os.path.exists(log) and os.stat(log).st_size > 0:
        first = elapsed
    screen = subprocess.run(tmux + ["capture-pane", "-p", "-t", target], capture_output=True, text=True).stdout
    header = " ".join(screen.split("\n", 1)[0].split())
    if ok.search(header):
        done = elapsed
        break
    if elapsed > timeout or not os.path.exists(f"/proc/{pid}"):
        break
    time.sleep(0.25)
show = lambda value: "-" if value is None else f"{value:.1f}"
print(show(first), show(done), header)
PY
    NAP_PID=$!
    wait "$NAP_PID" || true
    NAP_PID=""
}

# CPU time of each thread of a pid in nanoseconds, "TID NS" a line: the scheduler's own count (first
# field of schedstat). Finer than clock ticks (10 ms each: 0.03 % of a 30 s window), but a thread
# that ends inside the window takes its time with it: idle_window then reports no figure.
thread_ns() {
    local task
    for task in /proc/"$1"/task/*; do
        echo "${task##*/} $(cut -d' ' -f1 "$task/schedstat" 2>/dev/null || echo gone)"
    done
}

# VmRSS and VmHWM of a pid, in MiB.
memory() {
    awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { printf "%.1f %.1f", rss / 1024, hwm / 1024 }' "/proc/$1/status"
}

# utime+stime of a pid in clock ticks (fields 14 and 15, counted after the parenthesised name).
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat")
    stat=${stat##*) }
    read -r -a fields <<<"$stat"
    echo $(( fields[11] + fields[12] ))
}

# idle_window NAME [OTHER...]: bytes/s and CPU % of each named pane over the same WINDOW seconds,
# after SETTLE seconds. Writes "bytes_per_s cpu_percent_from_ticks cpu_percent_from_schedstat|- header"
# to $WORK/NAME.result (the header
# of the first pane only), the load average at the window's start and end to $WORK/NAME.load,
# and VmRSS/VmHWM at the end to $WORK/NAME.memory. (Not run in $(...), so that a signal stops
# the script at once rather than after the window.)
idle_window() {
    local name t0 t1 header
    local -A pid bytes0 ticks0 bytes1 ticks1
    nap "$SETTLE"
    for name in "$@"; do pid[$name]=$(cat "$WORK/$name.pid"); done
    printf '%s' "$(cut -d' ' -f1-3 /proc/loadavg)" >"$WORK/$1.load"
    t0=$(date +%s%N)
    for name in "$@"; do bytes0[$name]=$(stat -c %s "$WORK/$name.log"); ticks0[$name]=$(cpu_ticks "${pid[$name]}"); thread_ns "${pid[$name]}" >"$WORK/$name.ns0"; done
    nap "$WINDOW"
    t1=$(date +%s%N)
    for name in "$@"; do bytes1[$name]=$(stat -c %s "$WORK/$name.log"); ticks1[$name]=$(cpu_ticks "${pid[$name]}"); thread_ns "${pid[$name]}" >"$WORK/$name.ns1"; done
    echo " $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/$1.load"
    for name in "$@"; do
        header=""
        [ "$name" = "$1" ] && header=$("${TMUX_CMD[@]}" capture-pane -p -t "$name" | head -1 | sed -e 's/^ *tokentop *//' -e 's/  */ /g')
        {
            python3 - "$WORK/$name.ns0" "$WORK/$name.ns1" <<PY
import sys
def threads(path):
    return {tid: value for tid, value in (line.split() for line in open(path)) if value.isdigit()}
before, after = threads(sys.argv[1]), threads(sys.argv[2])
bytes_, ticks, ns, hz = $((${bytes1[$name]} - ${bytes0[$name]})), $((${ticks1[$name]} - ${ticks0[$name]})), $((t1 - t0)), $CLK_TCK
seconds = ns / 1e9
# threads started inside the window count whole; one that ended took its time with it
ended = [tid for tid in before if tid not in after]
cpu = sum(int(value) - int(before.get(tid, 0)) for tid, value in after.items())
print(f'{bytes_ / seconds:.0f} {100.0 * ticks / hz / seconds:.2f}', "-" if ended else f"{100.0 * cpu / ns:.3f}", end=' ')
PY
            echo "$header"
        } >"$WORK/$name.result"
        memory "${pid[$name]}" >"$WORK/$name.memory"
    done
}

# keypress_latency NAME COUNT: KEYS presses of j/k (moving the selection between row 1 and 2). Each
# press is sent just after a countdown tick has been written, so that no tick lands in the
# measurement. Two clocks per press, both from just before `tmux send-keys`:
#   pty  - until the dashboard's first byte of the answer reaches the terminal log;
#   pane - until tmux capture-pane shows the new selection ("2/COUNT" or "1/COUNT" in the tab line).
# Writes its figures to $WORK/NAME.keys; runs in the background so that a signal stops it at once.
keypress_latency() {
    local name=$1 count=$2
    python3 - "${TMUX_CMD[*]}" "$name" "$WORK/$name.log" "$KEYS" "$count" >"$WORK/$name.keys" <<'PY' &
import os, shlex, statistics, subprocess, sys, time
tmux, target, log, keys, count = shlex.split(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def run(*args):
    return subprocess.run(tmux + list(args), check=True, capture_output=True, text=True).stdout

def capture():
    return run("capture-pane", "-p", "-t", target)

def size():
    return os.stat(log).st_size

def wait_for_tick(limit=2.0):
    start, before = time.monotonic(), size()
    while size() == before and time.monotonic() - start < limit:
        time.sleep(0.001)
    # a tick's frame is written in one go; wait for it to finish
    last = size()
    while True:
        time.sleep(0.02)
        now = size()
        if now == last:
            return
        last = now

def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]

pty, pane, misses = [], [], 0
marker = {"j": f" 2/{count} ", "k": f" 1/{count} "}
if marker["k"] not in capture():
    run("send-keys", "-t", target, "k")   # make sure the first row is selected
    time.sleep(0.3)
for index in range(keys):
    key = "j" if index % 2 == 0 else "k"
    wait_for_tick()
    time.sleep(0.03)
    before = size()
    t0 = time.monotonic_ns()
    run("send-keys", "-t", target, key)
    t_pty = None
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        if t_pty is None and size() != before:
            t_pty = time.monotonic_ns()
        if t_pty is not None and marker[key] in capture():
            pane.append((time.monotonic_ns() - t0) / 1e6)
            pty.append((t_pty - t0) / 1e6)
            break
    else:
        misses += 1

# The tools' own round trip: one send-keys of nothing (display-message) and one capture of an
# unchanged screen, each a fork+exec of tmux and a socket round trip.
capture_ms, tmux_ms = [], []
for _ in range(20):
    t0 = time.monotonic_ns(); capture(); capture_ms.append((time.monotonic_ns() - t0) / 1e6)
    t0 = time.monotonic_ns(); run("display-message", "-p", "-t", target, "x"); tmux_ms.append((time.monotonic_ns() - t0) / 1e6)

def show(values):
    if not values:
        return "n/a n/a"
    return f"{statistics.median(values):.1f} {percentile(values, 0.9):.1f}"
print(show(pty), show(pane), show(tmux_ms), show(capture_ms), len(pty), misses)
PY
    NAP_PID=$!
    wait "$NAP_PID" || true
    NAP_PID=""
}

# profile NAME: PERF_SECONDS of `perf record -p PID` (999 samples a second), the top symbols to
# $WORK/NAME.perf: by self time, or with PERF_CALLGRAPH=1 (frame pointers) by time including
# callees. Runs in the background so that a signal stops it at once.
profile() {
    local name=$1 record=() report=(--no-children --percent-limit 1.5)
    if [ "${PERF_CALLGRAPH:-0}" = 1 ]; then record=(--call-graph fp); report=(--children --percent-limit 8 -g none); fi
    {
        perf record -q -F 999 "${record[@]}" -p "$(cat "$WORK/$name.pid")" -o "$WORK/$name.perf.data" -- sleep "$PERF_SECONDS" >/dev/null 2>&1 &&
            { [ -z "${PERF_KEEP:-}" ] || cp "$WORK/$name.perf.data" "$PERF_KEEP"; } &&
            perf report -q -i "$WORK/$name.perf.data" --stdio "${report[@]}" --sort dso,symbol 2>/dev/null |
            grep -v '^$' | head -25 | { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi; } |
                sed -e 's/[ -]*$//' | cut -c1-200
    } >"$WORK/$name.perf" &
    NAP_PID=$!
    wait "$NAP_PID" || true
    NAP_PID=""
}

# ---------------------------------------------------------------------------------------------
declare -A RESULT
for scenario in $SCENARIOS; do
    case "$scenario" in
        strict|polling|short|fleet) ;;
        *) echo "measure-terminal: unknown scenario $scenario (strict, polling, short, fleet)" >&2; exit 2 ;;
    esac
    count=${CLIENT_COUNT[$scenario]}
    start_dashboard "$scenario" "$WORK/$scenario.yaml"
    wait_started "$scenario" "$count"
    RESULT[$scenario.start]=$(cat "$WORK/$scenario.start")
    if [ "$HTOP" != 0 ]; then
        start_htop "htop-$scenario"
        idle_window "$scenario" "htop-$scenario"
        RESULT[$scenario.htop]=$(cat "$WORK/htop-$scenario.result")
        stop_dashboard "htop-$scenario"
    else
        idle_window "$scenario"
    fi
    RESULT[$scenario]=$(cat "$WORK/$scenario.result")
    RESULT[$scenario.load]=$(cat "$WORK/$scenario.load")
    RESULT[$scenario.memory]=$(cat "$WORK/$scenario.memory")
    if { [ "$scenario" = strict ] || [ "$scenario" = fleet ]; } && [ "$KEYS" -gt 0 ]; then
        keypress_latency "$scenario" "$count"
        RESULT[$scenario.keys]=$(cat "$WORK/$scenario.keys")
    fi
    if [ "$PERF_SECONDS" != 0 ] && { [ "$scenario" = strict ] || [ "$scenario" = fleet ]; }; then
        profile "$scenario"
        RESULT[$scenario.perf]=$(cat "$WORK/$scenario.perf")
    fi
    stop_dashboard "$scenario"
done

# ---------------------------------------------------------------------------------------------
field() { awk -v n="$2" '{print $n}' <<<"$1"; }
header() { cut -d' ' -f4- <<<"$1"; }
# The CPU % of a result: the scheduler's figure, or the ticks' where a thread ended in the window.
cpu_of() { if [ "$(field "$1" 3)" = - ]; then field "$1" 2; else field "$1" 3; fi; }
cpu_words() { if [ "$(field "$1" 3)" = - ]; then echo "from ticks: a thread ended in the window"; else echo "$(field "$1" 2) from ticks"; fi; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b > 0 else 'n/a')" "$1" "$2"; }
echo "tokentop terminal budgets — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
words=()
case " $SCENARIOS " in *" strict "*|*" polling "*|*" short "*) words+=("10 clients (copies of the demo's 1h-token clients)") ;; esac
case " $SCENARIOS " in
    *" fleet "*) words+=("fleet: $CLIENTS clients c00000... of a demo server from a clients file, 1h tokens, poll 1h, resource-uri $([ "$RESOURCE" = 1 ] && echo kept || echo left out)") ;;
esac
echo "conditions: $(IFS=';'; echo "${words[*]}" | sed 's/;/; /g'),"
echo "            pane ${COLS}x${ROWS} (tmux $(tmux -V | cut -d' ' -f2), TERM=$PANE_TERM), $([ "$HTOP" != 0 ] && echo "$(htop --version | head -1) -d 10 in a second pane of the same size over the same window,")"
echo "            $BUILD build of $SOURCE_BIN (built $BUILT), settle ${SETTLE}s, window ${WINDOW}s,"
echo "            $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $CLK_TCK"
for scenario in $SCENARIOS; do
    r=${RESULT[$scenario]}
    case "$scenario" in
        strict)  label="idle (poll-interval 1h, only countdowns change)" ;;
        polling) label="idle + default 10s /mod polling" ;;
        short)   label="idle, 9 clients + short-lived (30s tokens), poll 1h" ;;
        fleet)   label="idle, $CLIENTS clients, poll 1h" ;;
    esac
    printf '%-55s idle bytes/s %6s (budget <512, goal <=150)   idle CPU %% %6s (budget <1; %s)\n' "$label" "$(field "$r" 1)" "$(cpu_of "$r")" "$(cpu_words "$r")"
    if [ -n "${RESULT[$scenario.htop]:-}" ]; then
        h=${RESULT[$scenario.htop]}
        printf '%-55s   htop -d 10, same window: bytes/s %6s, CPU %% %6s (%s); dashboard/htop: bytes x%s, CPU x%s (goal <=0.5)\n' "" \
            "$(field "$h" 1)" "$(cpu_of "$h")" "$(cpu_words "$h")" "$(ratio "$(field "$r" 1)" "$(field "$h" 1)")" "$(ratio "$(cpu_of "$r")" "$(cpu_of "$h")")"
    fi
    st=${RESULT[$scenario.start]}
    printf '%-55s   start-up: first frame after %s s, every client ok after %s s\n' "" "$(field "$st" 1)" "$(field "$st" 2)"
    printf '%-55s   RSS at the end of the window: VmRSS %s MiB, VmHWM %s MiB\n' "" "$(field "${RESULT[$scenario.memory]}" 1)" "$(field "${RESULT[$scenario.memory]}" 2)"
    printf '%-55s   load average at window start / end: %s / %s\n' "" "$(cut -d' ' -f1-3 <<<"${RESULT[$scenario.load]}")" "$(cut -d' ' -f4-6 <<<"${RESULT[$scenario.load]}")"
    printf '%-55s   screen header: %s\n' "" "$(header "$r")"
    if [ -n "${RESULT[$scenario.keys]:-}" ]; then
        k=${RESULT[$scenario.keys]}
        echo "    keypress latency median/p90 ms (j/k, $(field "$k" 9) presses, $(field "$k" 10) missed; budget <50):"
        echo "        key -> first byte on the pty     $(field "$k" 1) / $(field "$k" 2)"
        echo "        key -> new frame in capture-pane $(field "$k" 3) / $(field "$k" 4)"
        echo "        tmux round trip alone: send (display-message) $(field "$k" 5) / $(field "$k" 6), capture-pane of an unchanged screen $(field "$k" 7) / $(field "$k" 8)"
    fi
    if [ -n "${RESULT[$scenario.perf]:-}" ]; then
        if [ "${PERF_CALLGRAPH:-0}" = 1 ]; then
            echo "    perf record -F 999 --call-graph fp -p PID for ${PERF_SECONDS}s on the idle dashboard, time with callees, symbols >= 8 %:"
        else
            echo "    perf record -F 999 -p PID for ${PERF_SECONDS}s on the idle dashboard, self time, symbols >= 1.5 %:"
        fi
        sed 's/^/      /' <<<"${RESULT[$scenario.perf]}"
    fi
done
