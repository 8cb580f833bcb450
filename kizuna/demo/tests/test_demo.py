from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import timezone

from kizuna.core.management.commands.demo import (
    demo_allowed_hosts,
    host_header,
    is_loopback,
)
from kizuna.demo import data as demo_data
from kizuna.demo.models import DemoDatabase
from kizuna.demo.scripts import SCRIPTS
from kizuna.mail.models import InboundMail
from kizuna.test import Personas
from kizuna.testbed import free_port
from kizuna.tickets import services
from kizuna.tickets.models import (
    Contact,
    EventKind,
    Message,
    MessageKind,
    Organization,
    Status,
    Team,
    Ticket,
    TicketEvent,
)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in [*demo_data._data_models(), DemoDatabase]
    }


def sign_in(client, username, password) -> bool:
    response = client.post(reverse("desk:login"), {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == reverse("desk:queue")


class DemoSeedTestCase(TestCase):
    def seed(self, **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return demo_data.demo_seed(**kwargs)

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

    def test_new_demo_agents_sign_in_with_the_printed_password(self):
        result = self.seed()
        self.assertEqual(result.passwords, {})
        self.assertEqual(set(result.fixed), {a[0] for a in demo_data.AGENTS})
        response = self.client.post(
            reverse("desk:login"), {"username": "tanaka", "password": demo_data.DEMO_PASSWORD}
        )
        self.assertRedirects(response, reverse("desk:queue"), fetch_redirect_response=False)

    # --- only an empty database, or the demo's own ----------------------------------------

    def test_a_database_holding_other_data_is_refused_and_left_alone(self):
        people = Personas()
        people.make_personas()  # an installation in use: agents, organizations, contacts
        people.make_ticket()
        before = row_counts()
        with self.assertRaises(demo_data.DemoRefused) as refused:
            self.seed()
        self.assertIn("did not create", str(refused.exception))
        self.assertIn("users", str(refused.exception))
        self.assertEqual(row_counts(), before)
        self.assertFalse(Organization.objects.filter(name=demo_data.ORGANIZATIONS[0]["name"]))
        self.assertFalse(get_user_model().objects.filter(username="kimura").exists())

    def test_any_single_foreign_row_is_enough_to_refuse(self):
        makers = {
            "a user": lambda: get_user_model().objects.create_user("admin", password="x" * 12),
            "an organization": lambda: Organization.objects.create(name="Acme"),
            "a team": lambda: Team.objects.create(name="Hosting"),
        }
        for what, make in makers.items():
            with self.subTest(what):
                with self.assertRaises(demo_data.DemoRefused), transaction.atomic():
                    make()
                    self.seed()
                self.assertEqual(DemoDatabase.objects.count(), 0)
                self.assertEqual(Ticket.objects.count(), 0)

    def test_the_command_refuses_before_migrating_and_writes_nothing(self):
        get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
        Organization.objects.create(name=demo_data.ORGANIZATIONS[0]["name"])
        before = row_counts()
        with self.assertRaises(CommandError) as refused:
            call_command("demo", "--port", str(free_port()))
        self.assertIn("nothing was changed", str(refused.exception))
        self.assertEqual(row_counts(), before)

    def test_the_demo_marks_its_database_and_a_rerun_after_use_still_works(self):
        self.seed()
        self.assertEqual(DemoDatabase.objects.count(), 1)
        self.assertEqual(demo_data.check_database().kind, "demo")
        # What someone trying the demo does: a new agent, a new organization, a new ticket.
        get_user_model().objects.create_user("trial", password="x" * 12)
        Organization.objects.create(name="Trial Org")
        services.ticket_open(
            requester=Contact.objects.get(email=demo_data.CONTACTS[0][2]),
            subject="試しの問い合わせ",
            body="試しています。",
        )
        before = row_counts()
        again = self.seed()
        self.assertFalse(again.created)
        self.assertEqual(row_counts(), before)

    def test_demo_data_loaded_before_the_mark_is_recognised(self):
        self.seed()
        DemoDatabase.objects.all().delete()
        self.assertEqual(demo_data.check_database().kind, "earlier-demo")
        self.assertFalse(self.seed().created)
        self.assertEqual(DemoDatabase.objects.count(), 1)
        DemoDatabase.objects.all().delete()
        Organization.objects.create(name="A real customer")
        self.assertEqual(demo_data.check_database().kind, "foreign")

    def test_an_empty_database_is_fine(self):
        self.assertEqual(demo_data.check_database(), demo_data.DatabaseCheck("empty"))

    # --- passwords when the demo is reachable from the network -------------------------------

    def test_off_loopback_every_agent_gets_a_generated_password(self):
        result = self.seed(generate_passwords=True)
        usernames = [a[0] for a in demo_data.AGENTS]
        self.assertEqual(sorted(result.passwords), sorted(usernames))
        passwords = list(result.passwords.values())
        self.assertEqual(len(set(passwords)), len(passwords))
        self.assertEqual(result.fixed, [])
        for username, password in result.passwords.items():
            self.assertNotEqual(password, demo_data.DEMO_PASSWORD)
            self.assertGreaterEqual(len(password), 20)
            user = get_user_model().objects.get(username=username)
            self.assertNotIn(password, user.password)  # only the hash is stored
            self.assertFalse(user.check_password(demo_data.DEMO_PASSWORD))
            self.assertTrue(sign_in(self.client_class(), username, password), username)
        self.assertFalse(sign_in(self.client_class(), "kimura", demo_data.DEMO_PASSWORD))

    def test_opening_a_loopback_demo_to_the_network_replaces_the_known_password(self):
        self.seed()
        sato = get_user_model().objects.get(username="sato")
        sato.set_password("chosen by sato 2026")
        sato.save()
        result = self.seed(generate_passwords=True)
        self.assertFalse(result.created)
        # sato chose a password of their own: kept; the others still had the known one.
        self.assertEqual(sorted(result.passwords), ["alice", "kimura", "tanaka"])
        self.assertTrue(sign_in(self.client_class(), "sato", "chosen by sato 2026"))
        self.assertTrue(sign_in(self.client_class(), "kimura", result.passwords["kimura"]))
        # A later run shows no password again: none is known any more.
        self.assertEqual(self.seed(generate_passwords=True).passwords, {})
        self.assertEqual(self.seed().fixed, [])

    def test_generated_passwords_differ_every_time(self):
        made = {demo_data.generate_password() for _ in range(200)}
        self.assertEqual(len(made), 200)
        self.assertTrue(all(len(p) == 23 for p in made))

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


class DemoHostsTests(SimpleTestCase):
    def test_loopback_addresses_and_names(self):
        for host in ("127.0.0.1", "127.0.1.1", "::1", "localhost", "[::1]"):
            self.assertTrue(is_loopback(host), host)
        for host in ("0.0.0.0", "::", "", "192.0.2.10", "2001:db8::5"):
            self.assertFalse(is_loopback(host), host)

    def test_allowed_hosts_never_allow_every_host(self):
        for host in ("0.0.0.0", "::", "192.0.2.10", "2001:db8::5", "demo.example.lan"):
            allowed = demo_allowed_hosts(host)
            self.assertNotIn("*", allowed, host)
            self.assertFalse(any(h.startswith(".") for h in allowed), host)
            self.assertIn("127.0.0.1", allowed)
        self.assertEqual(demo_allowed_hosts("192.0.2.10")[0], "192.0.2.10")
        self.assertEqual(demo_allowed_hosts("2001:db8::5")[0], "[2001:db8::5]")
        self.assertEqual(demo_allowed_hosts("demo.example.lan")[0], "demo.example.lan")
        self.assertEqual(host_header("::1"), "[::1]")
