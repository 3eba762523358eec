#!/usr/bin/env bash
# DKIM signatures as a real verifier sees them (dkimpy, the Python DKIM
# library behind many milters; not part of `cargo test`): builds a project
# from the shipped files with [dkim] and each test key (RSA 2048 and
# Ed25519), sends an issue to the outbox, and verifies every .eml with
# dkimpy, the public key taken from the TXT record `newsletter check`
# prints (handed to dkimpy through its dnsfunc: no DNS). Then alters one
# signed header (Subject, List-Unsubscribe) or the body of a message: each
# must fail. Exits non-zero on any unexpected result.
#
#   bench/check-dkim.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import dkim, nacl' 2>/dev/null; then
  echo "installing dkimpy and PyNaCl (for Ed25519) from PyPI" >&2
  python3 -m pip install --quiet dkimpy pynacl
fi
cargo build --quiet
BIN=$PWD/target/debug/newsletter
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
for key in rsa2048.pem ed25519.pem; do
  P="$DIR/${key%.pem}"
  mkdir -p "$P/content"
  cp config.toml "$P/"
  cp content/topics.md content/tips.md "$P/content/"
  cp -r content/notes "$P/content/"
  cp "tests/fixtures/dkim/$key" "$P/dkim.pem"
  # The shipped list, plus names that lettre encodes and folds.
  cp content/subscribers.csv "$P/content/"
  printf 'José Ñandú Müller-Lüdenscheidt von und zu Großbritannien-Überlingen,jose@example.com,Köln\n"Hopper, Grace ""Amazing"" (Navy)",grace@example.net,Arlington\n' >>"$P/content/subscribers.csv"
  sed -i 's/^# \[dkim\]/[dkim]/; s/^# domain = /domain = /; s/^# selector = /selector = /; s/^# private_key = /private_key = /' "$P/config.toml"
  (cd "$P" && NEWSLETTER_UNSUBSCRIBE_SECRET=k "$BIN" check --now 2024-04-02 >check.out)
  grep -q '_domainkey' "$P/check.out"
  (cd "$P" && NEWSLETTER_UNSUBSCRIBE_SECRET=k "$BIN" send --quiet --now 2024-04-02)
  python3 - "$P/check.out" "$P"/outbox/*.eml <<'PY'
import re, sys, dkim
check, *emls = sys.argv[1:]
text = open(check).read()
name, value = re.search(r"\(name (\S+), value (v=DKIM1[^)]*)\)", text).groups()
def dnsfunc(qname, timeout=5):
    qname = qname.decode() if isinstance(qname, bytes) else qname
    assert qname.rstrip(".") == name, (qname, name)
    return value.encode()
assert emls, "no messages in the outbox"
for path in emls:
    msg = open(path, "rb").read()
    assert dkim.verify(msg, dnsfunc=dnsfunc), f"{path}: does not verify"
    for old, new in [(b"Subject: ", b"Subject: Re: "), (b"List-Unsubscribe: <", b"List-Unsubscribe: <x"), (b"Content-Type: text/plain", b"Content-Type: text/html")]:
        assert old in msg, (path, old)
        bad = msg.replace(old, new, 1)
        assert not dkim.verify(bad, dnsfunc=dnsfunc), f"{path}: still verifies after altering {old!r}"
print(f"{len(emls)} signed messages verify with dkimpy ({value.split(';')[1].strip()}); each fails after a signed header or the body is altered")
PY
done
