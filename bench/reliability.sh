#!/usr/bin/env bash
# The whole reliability harness in one command (see bench/RELIABILITY.md):
# the fast part (also in `cargo test`, so in CI): the fault matrix, SIGTERM,
# silent and unreachable servers, two sends at once, the security tests,
# the SMTP end-to-end tests and the bad-input corpus; then the long part,
# 20 trials of SIGKILL and resume (bench/kill-resume.sh).
#
#   bench/reliability.sh
#   TRIALS=3 MESSAGES=1000 bench/reliability.sh     # a shorter long part
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== fast part (cargo test)"
cargo test --locked --quiet --test integration -- faults:: concurrent:: \
    security:: smtp:: send:: invalid::
echo "== long part (bench/kill-resume.sh)"
bench/kill-resume.sh
