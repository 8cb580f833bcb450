from __future__ import annotations

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kizuna.mail.models import InboundMail
from kizuna.test import PASSWORD, BaseTestCase
from kizuna.tickets import demo_data
from kizuna.tickets.demo_scripts import SCRIPTS
from kizuna.tickets.models import (
    Contact,
    EventKind,
    Message,
    MessageKind,
    Organization,
    Status,
    Ticket,
    TicketEvent,
)


class DemoSeedTestCase(BaseTestCase):
    def seed(self):
        with self.captureOnCommitCallbacks(execute=True):
            return demo_data.demo_seed()

    def demo_tickets(self):
        return Ticket.objects.filter(
            organization__name__in=[o["name"] for o in demo_data.ORGANIZATIONS]
        )

    def test_it_creates_tickets_in_every_status(self):
        result = self.seed()
        self.assertTrue(result.created)
        statuses = set(self.demo_tickets().values_list("status", flat=True))
        self.assertEqual(statuses, set(Status.values))
        # The scripted tickets, and two opened by demo mail that has just arrived.
        self.assertEqual(self.demo_tickets().count(), len(SCRIPTS) + 2)

    def test_demo_mail_shows_every_way_mail_can_go(self):
        self.seed()
        states = dict(InboundMail.objects.values_list("source", "state"))
        self.assertEqual(
            states,
            {
                "demo:html-request.eml": "created",
                "demo:iso-2022-jp-request.eml": "created",
                "demo:unknown-sender.eml": "held",
                "demo:auto-reply.eml": "ignored",
            },
        )
        legacy = InboundMail.objects.get(source="demo:iso-2022-jp-request.eml").ticket
        self.assertEqual((legacy.channel, legacy.status), ("email", "new"))
        self.assertEqual(legacy.subject, "①番の複合機から㈱本社へスキャンが届きません")
        request = legacy.messages.get(kind=MessageKind.INBOUND)
        self.assertIn("\\\\fs01\\scan", request.body)
        html = Message.objects.get(email_message_id="<demo.vpn.1@harbourline.example.com>")
        self.assertIn("<b>drops every 20 minutes</b>", html.body_html)

    def test_running_it_twice_duplicates_nothing(self):
        self.seed()
        counts = (
            Ticket.objects.count(),
            Message.objects.count(),
            Contact.objects.count(),
            TicketEvent.objects.count(),
        )
        again = self.seed()
        self.assertFalse(again.created)
        self.assertEqual(
            counts,
            (
                Ticket.objects.count(),
                Message.objects.count(),
                Contact.objects.count(),
                TicketEvent.objects.count(),
            ),
        )

    def test_it_keeps_existing_agents_and_their_passwords(self):
        # The personas "sato" and "alice" already exist here: the demo joins them to its teams.
        self.seed()
        self.agent.refresh_from_db()
        self.assertTrue(self.agent.check_password(PASSWORD))
        self.assertTrue(self.agent.teams.filter(name="Hosting").exists())

    def test_new_demo_agents_sign_in_with_the_printed_password(self):
        self.seed()
        response = self.client.post(
            reverse("desk:login"), {"username": "tanaka", "password": demo_data.DEMO_PASSWORD}
        )
        self.assertRedirects(response, reverse("desk:queue"), fetch_redirect_response=False)

    def test_every_open_ticket_has_a_checkpoint_and_some_are_overdue(self):
        self.seed()
        open_tickets = self.demo_tickets().exclude(status=Status.CLOSED)
        self.assertFalse(open_tickets.filter(next_checkpoint__isnull=True).exists())
        now = timezone.now()
        overdue = [t for t in open_tickets if t.is_overdue(now)]
        self.assertGreaterEqual(len(overdue), 2)
        self.assertGreater(open_tickets.filter(next_checkpoint__gt=now).count(), len(overdue))

    def test_every_status_change_carried_a_note_and_a_checkpoint(self):
        self.seed()
        changes = TicketEvent.objects.filter(ticket__in=self.demo_tickets(), kind=EventKind.STATUS)
        for event in changes.exclude(to_status=Status.CLOSED):
            self.assertTrue(event.customer_note.strip(), event.id)
            self.assertGreater(event.checkpoint, event.created_at)
            self.assertNotIn("{due}", event.customer_note)

    def test_the_customer_reads_the_promised_time_in_their_own_zone(self):
        self.seed()
        emma_notes = Message.objects.filter(
            ticket__requester__email="emma.clarke@harbourline.example.com",
            kind=MessageKind.OUTBOUND,
            author_user__isnull=False,
        )
        self.assertTrue(any(("GMT" in m.body or "BST" in m.body) for m in emma_notes))
        suzuki_notes = Message.objects.filter(
            ticket__requester__email="suzuki@marutaka-seiko.example.jp",
            kind=MessageKind.OUTBOUND,
            author_user__isnull=False,
        )
        self.assertTrue(any("(JST)" in m.body for m in suzuki_notes))

    def test_internal_notes_never_reach_the_customer(self):
        self.seed()
        notes = Message.objects.filter(ticket__in=self.demo_tickets(), kind=MessageKind.NOTE)
        self.assertGreater(notes.count(), 10)
        self.assertFalse(notes.filter(author_user__isnull=True).exists())
        self.assertFalse(notes.exclude(mailed_at=None).exists())
        inbound = Message.objects.filter(ticket__in=self.demo_tickets(), kind=MessageKind.INBOUND)
        self.assertFalse(inbound.filter(author_contact__isnull=True).exists())

    def test_it_sends_no_mail(self):
        mail.outbox.clear()
        self.seed()
        self.assertEqual(mail.outbox, [])
        outbound = Message.objects.filter(ticket__in=self.demo_tickets(), kind=MessageKind.OUTBOUND)
        self.assertFalse(outbound.filter(mailed_at=None).exists())

    def test_the_history_lies_in_the_past_in_order(self):
        self.seed()
        now = timezone.now()
        for ticket in self.demo_tickets():
            times = list(ticket.events.order_by("id").values_list("created_at", flat=True))
            self.assertEqual(times, sorted(times), ticket.subject)
            self.assertLess(times[-1], now)

    def test_it_has_organizations_in_both_languages_and_contacts_of_both_levels(self):
        self.seed()
        contacts = Contact.objects.filter(
            organization__name__in=[o["name"] for o in demo_data.ORGANIZATIONS]
        )
        pairs = set(contacts.values_list("language", "technical_level"))
        self.assertEqual(
            pairs, {("ja", "general"), ("ja", "technical"), ("en", "general"), ("en", "technical")}
        )
        self.assertEqual(
            Organization.objects.filter(
                domains__domain__in=[o["domain"] for o in demo_data.ORGANIZATIONS]
            ).count(),
            3,
        )

    def test_the_scripts_run_forward_in_time(self):
        for script in SCRIPTS:
            times = [script.at] + [step.at for step in script.steps]
            self.assertEqual(times, sorted(times), script.subject)
            self.assertLess(times[-1], 0, script.subject)
            for step in script.steps:
                if step.kind == "status" and step.to != Status.CLOSED:
                    self.assertGreater(step.due, step.at, script.subject)
                    self.assertIn("{due}", step.text, script.subject)
