"""A file's content is stored once, however many messages carry it (a logo in every signature,
the same log sent twice): requests opened together and replies alike share the stored file,
and each attachment keeps its own name and reads back its own bytes."""

from __future__ import annotations

from kizuna.search.query import search
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Attachment, Ticket
from kizuna.tickets.services import IncomingFile, NewRequest

LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
LOG = "2026-12-01 10:00 接続がタイムアウトしました\n".encode() * 50


def _file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return IncomingFile(name=name, content_type=content_type, data=data)


class StoredOnceTests(BaseTestCase):
    def _request(self, subject: str, *files: IncomingFile) -> NewRequest:
        return NewRequest(
            requester=self.customer, subject=subject, body="詳細は添付をご覧ください。", files=files
        )

    def test_requests_opened_together_share_each_content_and_keep_their_own_names(self):
        earlier = services.ticket_open(
            requester=self.customer,
            subject="Earlier",
            body="Logo attached.",
            files=[_file("logo.png", LOGO)],
        )
        (stored_logo,) = earlier.messages.get(kind="inbound").attachments.all()

        tickets = services.tickets_open(
            [
                self._request("First", _file("signature.png", LOGO), _file("server.log", LOG)),
                self._request("Second"),
                self._request("Third", _file("server (1).log", LOG), _file("ロゴ.png", LOGO)),
            ]
        )

        names = [
            sorted((a.filename, a.size) for a in t.request_message.attachments.all())
            for t in tickets
        ]
        self.assertEqual(
            names,
            [
                [("server.log", len(LOG)), ("signature.png", len(LOGO))],
                [],
                [("server (1).log", len(LOG)), ("ロゴ.png", len(LOGO))],
            ],
        )
        # The logo stored before is not written again; the log, new, is written once.
        logos = Attachment.objects.filter(sha256=Attachment.digest(LOGO))
        self.assertEqual({a.file.name for a in logos}, {stored_logo.file.name})
        logs = Attachment.objects.filter(sha256=Attachment.digest(LOG))
        self.assertEqual(logs.count(), 2)
        self.assertEqual(len({a.file.name for a in logs}), 1)
        for attachment in Attachment.objects.all():
            with attachment.file.open("rb") as fh:
                expected = LOGO if attachment.filename.endswith(".png") else LOG
                self.assertEqual(fh.read(), expected, attachment.filename)

    def test_a_reply_reuses_a_stored_content_and_its_file_name_is_found_by_search(self):
        ticket = services.ticket_open(
            requester=self.customer, subject="Logs", body="First log.", files=[_file("a.log", LOG)]
        )
        services.ticket_customer_reply(
            ticket=ticket,
            contact=self.customer,
            body="Same log again.",
            files=[_file("nightly-report.log", LOG)],
        )
        files = Attachment.objects.filter(message__ticket=ticket).order_by("id")
        self.assertEqual([a.filename for a in files], ["a.log", "nightly-report.log"])
        self.assertEqual(len({a.file.name for a in files}), 1)
        found = search("nightly-report", tickets=Ticket.objects.all())
        self.assertEqual([hit.ticket.pk for hit in found.hits], [ticket.pk])

    def test_a_request_with_no_files_stores_none(self):
        (ticket,) = services.tickets_open([self._request("Nothing attached")])
        self.assertFalse(Attachment.objects.filter(message__ticket=ticket).exists())
