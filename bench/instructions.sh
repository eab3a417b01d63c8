#!/usr/bin/env bash
# Instructions per token request, counted by valgrind's callgrind: a noise-free A/B figure on a
# shared machine, where wall-clock rates move with whatever else runs. See bench/README.md.
#
#   bench/instructions.sh [CLIENTS] [SECRETS]
#
# Starts `portcullis serve` (release build, ES256 access tokens unless BENCH_ALG says otherwise) on a
# fresh SQLite database, creates a client-credentials client through the management API, fills the
# tenant to CLIENTS clients and that client to SECRETS secrets with bench-fill (0 0: no fill), then
# restarts the server under callgrind with instrumentation off, warms it up, counts BENCH_REQUESTS token
# requests (sequential, one keep-alive connection) and prints instructions per request, with the
# functions that cost most (callgrind_annotate, inclusive) in $WORK/annotate.txt.
# Counts user-space instructions of every thread; kernel time (thread hand-offs, syscalls) is not in
# them — compare that with interleaved wall-clock runs.
set -euo pipefail
CLIENTS="${1:-0}"
SECRETS="${2:-0}"
BENCH_ALG="${BENCH_ALG:-ES256}"
BENCH_REQUESTS="${BENCH_REQUESTS:-2000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${BENCH_BIN:-$TARGET_DIR/release/portcullis}"
FILL="${BENCH_FILL:-$TARGET_DIR/release/examples/bench-fill}"
MEMBER_ROLE_TYPE="7ad2b9ef-5386-4ead-ac9f-ad99c5c5b977"
WORK="${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/portcullis-callgrind.XXXXXX")}"
mkdir -p "$WORK"
PID=""
cleanup() { [[ -z "$PID" ]] || { kill -INT "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }; }
trap cleanup EXIT
log() { printf '[instructions] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
command -v valgrind >/dev/null || die "valgrind is required (apt-get install valgrind)"
[[ -x "$BIN" && -x "$FILL" ]] || die "build first: cargo build --release --bin portcullis --example bench-fill"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
start() {   # start [WRAPPER...]: the server in $WORK, on $PORT
    (cd "$WORK" && RUST_LOG=warn PORTCULLIS_LOG=text exec "$@" "$BIN" serve --bind "127.0.0.1:$PORT" \
        --database-url "sqlite://$WORK/portcullis.db" --keys-dir "$WORK/keys" \
        --access-token-alg "$BENCH_ALG" ${BENCH_WORKERS:+--workers "$BENCH_WORKERS"}) \
        >>"$WORK/server.out" 2>>"$WORK/server.err" &
    PID=$!
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null --max-time 1 "$URL/healthz" && return 0
        kill -0 "$PID" 2>/dev/null || die "server exited: $(tail -n 5 "$WORK/server.err")"
        sleep 0.1
    done
    die "server not healthy"
}
stop() { kill -INT "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }

if [[ ! -s "$WORK/bench-auth" ]]; then
    start
    CREDS="$WORK/data/initial-credentials.json"
    for _ in $(seq 1 50); do [[ -s "$CREDS" ]] && break; sleep 0.1; done
    TID="$(jq -r .TenantId "$CREDS")"
    ADMIN="$(curl -sS --fail-with-body -H "Authorization: $(basic "$(jq -r .AdminClientId "$CREDS")" \
        "$(jq -r .AdminClientSecret "$CREDS")")" -d grant_type=client_credentials \
        "$URL/identity/connect/token" | jq -r .access_token)"
    ROLE="$(curl -sS --fail-with-body -H "Authorization: Bearer $ADMIN" \
        "$URL/api/v1/Tenants/$TID/Roles?roleTypeId=$MEMBER_ROLE_TYPE" \
        | jq -r 'if type == "array" then .[0].Id else .Id end')"
    curl -sS --fail-with-body -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
        -d "$(jq -cn --arg r "$ROLE" '{Name: "bench", RoleIds: [$r]}')" \
        "$URL/api/v1/Tenants/$TID/ClientCredentialClients" >"$WORK/client.json"
    stop
    if (( CLIENTS > 0 || SECRETS > 0 )); then
        "$FILL" --database-url "sqlite://$WORK/portcullis.db" --tenant "$TID" --role "$ROLE" \
            --clients "$CLIENTS" --secrets-for "$(jq -r .Client.Id "$WORK/client.json")" \
            --secrets "$SECRETS" >&2
    fi
    basic "$(jq -r .Client.Id "$WORK/client.json")" "$(jq -r .Secret "$WORK/client.json")" >"$WORK/bench-auth"
fi

OUT="$WORK/callgrind.out"
rm -f "$OUT"*
start valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" --dump-instr=no
send() {   # send N: N sequential token requests on one keep-alive connection; all must be 200
    python3 - "$PORT" "$(cat "$WORK/bench-auth")" "$1" <<'PY'
import http.client, sys
port, auth, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
h = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}
for _ in range(n):
    c.request("POST", "/identity/connect/token", body="grant_type=client_credentials", headers=h)
    r = c.getresponse(); r.read()
    if r.status != 200: sys.exit(f"status {r.status}")
PY
}
send 200                                # warm-up: statement caches, page caches, allocator arenas
callgrind_control -i on "$PID" >/dev/null
send "$BENCH_REQUESTS"
callgrind_control -i off "$PID" >/dev/null
stop
total="$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1 + 0; exit}' || true)"
{ callgrind_annotate --inclusive=yes "$OUT" 2>/dev/null || true; } | head -n 80 >"$WORK/annotate.txt" || true
echo "clients=$CLIENTS secrets=$SECRETS alg=$BENCH_ALG requests=$BENCH_REQUESTS: $(( total / BENCH_REQUESTS )) instructions/request (annotate: $WORK/annotate.txt)"
