"""The `kizuna` console script: every Django management command, plus Kizuna's own."""

from __future__ import annotations

import os
import sys

# Kizuna's own commands, as in the README's table (a test keeps the two the same). Printed
# first by `kizuna` with no arguments, before Django's list of every command.
COMMANDS = (
    (
        "kizuna demo [--host H] [--port P]",
        "demo database under ./var/ (or $KIZUNA_HOME), demo data, web + worker",
    ),
    ("kizuna serve [--host H] [--port P]", "production web server (gunicorn)"),
    ("kizuna worker", "background worker (mail); run as many as you like against PostgreSQL"),
    ("kizuna ingest [--json] PATH...", "reads .eml files, mbox files and Maildir folders"),
    ("kizuna pollmail [--once] [--mailbox NAME]", "reads the IMAP mailboxes"),
    (
        "kizuna smtpd [--host H] [--port P] [--lmtp]",
        "receives mail by SMTP or LMTP from your mail server",
    ),
    ("kizuna export --out FILE", "every ticket, message and attachment as JSON lines"),
    ("kizuna backup --out FILE", "the database and every attachment in one archive, while running"),
    ("kizuna restore FILE [--force]", "a backup into an empty installation (or replacing all)"),
    ("kizuna apitoken USERNAME", "creates an API token for an agent and prints it once"),
    ("kizuna replycheck [FILE|-]", "checks a draft against the communication standard"),
    ("kizuna promises [FILE|-]", "lists the commitments with a time in a draft"),
    ("kizuna mood [FILE|-]", "reads the mood of a customer's message"),
    (
        "kizuna search [--format text|json] [--limit N] QUERY",
        "full-text search over tickets, messages, contacts and organizations",
    ),
    ("kizuna reindex", "rebuilds the search index"),
    ("kizuna generate_tickets", "bulk demo-like data for benchmarks only"),
)


def command_list() -> str:
    width = max(len(usage) for usage, _ in COMMANDS)
    lines = ["Kizuna's commands:", ""]
    lines += [f"  {usage:<{width}}  {what}" for usage, what in COMMANDS]
    lines += ["", "Every Django management command works too (kizuna help COMMAND):", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        # The demo serves plain HTTP on loopback with a throwaway key; production defaults
        # (HTTPS-only cookies, redirects) would lock the demo user out of their own browser.
        os.environ.setdefault("KIZUNA_DEMO", "1")
    if len(argv) == 1:
        print(command_list())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
