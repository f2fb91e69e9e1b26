#!/usr/bin/env bash
# tokentop as the credential helper scripts call: the wall time of a cached `tokentop token`
# beside curl fetching a token from the demo on loopback, `tokentop --version` beside
# `curl --version`, and the token requests the demo server counts for 50 concurrent cold callers
# and for 1,000 sequential calls.
#
#   swift build -c release --static-swift-stdlib --product tokentop
#   swift build -c release --static-swift-stdlib --product tokentop-front
#   Benchmarks/measure-token-cache.sh [BINARY ...]      # default: .build/release/tokentop-front .build/release/tokentop
#
# tokentop-front is what `make install` installs as bin/tokentop: it answers cached `token` calls itself and
# hands the rest to the full program beside it.
#
# Several binaries (say a default build and one with --static-swift-stdlib) are timed in the
# same hyperfine run, beside the same curl runs. Needs hyperfine (apt-get install hyperfine).
# The demo server is the first binary's `demo-server`, in its own process, on 127.0.0.1.
set -euo pipefail

binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(.build/release/tokentop-front .build/release/tokentop)
RUNS=${RUNS:-100}
SEQUENTIAL=${SEQUENTIAL:-1000}
CONCURRENT=${CONCURRENT:-50}
for i in "${!binaries[@]}"; do
  [ -x "${binaries[$i]}" ] || { echo "no tokentop binary at ${binaries[$i]}: swift build -c release --product tokentop" >&2; exit 2; }
  binaries[$i]=$(cd "$(dirname "${binaries[$i]}")" && pwd)/$(basename "${binaries[$i]}")
done
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 2; }
binary=${binaries[0]}
work=$(mktemp -d)
demo_pid=
cleanup() {
  [ -z "$demo_pid" ] || { kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config

"$binary" demo-server --write-config "$work/demo.yaml" --log-level warning > "$work/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 300); do [ -s "$work/demo.yaml" ] && grep -q "admin token" "$work/demo.out" && break; sleep 0.1; done
admin=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/admin' "$work/demo.out" | head -1)
admin_token=$(awk '/admin token/ { print $3 }' "$work/demo.out")
token_uri=$(awk '/^  mod-client:/ { inside = 1; next } inside && /token-uri:/ { gsub(/"/, "", $2); print $2; exit }' "$work/demo.yaml")
secret=$(awk '/^  mod-client:/ { inside = 1; next } inside && /client-secret:/ { gsub(/"/, "", $2); print $2; exit }' "$work/demo.yaml")
requests() { curl -sf -H "Authorization: Bearer $admin_token" "$admin/stats" | sed -E 's/.*"token_requests":([0-9]+).*/\1/'; }
config=$work/demo.yaml

echo "== machine"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(curl --version | head -1 | cut -d' ' -f1-2)"

echo "== $CONCURRENT processes started at once on a cold cache"
before=$(requests)
for i in $(seq "$CONCURRENT"); do "$binary" token --config "$config" mod-client > "$work/concurrent.$i" & done
wait $(jobs -p | grep -v "^$demo_pid$") 2>/dev/null || true
distinct=$(cat "$work"/concurrent.* | sort -u | wc -l)
echo "token requests at the server: $(( $(requests) - before )); distinct tokens printed: $distinct"

echo "== $SEQUENTIAL sequential calls on a cold cache (the token lives 1h)"
"$binary" cache clear > /dev/null
before=$(requests)
start=$(date +%s.%N)
for _ in $(seq "$SEQUENTIAL"); do "$binary" token --config "$config" mod-client > /dev/null; done
end=$(date +%s.%N)
echo "token requests at the server: $(( $(requests) - before )); $(awk -v s="$start" -v e="$end" -v n="$SEQUENTIAL" 'BEGIN { printf "%.1f", (e - s) * 1000 / n }') ms per call"

echo "== wall time, hyperfine -N, $RUNS runs each"
commands=("curl --version")
for b in "${binaries[@]}"; do commands+=("$b --version"); done
commands+=("curl -sf -u mod-client:$secret -d grant_type=client_credentials -d scope=custom_mod $token_uri")
for b in "${binaries[@]}"; do commands+=("$b token --config $config mod-client"); done
for b in "${binaries[@]}"; do commands+=("$b token --config $config mod-client --no-cache"); done
# Its warnings about outliers on a shared machine go; an error is shown.
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/times.json" "${commands[@]}" > /dev/null 2> "$work/hyperfine.err" \
  || { cat "$work/hyperfine.err" >&2; exit 1; }
# Median and minimum beside the mean: on a shared machine the mean carries other processes' noise.
python3 - "$work/times.json" "$work" "$secret" <<'PY'
import json, statistics, sys
results, work, secret = json.load(open(sys.argv[1]))["results"], sys.argv[2], sys.argv[3]
print("| command | mean ms | median ms | min ms |")
print("|---|---:|---:|---:|")
for r in results:
    command = r["command"].replace(work, "WORK").replace(secret, "SECRET")
    times = [t * 1000 for t in r["times"]]
    print(f"| `{command}` | {statistics.mean(times):.1f} ± {statistics.stdev(times):.1f} | {statistics.median(times):.1f} | {min(times):.1f} |")
PY
echo "== CPU time and page faults per call (perf stat -r 30), when perf is there"
if command -v perf > /dev/null; then
  for b in "${binaries[@]}"; do
    for args in "--version" "token --config $config mod-client"; do
      printf '%s %s: ' "$(basename "$b")" "${args/$work/WORK}"
      perf stat -r 30 -e task-clock,page-faults $b $args 2>&1 > /dev/null \
        | awk '/task-clock/ { printf "%s ms CPU, ", $1 } /page-faults/ { printf "%s page faults\n", $1 }'
    done
  done
  printf 'curl --version: '
  perf stat -r 30 -e task-clock,page-faults curl --version 2>&1 > /dev/null \
    | awk '/task-clock/ { printf "%s ms CPU, ", $1 } /page-faults/ { printf "%s page faults\n", $1 }'
  printf 'curl token request: '
  perf stat -r 30 -e task-clock,page-faults curl -sf -u "mod-client:$secret" -d grant_type=client_credentials -d scope=custom_mod "$token_uri" 2>&1 > /dev/null \
    | awk '/task-clock/ { printf "%s ms CPU, ", $1 } /page-faults/ { printf "%s page faults\n", $1 }'
fi
