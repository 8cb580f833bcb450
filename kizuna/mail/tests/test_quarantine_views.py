"""The desk's mail pages: administrators see quarantined and held mail and decide about it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.mail import services
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_mail
from kizuna.test import PASSWORD, BaseTestCase
from kizuna.tickets.models import Contact, MessageKind, Ticket
from kizuna.tickets.workflow import TicketError

NO_SENDER = b"To: support@kizuna.example\r\nSubject: =?UTF-8?B?5pWF6Zqc?=\r\nMessage-ID: <nofrom@x.example>\r\n\r\nhelp\r\n"


class QuarantineViewTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.admin = get_user_model().objects.create_user(
            "admin", "admin@kizuna.example", PASSWORD, is_staff=True
        )
        self.client.force_login(self.admin)

    def hold_unknown(self) -> InboundMail:
        ingest_raw(
            make_mail(sender="new@unknown.example", name="新井 一郎", subject="見積もり依頼"),
            source="test",
        )
        return InboundMail.objects.get(from_address="new@unknown.example")

    def test_agents_who_are_not_administrators_get_nothing(self):
        row = self.hold_unknown()
        self.client.force_login(self.agent)
        for url in (
            reverse("mail:inbound_list"),
            reverse("mail:inbound_detail", args=[row.pk]),
            reverse("mail:inbound_raw", args=[row.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(
            self.client.post(reverse("mail:inbound_ignore", args=[row.pk])).status_code, 404
        )
        self.assertEqual(InboundMail.objects.get(pk=row.pk).state, "held")

    def test_it_requires_sign_in(self):
        self.client.logout()
        response = self.client.get(reverse("mail:inbound_list"))
        self.assertEqual(response.status_code, 302)

    def test_the_list_shows_quarantined_and_held_mail_with_reason_and_sender(self):
        self.hold_unknown()
        ingest_raw(NO_SENDER, source="test")
        ingest_raw(make_mail(subject="普通の依頼"), source="test")
        response = self.client.get(reverse("mail:inbound_list"))
        self.assertContains(response, "new@unknown.example")
        self.assertContains(response, "見積もり依頼")
        self.assertContains(response, "故障")
        self.assertContains(response, "no usable sender address")
        self.assertNotContains(response, "普通の依頼")
        only_held = self.client.get(reverse("mail:inbound_list") + "?state=held")
        self.assertNotContains(only_held, "故障")

    def test_each_administrator_reads_the_reason_in_their_own_language(self):
        # Held while an English-speaking process ran the pipeline…
        row = self.hold_unknown()
        url = reverse("mail:inbound_detail", args=[row.pk])
        ja = self.client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        self.assertContains(
            ja, "不明な差出人：new@unknown.example のメールドメインを持つ組織がありません"
        )
        en = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(en, "unknown sender: no organization has the mail domain of")
        # …and an agent's decision is shown the same way, with who took it.
        self.client.post(reverse("mail:inbound_ignore", args=[row.pk]))
        ja = self.client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        self.assertContains(ja, "admin が無視しました")

    def test_the_page_is_bilingual(self):
        self.hold_unknown()
        response = self.client.get(reverse("mail:inbound_list"), HTTP_ACCEPT_LANGUAGE="ja")
        self.assertContains(response, "判断が必要なメール")

    def test_the_detail_shows_text_and_headers_and_the_raw_message_downloads(self):
        row = self.hold_unknown()
        response = self.client.get(reverse("mail:inbound_detail", args=[row.pk]))
        self.assertContains(response, "社内の全員がメールを送信できません")
        self.assertContains(response, "Message-ID")
        raw = self.client.get(reverse("mail:inbound_raw", args=[row.pk]))
        self.assertEqual(raw["Content-Type"], "message/rfc822")
        self.assertIn("attachment", raw["Content-Disposition"])
        self.assertEqual(b"".join(raw), bytes(row.raw))

    def test_placing_an_unknown_sender_creates_the_contact_and_the_ticket(self):
        row = self.hold_unknown()
        response = self.client.post(
            reverse("mail:inbound_place", args=[row.pk]),
            {"organization": self.other_org.pk, "name": "新井 一郎", "language": "ja"},
        )
        self.assertRedirects(response, reverse("mail:inbound_detail", args=[row.pk]))
        contact = Contact.objects.get(email="new@unknown.example")
        self.assertEqual((contact.organization, contact.name), (self.other_org, "新井 一郎"))
        ticket = Ticket.objects.get(requester=contact)
        self.assertEqual(ticket.subject, "見積もり依頼")
        row.refresh_from_db()
        self.assertEqual((row.state, row.ticket), ("created", ticket))
        self.assertIn("admin", row.reason)

    def test_placing_a_message_another_administrator_just_ignored_changes_nothing(self):
        row = self.hold_unknown()  # as this administrator's page loaded it
        services.inbound_ignore(inbound=InboundMail.objects.get(pk=row.pk), actor_user=self.agent)
        with self.assertRaises(TicketError):
            services.inbound_place(
                inbound=row, organization=self.other_org, actor_user=self.admin, name="新井 一郎"
            )
        # No contact was left behind by the half-made decision.
        self.assertFalse(Contact.objects.filter(email="new@unknown.example").exists())
        self.assertEqual(InboundMail.objects.get(pk=row.pk).state, "ignored")
        self.assertFalse(Ticket.objects.exists())

    def test_placing_without_an_organization_changes_nothing(self):
        row = self.hold_unknown()
        self.client.post(reverse("mail:inbound_place", args=[row.pk]), {"organization": ""})
        self.assertEqual(InboundMail.objects.get(pk=row.pk).state, "held")
        self.assertFalse(Contact.objects.filter(email="new@unknown.example").exists())

    def test_accepting_a_held_reply_adds_it_to_its_ticket(self):
        ingest_raw(make_mail(message_id="<orig@yamada.example.jp>"), source="test")
        ticket = Ticket.objects.get()
        ingest_raw(
            make_mail(
                sender="helper@partner.example",
                body="代理で返信します。",
                in_reply_to="<orig@yamada.example.jp>",
            ),
            source="test",
        )
        row = InboundMail.objects.get(state="held")
        self.assertContains(
            self.client.get(reverse("mail:inbound_detail", args=[row.pk])), ticket.reference
        )
        self.client.post(reverse("mail:inbound_accept", args=[row.pk]))
        row.refresh_from_db()
        self.assertEqual((row.state, row.ticket), ("appended", ticket))
        helper = Contact.objects.get(email="helper@partner.example")
        self.assertEqual(helper.organization, self.org)
        self.assertTrue(
            ticket.messages.filter(kind=MessageKind.INBOUND, author_contact=helper).exists()
        )

    def test_retry_runs_the_pipeline_again_once_the_cause_is_fixed(self):
        self.customer.is_active = False
        self.customer.save()
        ingest_raw(make_mail(), source="test")
        row = InboundMail.objects.get()
        self.assertEqual(row.state, "quarantined")
        self.customer.is_active = True
        self.customer.save()
        self.client.post(reverse("mail:inbound_retry", args=[row.pk]))
        row.refresh_from_db()
        self.assertEqual(row.state, "created")
        self.assertEqual(Ticket.objects.count(), 1)

    def test_ignoring_sets_it_aside_and_a_second_decision_is_refused(self):
        row = self.hold_unknown()
        self.client.post(reverse("mail:inbound_ignore", args=[row.pk]))
        row.refresh_from_db()
        self.assertEqual(row.state, "ignored")
        self.assertIn("admin", row.reason)
        response = self.client.post(reverse("mail:inbound_retry", args=[row.pk]), follow=True)
        self.assertContains(response, "no longer waiting")
        self.assertEqual(InboundMail.objects.get(pk=row.pk).state, "ignored")

    def test_actions_need_post(self):
        row = self.hold_unknown()
        self.assertEqual(
            self.client.get(reverse("mail:inbound_ignore", args=[row.pk])).status_code, 405
        )

    def test_the_desk_folds_quoted_text_in_a_customers_message(self):
        self.client.force_login(self.agent)
        body = "承知しました。\n\n2026年4月1日 9:00 サポート <support@kizuna.example>:\n> 以前の本文です。\n"
        ingest_raw(make_mail(body=body), source="test")
        ticket = Ticket.objects.get()
        response = self.client.get(reverse("desk:ticket", args=[ticket.pk]))
        self.assertContains(response, '<details class="quoted">')
        self.assertContains(response, "以前の本文です。")


class OriginalMailLinkTests(BaseTestCase):
    def test_administrators_open_the_mail_as_received_from_the_ticket_page(self):
        result = ingest_raw(make_mail(subject="VPNに接続できない"), source="imap:support;uid=7")
        ticket = Ticket.objects.get(pk=int(result.ticket[3:]))
        row = InboundMail.objects.get()
        admin = get_user_model().objects.create_user(
            "admin", "admin@kizuna.example", PASSWORD, is_staff=True
        )
        self.client.force_login(admin)
        page = self.client.get(reverse("desk:ticket", args=[ticket.pk]))
        self.assertContains(page, reverse("mail:inbound_detail", args=[row.pk]))
        self.assertEqual(
            self.client.get(reverse("mail:inbound_raw", args=[row.pk])).status_code, 200
        )
        # Agents without the administrator's right see the conversation, not the link.
        self.client.force_login(self.agent)
        page = self.client.get(reverse("desk:ticket", args=[ticket.pk]))
        self.assertContains(page, "VPNに接続できない")
        self.assertNotContains(page, reverse("mail:inbound_detail", args=[row.pk]))
