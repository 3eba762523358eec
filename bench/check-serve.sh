#!/usr/bin/env bash
# Real-browser check of `newsletter serve` (not part of `cargo test`):
# headless Chromium subscribes on the form, confirms from the link in the
# confirmation email (read from the outbox), receives the next `send`, and
# unsubscribes from the link in that email, with screenshots at 375px and
# 1280px of every page and axe-core on each. Exits non-zero on a failed
# step or any serious or critical violation.
#
#   bench/check-serve.sh
#
# Output (screenshots) goes to target/serve-check/. Installs Debian's
# chromium if missing, and axe-core and playwright-core with npm into a
# temporary folder (Node.js 20 or later needed).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(pwd)/target/serve-check
mkdir -p "$OUT"
rm -f "$OUT"/*.png

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js 20 or later (apt-get install -y nodejs npm)" >&2
  exit 1
fi

cargo build --quiet
BIN=$(pwd)/target/debug/newsletter
SITE=$(mktemp -d)
NODE_DIR=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$SITE" "$NODE_DIR"
}
trap cleanup EXIT

# The shipped project, with [serve] and the default unsubscribe link.
cp -r config.toml content "$SITE/"
sed -i '/^url = "https:\/\/2024.djangocon.us\/newsletter\/unsubscribe?token={token}"$/d' "$SITE/config.toml"
printf '\n[serve]\n' >> "$SITE/config.toml"
export NEWSLETTER_UNSUBSCRIBE_SECRET=check-serve-secret
export NEWSLETTER_NOW=2024-03-20
(cd "$SITE" && "$BIN" send >/dev/null 2>&1)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$SITE" && exec "$BIN" serve --listen "127.0.0.1:$PORT" 2>"$OUT/serve.log") &
SERVER_PID=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$PORT/newsletter/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

(cd "$NODE_DIR" && npm init -y >/dev/null 2>&1 &&
  npm install --silent --no-audit --no-fund axe-core@4 playwright-core@1 >/dev/null 2>&1)
cp bench/check-serve.mjs "$NODE_DIR/"
echo "axe-core $(node -p "require('$NODE_DIR/node_modules/axe-core/package.json').version"), $(chromium --version 2>/dev/null)"
node "$NODE_DIR/check-serve.mjs" "$NODE_DIR/node_modules/axe-core/axe.min.js" "$OUT" \
  "http://127.0.0.1:$PORT/newsletter" "$SITE" "$BIN"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
echo "server stopped cleanly; its log: $OUT/serve.log"
if grep -E '/(confirm|unsubscribe)/[A-Za-z0-9_-]{20,}' "$OUT/serve.log"; then
  echo "FAILED: a token reached the log" >&2
  exit 1
fi
echo "screenshots: $OUT/*.png"
