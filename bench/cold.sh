#!/usr/bin/env bash
# Cold commands: `plan`, `check` and `feed` on the shipped files (a copy of
# config.toml, content/ and templates/ in a temporary folder, so `feed`
# writes its files there), each a fresh process, timed with hyperfine.
#
#   bench/cold.sh
#   RUNS=100 bench/cold.sh
#
# Target (issue #5): each under 50 ms wall time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-50}

need hyperfine hyperfine
build_release
machine
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/p"
cp -r "$ROOT/config.toml" "$ROOT/content" "$ROOT/templates" "$TMP/p/"
cd "$TMP/p"

printf '%-8s %6s %10s %10s %10s %8s  %s\n' command exit "mean ms" "median ms" "max ms" target note
for cmd in plan check feed; do
  set +e
  "$BIN" --now "$NOW" "$cmd" >"$TMP/out" 2>&1
  code=$?
  set -e
  note=""
  [ "$code" = 0 ] || note="exits $code: $(head -c 100 "$TMP/out" | head -1)"
  hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$TMP/$cmd.json" \
    "$BIN --now $NOW $cmd" >/dev/null 2>&1
  read -r mean median max < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(" ".join("%.1f" % (r[k] * 1000) for k in ("mean", "median", "max")))' "$TMP/$cmd.json")
  met=$(awk -v m="$median" 'BEGIN { print (m < 50 ? "met" : "MISSED") }')
  [ "$code" = 0 ] || met="n/a"
  printf '%-8s %6s %10s %10s %10s %8s  %s\n' "$cmd" "$code" "$mean" "$median" "$max" "$met" "$note"
done
echo "($RUNS runs each after 3 warm-up runs; hyperfine -N, no shell)"
