#!/usr/bin/env bash
# Bounded load run of `newsletter serve` on loopback with wrk: one-click
# unsubscribe POSTs with valid tokens (every one must be recorded) and GETs
# of the archive index. Release build; figures for BENCHMARKS.md.
#
#   bench/serve-load.sh                 # 20,000 subscribers, 10 s per run
#   N=50000 SECONDS_PER_RUN=20 CONNECTIONS=64 bench/serve-load.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-20000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-32}
need wrk wrk
build_release

DIR=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
make_project "$DIR" "$N"
del_key "$DIR/config.toml" unsubscribe url
printf '\n[serve]\nmax_connections = 1024\n' >>"$DIR/config.toml"
(cd "$DIR" && "$BIN" send --now "$NOW" >/dev/null 2>&1)
(cd "$DIR" && "$BIN" feed --now "$NOW" >/dev/null 2>&1)
# The token paths, from the List-Unsubscribe headers of the sent issue.
grep -rh '^List-Unsubscribe: <' "$DIR/outbox" |
  sed -E 's|^List-Unsubscribe: <https?://[^/]+([^>]+)>.*|\1|' >"$DIR/paths.txt"
TOKENS=$(wc -l <"$DIR/paths.txt")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$DIR" && exec "$BIN" serve --listen "127.0.0.1:$PORT" --now "$NOW" 2>"$DIR/serve.log") &
SERVER_PID=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$PORT/newsletter/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

cat >"$DIR/oneclick.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  nthreads = tonumber(os.getenv("THREADS"))
end
function request()
  local index = (counter * nthreads + id) % #paths + 1
  counter = counter + 1
  return wrk.format("POST", paths[index],
    { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "List-Unsubscribe=One-Click")
end
LUA

echo "== one-click unsubscribes: $TOKENS valid tokens, $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
PATHS="$DIR/paths.txt" THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
  -s "$DIR/oneclick.lua" "http://127.0.0.1:$PORT" | tee "$DIR/oneclick.txt"
if grep -E 'Non-2xx|Socket errors' "$DIR/oneclick.txt"; then
  echo "FAILED: errors or non-200 answers" >&2
  exit 1
fi
REQUESTS=$(awk '/requests in/ {print $1}' "$DIR/oneclick.txt")
SUPPRESSED=$(cd "$DIR" && "$BIN" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["suppressed"])')
EXPECTED=$((REQUESTS < TOKENS ? REQUESTS : TOKENS))
echo "requests $REQUESTS; distinct tokens requested $EXPECTED; suppressed in the state $SUPPRESSED"
if [ "$SUPPRESSED" -lt "$EXPECTED" ]; then
  echo "FAILED: unsubscribes were lost" >&2
  exit 1
fi

echo "== archive GETs (index.html), $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT/newsletter/" |
  tee "$DIR/archive.txt"
if grep -E 'Non-2xx|Socket errors' "$DIR/archive.txt"; then
  echo "FAILED: errors or non-200 answers" >&2
  exit 1
fi

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
echo "server stopped with exit 0"
