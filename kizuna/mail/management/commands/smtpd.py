"""`kizuna smtpd --host H --port P [--lmtp]`: receive mail by SMTP or LMTP (docs/email.md,
"IMAP and SMTP/LMTP")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kizuna.lib.durability import sync_every_commit
from kizuna.mail.smtpd import accepted_recipients, serve


class Command(BaseCommand):
    help = (
        "Receive mail for the helpdesk's addresses by SMTP (or LMTP); a message is "
        "acknowledged only once it is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=2525, help="port (default 2525)")
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args, host: str, port: int, lmtp: bool, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a TCP port (1-65535).")
        # 250 promises the sender that the message is safe, even across a power cut.
        sync_every_commit()
        recipients = sorted(accepted_recipients())
        if not recipients:
            self.stderr.write(
                "No recipient is accepted yet: give a mailbox an address, "
                "or set KIZUNA_SMTPD_RECIPIENTS."
            )
        protocol = "LMTP" if lmtp else "SMTP"

        def ready(bound_port: int) -> None:
            self.stdout.write(
                f"Kizuna {protocol} listener on {host}:{bound_port}, accepting "
                f"{', '.join(recipients) or 'nothing yet'}; messages up to "
                f"{settings.KIZUNA_SMTPD_MAX_BYTES} bytes. Stop with Ctrl+C."
            )
            self.stdout.flush()

        try:
            serve(host=host, port=port, lmtp=lmtp, ready=ready)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
