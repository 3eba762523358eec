#!/usr/bin/env bash
# Produces bounces with a REAL Postfix and writes them into
# tests/fixtures/bounces/postfix-*.eml, which `cargo test` reads.
#
# It runs a private Postfix instance (its own config, queue and data
# folders in a temporary directory; /etc/postfix is not touched) that never
# relays anything outside this machine:
#   - no SMTP listener at all (smtpd is removed from master.cf) and
#     inet_interfaces = loopback-only;
#   - default_transport and relay_transport = error, so mail for any domain
#     not listed below bounces at once;
#   - the one smtp route goes to a closed port on 127.0.0.1 (a deferral,
#     which gives a "delayed" notice).
# Mail is submitted with Postfix's sendmail, as a newsletter send would
# hand it to a relay, with the Message-IDs the test project's deliveries
# carry (issue 3, From program@djangocon.us); the bounces go back to
# bounces@postfix.test, an alias that delivers into a Maildir.
#
# Usage: bench/postfix-bounces.sh   (as root; installs postfix with apt if missing)
#        KEEP=1 bench/postfix-bounces.sh   keeps the instance's folder (and its maillog)
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "run this as root: a Postfix instance needs root to start" >&2
  exit 1
fi

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/tests/fixtures/bounces"
mkdir -p "$out"

if ! command -v postfix >/dev/null || [ ! -x /usr/lib/postfix/sbin/master ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi

work=$(mktemp -d /tmp/newsletter-postfix.XXXXXX)
conf="$work/etc"
stop() {
  postfix -c "$conf" stop >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap stop EXIT; trap 'echo "failed at line $LINENO" >&2' ERR

chmod 755 "$work"
mkdir -p "$conf" "$work/spool" "$work/lib" "$work/mail"
cp /etc/postfix/master.cf "$conf/master.cf"
# No listener: remove every inet service (smtpd, submission, ...).
sed -i -E '/^[^#[:space:]]+[[:space:]]+inet[[:space:]]/d' "$conf/master.cf"
touch "$conf/main.cf"
cp /etc/postfix/dynamicmaps.cf "$conf/" 2>/dev/null || true
cp -r /etc/postfix/dynamicmaps.cf.d "$conf/" 2>/dev/null || true
chown nobody "$work/mail"
chown postfix "$work/lib"

pc() { postconf -c "$conf" -e "$@"; }
pc "config_directory = $conf" \
   "queue_directory = $work/spool" \
   "data_directory = $work/lib" \
   "inet_interfaces = loopback-only" \
   "inet_protocols = ipv4" \
   "myhostname = mail.postfix.test" \
   "mydomain = postfix.test" \
   "myorigin = postfix.test" \
   "mydestination = postfix.test, mail.postfix.test, localhost" \
   "mynetworks = 127.0.0.0/8" \
   "relayhost =" \
   "default_transport = error:mail to other domains is disabled in this test" \
   "relay_transport = error:relaying is disabled in this test" \
   "transport_maps = texthash:$conf/transport" \
   "alias_maps = texthash:$conf/aliases" \
   "alias_database =" \
   "maillog_file_prefixes = $work" \
   "maillog_file = $work/maillog" \
   "compatibility_level = 3.6" \
   "delay_warning_time = 1s" \
   "queue_run_delay = 1s" \
   "minimal_backoff_time = 1s" \
   "maximal_backoff_time = 2s" \
   "smtp_connect_timeout = 2s" \
   "biff = no"
printf 'slow.postfix.test smtp:[127.0.0.1]:9\n' >"$conf/transport"
printf 'bounces %s/mail/Maildir/\n' "$work" >"$conf/aliases"
# The service that logs to maillog_file.
grep -q '^postlog' "$conf/master.cf" ||
  printf 'postlog   unix-dgram n  -       n       -       1       postlogd\n' >>"$conf/master.cf"

# The first check creates the queue folders (and complains while doing so).
postfix -c "$conf" check 2>/dev/null || postfix -c "$conf" check
postfix -c "$conf" start

# The Message-ID newsletter gives issue 3 to this (normalized) address.
mid() {
  printf '<issue3.%s@djangocon.us>' "$(printf '3\n%s' "$1" | sha256sum | cut -c1-24)"
}

# send RECIPIENT [sendmail options...]
send() {
  local to=$1
  shift
  sendmail -C "$conf" -f bounces@postfix.test "$@" "$to" <<EOF
From: DjangoCon US Program Committee <program@djangocon.us>
To: $to
Subject: DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django
Date: Wed, 20 Mar 2024 13:00:00 +0000
Message-ID: $(mid "$to")
List-Id: DjangoCon US 2024 CFP Weekly <djangocon-us-2024-cfp-weekly.djangocon.us>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

One topic idea a week to inspire your DjangoCon US 2024 talk proposal.
EOF
}

send gone@postfix.test                   # unknown local user: hard, whole message back
send left@postfix.test -R hdrs           # unknown local user: hard, headers only
send far@remote.postfix.test -R hdrs     # the error transport: hard
send later@slow.postfix.test -R hdrs     # deferred: a "delayed" notice (soft)

maildir="$work/mail/Maildir"
want=4
for _ in $(seq 1 60); do
  n=$(find "$maildir/new" "$maildir/cur" -type f 2>/dev/null | wc -l || true)
  [ "$n" -ge "$want" ] && break
  postqueue -c "$conf" -f >/dev/null 2>&1 || true
  sleep 1
done
n=$(find "$maildir/new" "$maildir/cur" -type f 2>/dev/null | wc -l || true)
if [ "$n" -lt "$want" ]; then
  echo "only $n of $want bounces arrived; the log:" >&2
  cat "$work/maillog" >&2 || true
  exit 1
fi

for f in "$maildir"/new/* "$maildir"/cur/*; do
  [ -f "$f" ] || continue
  case "$(cat "$f")" in
    *"Action: delayed"*) name=postfix-delayed ;;
    *"left@postfix.test"*) name=postfix-headers-only ;;
    *"far@remote.postfix.test"*) name=postfix-remote-error ;;
    *"gone@postfix.test"*) name=postfix-unknown-user ;;
    *) name=postfix-other ;;
  esac
  cp "$f" "$out/$name.eml"
  echo "wrote tests/fixtures/bounces/$name.eml"
done
postsuper -c "$conf" -d ALL >/dev/null 2>&1 || true
