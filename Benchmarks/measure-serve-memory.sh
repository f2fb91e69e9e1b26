#!/usr/bin/env bash
# serve's resident memory over a start-up, one whole listing and the heap trimmer's next round:
#
#   swift build -c release --product tokentop
#   Benchmarks/measure-serve-memory.sh .build/release/tokentop 10000
#
# Starts `tokentop demo-server` with N clients (hour-long tokens) and `serve` on them, waits until every
# client holds a token, and prints serve's RSS then, after one GET /api/v1/clients, and 65 s later (serve
# hands freed heap back once a minute). ENVV passes environment to serve (e.g. ENVV=MALLOC_ARENA_MAX=2).
set -euo pipefail
bin=${1:-.build/release/tokentop}; n=${2:-10000}; port=${PORT:-19564}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
python3 -c "
import json,sys
print(json.dumps({'clients':[{'name':f'c{i:05d}','scope':'custom_mod','token-lifetime':'1h'} for i in range($n)]}))" > $work/clients.json
$bin demo-server --config $work/clients.json --write-config $work/demo.yaml --log-level warning > $work/demo.out 2>&1 & pids+=($!)
for _ in $(seq 600); do [ -s $work/demo.yaml ] && break; sleep 0.1; done; sleep 0.5
python3 - $work/demo.yaml > $work/serve.yaml <<'PY'
import json, sys
def scalar(t):
    t=t.strip()
    if len(t)>=2 and t[0]==t[-1] and t[0] in "'\"": t=t[1:-1].replace("''","'") if t[0]=="'" else json.loads(t)
    return t
clients,cur={},None
for line in open(sys.argv[1]):
    if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
        cur=scalar(line.strip()[:-1]); clients[cur]={}
    elif line.startswith("    ") and cur and ": " in line:
        k,_,v=line.strip().partition(": "); clients[cur][k]=scalar(v)
shared=["issuer-uri","token-uri","jwk-set-uri","introspection-uri","revocation-uri"]
first=next(iter(clients.values()))
print("clients:")
for i,(name,f) in enumerate(clients.items()):
    own=f'client-id: {json.dumps(f["client-id"])}, client-secret: {json.dumps(f["client-secret"])}'
    if i==0:
        common=", ".join(f"{k}: {json.dumps(first[k])}" for k in shared)+", scope: custom_mod"
        print(f"  {json.dumps(name)}: &s {{{common}, {own}}}")
    else: print(f"  {json.dumps(name)}: {{<<: *s, {own}}}")
PY
env ${ENVV:-} $bin serve --config $work/serve.yaml --listen 127.0.0.1:$port --log-file $work/serve.log > $work/serve.out 2>&1 & sp=$!; pids+=($sp)
t0=$(date +%s)
while true; do
  f=$(curl -sf localhost:$port/metrics | awk 'index($0,"tokentop_token_fetches_total{")==1 && /outcome="success"/ {s+=$NF} END{printf "%d", s}' || echo 0)
  [ "${f:-0}" -ge $n ] && break; sleep 1
  [ $(( $(date +%s) - t0 )) -gt 900 ] && { echo timeout; break; }
done
sleep 5
echo "N=$n ${ENVV:-} all tokens after $(( $(date +%s) - t0 )) s; RSS $(awk '/^VmRSS/{printf "%.1f",$2/1024}' /proc/$sp/status) MiB"
curl -sf -o /dev/null localhost:$port/api/v1/clients; sleep 1
echo "after one /api/v1/clients: RSS $(awk '/^VmRSS/{printf "%.1f",$2/1024}' /proc/$sp/status) MiB"
sleep 64
sleep 1
echo "65 s later (HeapTrimmer): RSS $(awk '/^VmRSS/{printf "%.1f",$2/1024}' /proc/$sp/status) MiB"
