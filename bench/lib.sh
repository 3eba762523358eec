# Shared helpers for the bench/ scripts (sourced, not run).
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BIN=path/to/newsletter NO_BUILD=1 runs a binary built elsewhere (say the
# commit before a change, for alternating before/after runs).
BIN=${BIN:-$ROOT/target/release/newsletter}
NOW=${NOW:-2024-03-20}
export NEWSLETTER_UNSUBSCRIBE_SECRET=${NEWSLETTER_UNSUBSCRIBE_SECRET:-bench-secret}

# Builds the release binary.
build_release() {
  [ -n "${NO_BUILD:-}" ] && return
  (cd "$ROOT" && cargo build --release --quiet)
}

# Installs Debian packages (as root) when a command is missing.
need() { # need COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
    echo "installing Debian's $2 (for $1)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
  fi
}

# Writes N generated subscribers (name,email,city) to FILE.
gen_subscribers() { # gen_subscribers FILE N
  awk -v n="$2" 'BEGIN {
    print "name,email,city"
    for (i = 1; i <= n; i++) printf "Reader %d,reader%d@example.com,City %d\n", i, i, i % 97
  }' >"$1"
}

# Copies the shipped config.toml, content/topics.md, content/tips.md,
# content/notes/ and templates/ into DIR
# with N generated subscribers. State, outbox and feed stay inside DIR
# (the config's relative paths resolve against its folder).
make_project() { # make_project DIR N
  mkdir -p "$1/content"
  cp "$ROOT/config.toml" "$1/"
  cp "$ROOT/content/topics.md" "$ROOT/content/tips.md" "$1/content/"
  cp -r "$ROOT/content/notes" "$1/content/"
  cp -r "$ROOT/templates" "$1/"
  gen_subscribers "$1/content/subscribers.csv" "$2"
}

# Sets `key = value` (the first line starting with `key =` after the line
# `[section]`) in a TOML file; value is written as given (quote strings).
set_key() { # set_key FILE SECTION KEY VALUE
  awk -v sec="[$2]" -v key="$3" -v val="$4" '
    /^\[/ { in_sec = ($0 == sec) }
    in_sec && !done && $0 ~ "^#? *" key " *=" { print key " = " val; done = 1; next }
    { print }
    END { if (!done) { print "set_key: " key " not found in " sec > "/dev/stderr"; exit 1 } }
  ' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# Deletes the line `key = ...` in [section].
del_key() { # del_key FILE SECTION KEY
  awk -v sec="[$2]" -v key="$3" '
    /^\[/ { in_sec = ($0 == sec) }
    in_sec && $0 ~ "^" key " *=" { next }
    { print }
  ' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# Median of the numbers on standard input, one per line.
median() {
  sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Seconds since the epoch with nanoseconds.
now_s() { date +%s.%N; }

# a / b with 3 decimals.
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b == 0 ? 0 : a / b) }'; }

# The machine, for the record.
machine() {
  local cpu ram
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  ram=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "machine: $(nproc) cores, $cpu, $ram RAM, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); newsletter $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# A free loopback TCP port.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Makes smtp-sink and smtp-source available: installs Debian's postfix if
# they are missing, and stops the mail daemon if the install started it
# (only the two test programs are wanted).
need_postfix_tools() {
  PATH=$PATH:/usr/sbin
  if ! command -v smtp-sink >/dev/null 2>&1; then
    echo "installing Debian's postfix (for smtp-sink and smtp-source)" >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
    if postfix status >/dev/null 2>&1; then
      postfix stop >/dev/null 2>&1 || true
    fi
  fi
}

# Starts smtp-sink (accepts and discards every message) on a free loopback
# port: sets SINK_PORT and SINK_PID. Stop it with `kill "$SINK_PID"`.
# A temporary folder $TMP (removed on exit, with the sink stopped), an
# smtp-sink, and in $P an SMTP project of COUNT ($1) subscribers pointed
# at it.
sink_project() {
  TMP=$(mktemp -d)
  SINK_PID=
  trap 'if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT
  start_sink
  P=$TMP/project
  smtp_project "$P" "$1" "$SINK_PORT"
}

start_sink() {
  SINK_PORT=$(free_port)
  local user_opt=()
  # smtp-sink must drop root privileges when started as root.
  [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
  smtp-sink "${user_opt[@]}" -h sink.test "127.0.0.1:$SINK_PORT" 1024 &
  SINK_PID=$!
  local i
  for i in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "smtp-sink did not start on port $SINK_PORT" >&2
  return 1
}

# A project (see make_project) that sends over SMTP to 127.0.0.1:PORT
# without TLS or authentication.
smtp_project() { # smtp_project DIR N PORT
  make_project "$1" "$2"
  set_key "$1/config.toml" delivery transport '"smtp"'
  set_key "$1/config.toml" smtp host '"127.0.0.1"'
  set_key "$1/config.toml" smtp port "$3"
  set_key "$1/config.toml" smtp security '"none"'
  del_key "$1/config.toml" smtp username
}

# Runs `newsletter send` in DIR at the given concurrency from a fresh state
# (so every run sends to everybody), checks that it sent COUNT messages, and
# prints the wall time in seconds.
newsletter_send() { # newsletter_send DIR CONCURRENCY COUNT
  rm -rf "$1/state"
  set_key "$1/config.toml" delivery concurrency "$2"
  local t0 t1
  t0=$(now_s)
  (cd "$1" && "$BIN" --now "$NOW" send >"$1/send.out" 2>"$1/send.err") ||
    { echo "newsletter send failed:" >&2; cat "$1/send.out" "$1/send.err" >&2; return 1; }
  t1=$(now_s)
  grep -q "sent $3, failed 0, pending 0" "$1/send.out" ||
    { echo "newsletter did not send $3 messages:" >&2; cat "$1/send.out" >&2; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
