"""The peer a Django organizer would use: Django's mail API.

Sends one message per subscriber (the same HTML and text body, a personal
To and List-Unsubscribe header) through EmailMultiAlternatives over one
SMTP connection, as send_mass_mail does, and prints the rate. With --build
it only builds the messages (message().as_bytes(), what the backend sends)
and sends nothing.

    python django_peer.py --port 2525 --subscribers s.csv --html h.html \
        --text t.txt --subject "..." [--build]

Prints one line: `django: N messages in S s = R messages/s (send|build)`.
"""

import argparse
import base64
import csv
import hashlib
import hmac
import time

import django
from django.conf import settings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--subscribers", required=True)
    ap.add_argument("--html", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--subject", required=True)
    ap.add_argument("--secret", default="bench-secret")
    ap.add_argument("--build", action="store_true", help="build only, send nothing")
    args = ap.parse_args()

    settings.configure(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=args.port,
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=60,
        DEFAULT_CHARSET="utf-8",
    )
    django.setup()
    from django.core.mail import EmailMultiAlternatives, get_connection

    with open(args.html, encoding="utf-8") as f:
        html = f.read()
    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    secret = args.secret.encode()
    sender = "DjangoCon US Program Committee <program@djangocon.us>"

    connection = None if args.build else get_connection()
    if connection is not None:
        connection.open()
    count = 0
    size = 0
    started = time.perf_counter()
    with open(args.subscribers, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = row["email"].lower()
            token = base64.urlsafe_b64encode(
                hmac.new(secret, key.encode(), hashlib.sha256).digest()
            ).rstrip(b"=").decode()
            msg = EmailMultiAlternatives(
                subject=args.subject,
                body=text,
                from_email=sender,
                to=[f'"{row["name"]}" <{row["email"]}>'],
                reply_to=["program@djangocon.us"],
                headers={
                    "List-Id": "DjangoCon US 2024 CFP Weekly <djangocon-us-2024-cfp-weekly.djangocon.us>",
                    "List-Unsubscribe": f"<https://2024.djangocon.us/newsletter/unsubscribe?token={token}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
                connection=connection,
            )
            msg.attach_alternative(html, "text/html")
            if args.build:
                size += len(msg.message().as_bytes(linesep="\r\n"))
            else:
                # One message per call over the open connection (what
                # send_mass_mail does with a list), so memory stays flat.
                if connection.send_messages([msg]) != 1:
                    raise SystemExit(f"django did not send to {row['email']}")
            count += 1
    elapsed = time.perf_counter() - started
    if connection is not None:
        connection.close()
    mode = "build" if args.build else "send"
    extra = f", {size // count} bytes each" if args.build and count else ""
    print(
        f"django {django.get_version()}: {count} messages in {elapsed:.3f} s = "
        f"{count / elapsed:.0f} messages/s ({mode}{extra})"
    )


if __name__ == "__main__":
    main()
