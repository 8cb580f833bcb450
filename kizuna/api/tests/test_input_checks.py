"""Input that no field can hold gets a clear 4xx naming the field, and changes nothing.

Every text field may be sent a NUL, a lone surrogate, control characters, 100,000 characters
or only invisible characters; every id may be written in other scripts' digits or be far
beyond 64 bits; a checkpoint may be at the very end of the calendar. None of it may reach
the database or a date conversion and fail there (a 500).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core import mail

from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import (
    Attachment,
    Contact,
    EmailDomain,
    Message,
    Organization,
    Ticket,
    TicketEvent,
)

HUGE = 99999999999999999999999  # far beyond a 64-bit integer
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c\u200d",  # zero-width non-joiner and joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u202e\u2066\u2069",  # bidi override and isolates
    " \u3000\u00a0",  # spaces, ideographic and no-break
    "\u3164\u115f",  # Hangul fillers
    "\u00ad\u034f\ufe0f",  # soft hyphen, grapheme joiner, variation selector
]


class InputChecksTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()
        self.ref = self.ticket.reference

    def state(self):
        return (
            list(Ticket.objects.order_by("id").values_list("id", "subject", "status", "assignee")),
            Message.objects.count(),
            TicketEvent.objects.count(),
            Attachment.objects.count(),
            list(Contact.objects.order_by("id").values()),
            Organization.objects.count(),
            EmailDomain.objects.count(),
        )

    def assert_refused(self, method, url, data=None, *, status=422, field=None, says=""):
        before = self.state()
        outbox = len(mail.outbox)
        with self.captureOnCommitCallbacks(execute=True):
            r = getattr(self, method)(url, data)
        self.assertEqual(r.status_code, status, r.content)
        self.assertTrue(r["Content-Type"].startswith("application/json"), r["Content-Type"])
        body = r.json()
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        self.assertIn(says, body["detail"])
        self.assertEqual(self.state(), before)
        self.assertEqual(len(mail.outbox), outbox)
        return body

    def ticket_payload(self, **overrides):
        return {
            "requester": self.customer.email,
            "subject": "VPN に接続できない",
            "body": "本日朝から VPN に接続できません。",
            **overrides,
        }

    # --- Ids -------------------------------------------------------------------------------

    def test_ids_in_other_scripts_digits_name_nobody(self):
        for requester in ["①", "³", "１２", "٣"]:
            with self.subTest(requester=requester):
                self.assert_refused(
                    "post",
                    "/api/v1/tickets",
                    self.ticket_payload(requester=requester),
                    status=400,
                    field="requester",
                    says="No contact",
                )
        for assignee in ["③", "³", "２"]:
            with self.subTest(assignee=assignee):
                self.assert_refused(
                    "post",
                    f"/api/v1/tickets/{self.ref}/assignment",
                    {"assignee": assignee},
                    status=400,
                    field="assignee",
                    says="No agent",
                )

    def test_huge_ids_in_bodies_and_filters_are_refused(self):
        self.assert_refused(
            "post",
            "/api/v1/tickets",
            self.ticket_payload(requester=HUGE),
            status=400,
            field="requester",
            says="No contact",
        )
        self.assert_refused(
            "post",
            "/api/v1/tickets",
            self.ticket_payload(team=HUGE),
            field="team",
            says="whole numbers from 1 to 9223372036854775807",
        )
        self.assert_refused(
            "post",
            "/api/v1/contacts",
            {"organization": HUGE, "name": "X", "email": "x@yamada.example.jp"},
            field="organization",
        )
        self.assert_refused("get", f"/api/v1/tickets?assignee={HUGE}", status=400, field="assignee")
        for url in [
            f"/api/v1/tickets?organization={HUGE}",
            f"/api/v1/contacts?organization={HUGE}",
            "/api/v1/tickets?organization=%EF%BC%91",
        ]:
            with self.subTest(url=url):
                self.assert_refused("get", url, field="organization")

    def test_a_boolean_is_not_an_id(self):
        self.assert_refused(
            "post", "/api/v1/tickets", self.ticket_payload(team=True), field="team", says="id"
        )

    def test_huge_or_foreign_ids_in_paths_are_not_found(self):
        for url in [
            "/api/v1/tickets/%C2%B3",
            f"/api/v1/tickets/{HUGE}",
            f"/api/v1/tickets/KZ-{HUGE}",
            f"/api/v1/tickets/{HUGE}/messages",
            f"/api/v1/contacts/{HUGE}",
            f"/api/v1/organizations/{HUGE}",
            f"/api/v1/attachments/{HUGE}",
        ]:
            with self.subTest(url=url):
                self.assert_refused("get", url, status=404)

    # --- Text ------------------------------------------------------------------------------

    def test_a_nul_anywhere_is_refused_naming_the_field(self):
        cases = [
            ("/api/v1/tickets", self.ticket_payload(subject="VPN\x00"), "subject"),
            ("/api/v1/tickets", self.ticket_payload(body="本日\x00朝から"), "body"),
            (f"/api/v1/tickets/{self.ref}/replies", {"body": "確認します\x00"}, "body"),
            (f"/api/v1/tickets/{self.ref}/notes", {"body": "\x00"}, "body"),
            (
                f"/api/v1/tickets/{self.ref}/transitions",
                {
                    "to_status": "investigating",
                    "customer_note": "調査中\x00",
                    "checkpoint": "2099-01-05T15:00:00+09:00",
                },
                "customer_note",
            ),
            ("/api/v1/organizations", {"name": "Contoso\x00"}, "name"),
            (
                "/api/v1/contacts",
                {"organization": self.org.id, "name": "X", "email": "x@y.example\x00"},
                "email",
            ),
            ("/api/v1/replycheck", {"text": "ご確認ください\x00"}, "text"),
        ]
        for url, data, field in cases:
            with self.subTest(field=field, url=url):
                self.assert_refused("post", url, data, field=field, says="NUL")
        self.assert_refused(
            "patch",
            f"/api/v1/contacts/{self.customer.id}",
            {"role": "総務\x00"},
            field="role",
            says="NUL",
        )
        self.assert_refused("get", "/api/v1/tickets?q=%00", field="q", says="NUL")
        self.assert_refused("get", "/api/v1/contacts?q=a%00", field="q", says="NUL")

    def test_a_lone_surrogate_is_refused_naming_the_field(self):
        # JSON may escape half of a surrogate pair on its own; no database can store it.
        for data, field in [
            (self.ticket_payload(subject="\ud800"), "subject"),
            (self.ticket_payload(body="本日\udfff"), "body"),
        ]:
            with self.subTest(field=field):
                self.assert_refused("post", "/api/v1/tickets", data, field=field, says="surrogate")
        self.assert_refused(
            "patch",
            f"/api/v1/contacts/{self.customer.id}",
            {"name": "山田\ud83d"},
            field="name",
            says="surrogate",
        )

    def test_control_characters_are_refused_and_line_breaks_in_single_lines(self):
        self.assert_refused(
            "post",
            "/api/v1/tickets",
            self.ticket_payload(body="ベル\x07"),
            field="body",
            says="U+0007",
        )
        self.assert_refused(
            "post",
            "/api/v1/organizations",
            {"name": "Contoso\r\nX-Injected: yes"},
            field="name",
            says="line break",
        )
        # Line breaks and tabs are ordinary text in a message.
        r = self.post(f"/api/v1/tickets/{self.ref}/notes", {"body": "一行目\r\n\t二行目"})
        self.assertEqual(r.status_code, 201, r.content)

    def test_a_hundred_thousand_characters_get_a_clear_answer(self):
        long = "あ" * 100_000
        for url, data, field in [
            ("/api/v1/tickets", self.ticket_payload(subject=long), "subject"),
            ("/api/v1/organizations", {"name": long}, "name"),
            (
                "/api/v1/contacts",
                {"organization": self.org.id, "name": long, "email": "x@yamada.example.jp"},
                "name",
            ),
            (
                "/api/v1/contacts",
                {
                    "organization": self.org.id,
                    "name": "X",
                    "email": "x@yamada.example.jp",
                    "timezone": long,
                },  # fmt: skip
                "timezone",
            ),
        ]:
            with self.subTest(url=url, field=field):
                self.assert_refused("post", url, data, field=field, says="At most")
        self.assert_refused(
            "get", "/api/v1/tickets", {"q": long}, field="q", says="At most 1000 characters"
        )
        # A long message is a message: it is kept whole.
        r = self.post(f"/api/v1/tickets/{self.ref}/notes", {"body": long})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(len(Message.objects.get(pk=r.json()["id"]).body), 100_000)

    def test_a_subject_of_only_invisible_characters_is_refused(self):
        for subject in INVISIBLE:
            with self.subTest(subject=ascii(subject)):
                self.assert_refused(
                    "post",
                    "/api/v1/tickets",
                    self.ticket_payload(subject=subject),
                    field="subject",
                    says="invisible",
                )

    def test_a_body_of_only_invisible_characters_is_empty(self):
        self.assert_refused(
            "post",
            "/api/v1/tickets",
            self.ticket_payload(body="\u200b\u2060"),
            status=400,
            field="body",
            says="empty",
        )
        self.assert_refused(
            "post",
            f"/api/v1/tickets/{self.ref}/replies",
            {"body": "\ufeff"},
            status=400,
            field="body",
            says="empty",
        )

    # --- Fields that are not there ---------------------------------------------------------

    def test_unknown_and_read_only_fields_are_refused_by_name(self):
        self.assert_refused(
            "patch",
            f"/api/v1/contacts/{self.customer.id}",
            {"role": "CTO", "email": "someone@else.example"},
            field="email",
            says="email: Not a field of this request",
        )
        self.assert_refused(
            "patch",
            f"/api/v1/contacts/{self.customer.id}",
            {"id": 42},
            field="id",
            says="cannot be set",
        )
        self.assert_refused(
            "post",
            "/api/v1/tickets",
            self.ticket_payload(status="resolved"),
            field="status",
            says="Not a field",
        )
        self.assert_refused(
            "post",
            f"/api/v1/tickets/{self.ref}/assignment",
            {"asignee": "alice"},
            field="asignee",
        )
        self.assert_refused(
            "post",
            f"/api/v1/tickets/{self.ref}/replies",
            {
                "body": "添付します。",
                "attachments": [{"filename": "a.txt", "data": "YQ==", "size": 1}],
            },  # fmt: skip
            field="attachments.0.size",
        )

    # --- Dates -----------------------------------------------------------------------------

    def test_checkpoints_at_the_ends_of_the_calendar_are_refused(self):
        for checkpoint in [
            "9999-12-31T23:59:59+09:00",
            "9999-12-31T23:59:59-09:00",
            "0001-01-01T00:00:00+09:00",
            "0001-01-01T00:00:00Z",
            "3000-01-01T00:00:00Z",
        ]:
            with self.subTest(checkpoint=checkpoint):
                self.assert_refused(
                    "post",
                    f"/api/v1/tickets/{self.ref}/transitions",
                    {
                        "to_status": "investigating",
                        "customer_note": "ログを確認しています。",
                        "checkpoint": checkpoint,
                    },
                    field="checkpoint",
                    says="out of range",
                )
                self.assert_refused(
                    "post",
                    f"/api/v1/tickets/{self.ref}/replies",
                    {"body": "確認しています。", "checkpoint": checkpoint},
                    field="checkpoint",
                    says="out of range",
                )

    def test_a_stored_checkpoint_at_the_end_of_the_calendar_still_reads(self):
        # Stored before checkpoints were bounded: in the agent's Tokyo time it would pass 9999.
        Ticket.objects.filter(pk=self.ticket.pk).update(
            next_checkpoint=datetime(9999, 12, 31, 23, tzinfo=UTC)
        )
        for url in [f"/api/v1/tickets/{self.ref}", "/api/v1/tickets"]:
            with self.subTest(url=url):
                r = self.get(url)
                self.assertEqual(r.status_code, 200, r.content)
                self.assertIn("9999-12-31T23:00:00+00:00", r.content.decode())
