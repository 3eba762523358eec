#!/usr/bin/env bash
# Kill and resume: TRIALS sends of MESSAGES messages to a local SMTP server
# that logs every message it accepts, each killed with SIGKILL after a
# random delay and then resumed with `newsletter send` until it finishes.
# Prints one table row per trial (see bench/RELIABILITY.md) and exits
# non-zero if any trial missed someone, repeated more than one message per
# connection, or left the state disagreeing with the server.
#
#   bench/kill-resume.sh                       # 20 trials x 5,000 messages, concurrency 4
#   TRIALS=3 MESSAGES=1000 CONCURRENCY=8 SEED=7 bench/kill-resume.sh
#
# The trials live in tests/integration/kill_resume.rs (an #[ignore]d test,
# so `cargo test` only compiles it); the server is
# tests/integration/support/smtp.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export KILL_RESUME_TRIALS="${TRIALS:-20}"
export KILL_RESUME_MESSAGES="${MESSAGES:-5000}"
export KILL_RESUME_CONCURRENCY="${CONCURRENCY:-4}"
export KILL_RESUME_SEED="${SEED:-1}"
cargo build --release --locked --quiet --tests
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%d)"
cargo test --release --locked --quiet --test integration -- \
    kill_resume:: --ignored --nocapture --test-threads=1 2>&1 |
    grep --line-buffered -E '^(\||kill-resume:|trial |thread |failed trials)'
