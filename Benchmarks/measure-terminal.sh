#!/usr/bin/env bash
# Measures the terminal dashboard against the issue's budgets:
#   - idle, 10 clients, nothing changing but the countdowns: < 1% of one core and
#     < 512 bytes/s written to the terminal;
#   - keypress to updated frame: < 50 ms.
#
# Usage: Benchmarks/measure-terminal.sh [TOKENTOP_BINARY]
#   The binary defaults to $TOKENTOP_BIN, else /work/main/.build/debug/tokentop; it is copied to a
#   private temporary folder first so that a rebuild cannot swap it mid-run.
# Environment knobs (defaults in brackets): SETTLE [5] seconds before each window, WINDOW [30]
#   seconds measured, KEYS [30] keypresses, COLS [120] and ROWS [40] for the pane,
#   SCENARIOS ["strict polling short"] to choose which idle runs to do, BUILD_TYPE [from the path:
#   debug or release] to label a copied binary.
#
# Needs tmux, script (util-linux), python3. Everything it starts (a demo server, a private tmux
# server, the dashboards) listens on loopback only and is stopped on exit, even on Ctrl-C.
# Total run time with the defaults: about 2 minutes 30 seconds.
set -euo pipefail

SETTLE=${SETTLE:-5}
WINDOW=${WINDOW:-30}
KEYS=${KEYS:-30}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
SCENARIOS=${SCENARIOS:-"strict polling short"}
SOURCE_BIN=${1:-${TOKENTOP_BIN:-/work/main/.build/debug/tokentop}}

for tool in tmux script python3 getconf; do
    command -v "$tool" >/dev/null || { echo "measure-terminal: needs $tool" >&2; exit 2; }
done
[ -x "$SOURCE_BIN" ] || { echo "measure-terminal: no executable at $SOURCE_BIN" >&2; exit 2; }

WORK=$(mktemp -d /tmp/tokentop-measure.XXXXXX)
chmod 700 "$WORK"
SOCKET="tokentop-measure-$$"     # a private tmux server, never the user's
DEMO_PID=""
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
    if [ -n "$DEMO_PID" ]; then
        kill -TERM "$DEMO_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DEMO_PID" 2>/dev/null
        wait "$DEMO_PID" 2>/dev/null
    fi
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
export TOKENTOP_THEMES=${TOKENTOP_THEMES:-/work/main/themes}

# ---------------------------------------------------------------------------------------------
# Demo servers and the 10-client configurations.
"$BIN" demo-server --port 0 --write-config "$WORK/demo.yaml" >"$WORK/demo.out" 2>"$WORK/demo.err" &
DEMO_PID=$!
for _ in $(seq 100); do [ -s "$WORK/demo.yaml" ] && break; sleep 0.1; done
[ -s "$WORK/demo.yaml" ] || { echo "measure-terminal: the demo server wrote no configuration" >&2; cat "$WORK/demo.err" >&2; exit 1; }
sleep 0.3   # let the writer finish the file

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
make_config "$WORK/strict.yaml" 1h 0
make_config "$WORK/polling.yaml" "" 0
make_config "$WORK/short.yaml" 1h 1

# ---------------------------------------------------------------------------------------------
# start_dashboard NAME CONFIG: the dashboard in a detached tmux pane of COLSxROWS, under `script`
# so that everything written to the terminal lands in $WORK/NAME.log. The shell execs tokentop,
# so the pid it records is tokentop's own.
start_dashboard() {
    local name=$1 config=$2
    "${TMUX_CMD[@]}" new-session -d -s "$name" -x "$COLS" -y "$ROWS" \
        "script -q -f -c 'echo \$\$ > $WORK/$name.pid; exec $BIN dashboard --config $config' $WORK/$name.log"
    for _ in $(seq 100); do [ -s "$WORK/$name.pid" ] && break; sleep 0.05; done
    [ -s "$WORK/$name.pid" ] || { echo "measure-terminal: the dashboard did not start" >&2; exit 1; }
    PANE_TERM=$("${TMUX_CMD[@]}" show-options -gv default-terminal 2>/dev/null || echo "?")
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

# utime+stime of a pid in clock ticks (fields 14 and 15, counted after the parenthesised name).
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat")
    stat=${stat##*) }
    read -r -a fields <<<"$stat"
    echo $(( fields[11] + fields[12] ))
}

# idle_window NAME: bytes/s and CPU % over WINDOW seconds after SETTLE seconds.
# Writes "bytes_per_s cpu_percent header" to $WORK/NAME.result. (Not run in $(...), so that a
# signal stops the script at once rather than after the window.)
idle_window() {
    local name=$1 pid log bytes0 bytes1 ticks0 ticks1 t0 t1 header
    pid=$(cat "$WORK/$name.pid")
    log="$WORK/$name.log"
    nap "$SETTLE"
    bytes0=$(stat -c %s "$log"); ticks0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
    nap "$WINDOW"
    bytes1=$(stat -c %s "$log"); ticks1=$(cpu_ticks "$pid"); t1=$(date +%s%N)
    header=$("${TMUX_CMD[@]}" capture-pane -p -t "$name" | head -1 | sed -e 's/^ *tokentop *//' -e 's/  */ /g')
    {
        python3 -c "
bytes_, ticks, ns, hz = $((bytes1 - bytes0)), $((ticks1 - ticks0)), $((t1 - t0)), $CLK_TCK
seconds = ns / 1e9
print(f'{bytes_ / seconds:.0f} {100.0 * ticks / hz / seconds:.2f}', end=' ')
"
        echo "$header"
    } >"$WORK/$name.result"
}

# keypress_latency NAME: KEYS presses of j/k (moving the selection between row 1 and 2). Each
# press is sent just after a countdown tick has been written, so that no tick lands in the
# measurement. Two clocks per press, both from just before `tmux send-keys`:
#   pty  - until the dashboard's first byte of the answer reaches the terminal log;
#   pane - until tmux capture-pane shows the new selection ("2/10" or "1/10" in the tab line).
# Writes its figures to $WORK/NAME.keys; runs in the background so that a signal stops it at once.
keypress_latency() {
    local name=$1
    python3 - "${TMUX_CMD[*]}" "$name" "$WORK/$name.log" "$KEYS" >"$WORK/$name.keys" <<'PY' &
import os, shlex, statistics, subprocess, sys, time
tmux, target, log, keys = shlex.split(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])

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
marker = {"j": " 2/10 ", "k": " 1/10 "}
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

# ---------------------------------------------------------------------------------------------
declare -A RESULT
for scenario in $SCENARIOS; do
    case "$scenario" in
        strict|polling|short) ;;
        *) echo "measure-terminal: unknown scenario $scenario (strict, polling, short)" >&2; exit 2 ;;
    esac
    start_dashboard "$scenario" "$WORK/$scenario.yaml"
    idle_window "$scenario"
    RESULT[$scenario]=$(cat "$WORK/$scenario.result")
    if [ "$scenario" = strict ] && [ "$KEYS" -gt 0 ]; then
        keypress_latency strict
        RESULT[keys]=$(cat "$WORK/strict.keys")
    fi
    stop_dashboard "$scenario"
done

# ---------------------------------------------------------------------------------------------
field() { awk -v n="$2" '{print $n}' <<<"$1"; }
header() { cut -d' ' -f3- <<<"$1"; }
echo "tokentop terminal budgets — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "conditions: 10 clients (copies of the demo's 1h-token clients), pane ${COLS}x${ROWS} (tmux $(tmux -V | cut -d' ' -f2), TERM=$PANE_TERM),"
echo "            $BUILD build of $SOURCE_BIN (built $BUILT), settle ${SETTLE}s, window ${WINDOW}s,"
echo "            $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $CLK_TCK"
for scenario in $SCENARIOS; do
    r=${RESULT[$scenario]}
    case "$scenario" in
        strict)  label="idle (poll-interval 1h, only countdowns change)" ;;
        polling) label="idle + default 10s /mod polling" ;;
        short)   label="idle, 9 clients + short-lived (30s tokens), poll 1h" ;;
    esac
    printf '%-55s idle bytes/s %6s (budget <512)   idle CPU %% %6s (budget <1)\n' "$label" "$(field "$r" 1)" "$(field "$r" 2)"
    printf '%-55s   screen header: %s\n' "" "$(header "$r")"
done
if [ -n "${RESULT[keys]:-}" ]; then
    k=${RESULT[keys]}
    echo "keypress latency median/p90 ms (j/k, $(field "$k" 9) presses, $(field "$k" 10) missed; budget <50):"
    echo "    key -> first byte on the pty     $(field "$k" 1) / $(field "$k" 2)"
    echo "    key -> new frame in capture-pane $(field "$k" 3) / $(field "$k" 4)"
    echo "    tmux round trip alone: send (display-message) $(field "$k" 5) / $(field "$k" 6), capture-pane of an unchanged screen $(field "$k" 7) / $(field "$k" 8)"
fi
