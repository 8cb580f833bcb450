"""Outbound mail: threading headers, ISO-2022-JP for legacy clients, retries against a real
SMTP server, and the automatic-reply window."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.header import decode_header

from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kizuna.api.tests.base import ApiTestCase
from kizuna.mail import outbound as mail_service
from kizuna.mail.models import Mailbox
from kizuna.mail.tasks import mail_recover, message_deliver
from kizuna.test import BaseTestCase, Personas
from kizuna.testbed import free_port
from kizuna.tickets import services
from kizuna.tickets.models import AutoReplyLog, EventKind, Message, MessageKind


def parsed(email):
    """What a mail client sees: the bytes that went out, read back by Python's parser."""
    return message_from_bytes(email.message().as_bytes(), policy=policy.default)


def cp50221_decode(data: bytes) -> str:
    """ISO-2022-JP as Japanese mail clients read it (vendor characters included): JIS
    pairs back to Shift_JIS, then CP932. Independent of the encoder under test."""
    out, jis = [], False
    i = 0
    while i < len(data):
        if data[i : i + 3] in (b"\x1b$B", b"\x1b$@"):
            jis, i = True, i + 3
        elif data[i : i + 3] in (b"\x1b(B", b"\x1b(J"):
            jis, i = False, i + 3
        elif jis and data[i] not in b"\r\n":
            row, col = data[i] - 0x20, data[i + 1] - 0x20
            lead = (row - 1) // 2 + 0x81
            lead += 0x40 if lead > 0x9F else 0
            trail = col + 0x3F + (col >= 0x40) if row % 2 else col + 0x9E
            out.append(bytes((lead, trail)).decode("cp932"))
            i += 2
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out)


def raw_header(email, name: str) -> str:
    """A header exactly as sent (folded lines joined), before any decoding."""
    raw = email.message().as_bytes(linesep="\n").split(b"\n\n", 1)[0].decode("ascii")
    match = re.search(rf"^{name}: (.*(?:\n[ \t].*)*)", raw, re.MULTILINE)
    return re.sub(r"\n[ \t]", " ", match.group(1)) if match else ""


def decoded_jis_header(email, name: str) -> str:
    return "".join(
        cp50221_decode(part)
        if charset == "iso-2022-jp"
        else (part.decode("ascii") if isinstance(part, bytes) else part)
        for part, charset in decode_header(raw_header(email, name))
    )


class OutboundHeaderTests(BaseTestCase):
    def open(self, **overrides):
        with self.captureOnCommitCallbacks(execute=True):
            return self.make_ticket(**overrides)

    def reply(
        self, ticket, body="ログを確認しました。設定を修正しましたので、送信をお試しください。"
    ):
        with self.captureOnCommitCallbacks(execute=True):
            return services.ticket_reply(
                ticket=ticket, actor_user=self.agent, body=body, override_check=True
            )

    def test_the_acknowledgement_has_its_own_stored_message_id_the_tag_and_auto_submitted(self):
        ticket = self.open()
        [sent] = mail.outbox
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        self.assertRegex(ack.email_message_id, r"^<[^<>@\s]+@kizuna\.example>$")
        msg = parsed(sent)
        self.assertEqual(msg["Message-ID"], ack.email_message_id)
        self.assertEqual(msg["Subject"], f"[{ticket.reference}] メールが送信できない")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(msg["X-Auto-Response-Suppress"], "All")
        self.assertEqual(msg["Reply-To"], "support@kizuna.example")
        self.assertEqual(msg["From"].addresses[0].display_name, "Kizuna Support")
        self.assertEqual(msg["To"].addresses[0].display_name, "山田 太郎")
        self.assertEqual(msg["To"].addresses[0].addr_spec, "taro@yamada.example.jp")
        self.assertIsNotNone(msg["Date"])
        self.assertIsNone(msg["In-Reply-To"])  # the portal request had no mail to answer
        self.assertEqual(msg.get_content(), mail_service.mail_text(ack))
        ack.refresh_from_db()
        self.assertIsNotNone(ack.mailed_at)
        self.assertEqual(ack.mail_attempts, 1)

    def test_a_reply_answers_the_customers_latest_mail_and_references_the_thread(self):
        ticket = self.open()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        customer = services.ticket_customer_reply(
            ticket=ticket, contact=self.customer, body="追加の情報です。エラーは 550 です。"
        )
        # What ingesting the customer's mail records: its own Message-ID.
        Message.objects.filter(id=customer.id).update(email_message_id="<c1@yamada.example.jp>")
        reply = self.reply(ticket)
        first = parsed(mail.outbox[-1])
        reply.refresh_from_db()
        self.assertEqual(first["Message-ID"], reply.email_message_id)
        self.assertEqual(first["In-Reply-To"], "<c1@yamada.example.jp>")
        self.assertEqual(
            first["References"].split(), [ack.email_message_id, "<c1@yamada.example.jp>"]
        )
        # An agent's reply is a person writing: other systems may answer it.
        self.assertIsNone(first["Auto-Submitted"])
        self.assertIsNone(first["X-Auto-Response-Suppress"])
        self.assertEqual(first["Subject"], f"[{ticket.reference}] メールが送信できない")

        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_transition(
                ticket=ticket,
                actor_user=self.agent,
                to_status="investigating",
                customer_note="ログを確認しています。",
                checkpoint=self.later(hours=3),
                override_check=True,
            )
        status = parsed(mail.outbox[-1])
        self.assertEqual(status["In-Reply-To"], reply.email_message_id)
        self.assertEqual(
            status["References"].split(),
            [ack.email_message_id, "<c1@yamada.example.jp>", reply.email_message_id],
        )
        self.assertEqual(status["Subject"], first["Subject"])
        self.assertEqual(len({m.extra_headers["Message-ID"] for m in mail.outbox}), 3)

    def test_internal_notes_are_neither_mailed_nor_referenced(self):
        ticket = self.open()
        services.ticket_note(ticket=ticket, actor_user=self.agent, body="社内メモ: DNS を確認")
        reply = self.reply(ticket)
        self.assertEqual(len(mail.outbox), 2)
        refs = parsed(mail.outbox[-1])["References"].split()
        self.assertEqual(refs, [ticket.messages.filter(automatic=True).get().email_message_id])
        self.assertNotIn("社内メモ", mail.outbox[-1].body)
        reply.refresh_from_db()
        self.assertTrue(reply.email_message_id)

    def test_references_keep_the_first_and_the_latest_ids_of_a_long_thread(self):
        ticket = self.open()
        ids = [f"<c{i}@yamada.example.jp>" for i in range(30)]
        for value in ids:
            m = services.ticket_customer_reply(ticket=ticket, contact=self.customer, body="追記")
            Message.objects.filter(id=m.id).update(email_message_id=value)
        self.reply(ticket)
        refs = parsed(mail.outbox[-1])["References"].split()
        ack_id = ticket.messages.filter(automatic=True).get().email_message_id
        self.assertEqual(len(refs), 20)
        self.assertEqual(refs[0], ack_id)
        self.assertEqual(refs[1:], ids[-19:])

    def test_the_tag_is_not_doubled_when_the_subject_already_has_it(self):
        ticket = self.open()
        subject = f"Re: [{ticket.reference}] メールが送信できない"
        type(ticket).objects.filter(pk=ticket.pk).update(subject=subject)
        self.reply(ticket)
        self.assertEqual(parsed(mail.outbox[-1])["Subject"], subject)

    def test_a_windows_path_in_a_reply_arrives_intact(self):
        ticket = self.open()
        body = "ファイルは C:\\Users\\yamada\\new_folder に保存されています。"
        self.reply(ticket, body=body)
        content = parsed(mail.outbox[-1]).get_content()
        self.assertTrue(content.startswith(body + "\n\n----\n"), content)

    def test_every_mail_ends_saying_where_the_request_stands_and_when_they_hear_next(self):
        ticket = self.open()
        ack = parsed(mail.outbox[-1]).get_content()
        self.assertIn(f"受付番号：{ticket.reference}", ack)
        self.assertIn("現在の状況：受付済み", ack)
        self.assertIn("次回のご連絡は", ack)
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_transition(
                ticket=ticket,
                actor_user=self.agent,
                to_status="waiting_customer",
                customer_note="エラーメッセージの画面を送っていただけますか。",
                checkpoint=timezone.now() + timedelta(days=1),
                override_check=True,
            )
        note = parsed(mail.outbox[-1]).get_content()
        self.assertIn("現在の状況：お客様からのご返信待ち", note)
        services.ticket_transition(
            ticket=ticket, actor_user=self.agent, to_status="closed", close_reason="duplicate"
        )
        # A message written before the close but mailed after it tells the state at sending.
        msg = ticket.messages.filter(kind=MessageKind.OUTBOUND).latest("id")
        text = mail_service.mail_text(msg)
        self.assertIn("現在の状況：完了", text)
        self.assertNotIn("次回のご連絡", text.split("----")[-1])

    def test_an_english_customer_reads_the_block_in_english(self):
        ticket = self.open(requester=self.outsider)
        block = parsed(mail.outbox[-1]).get_content().split("----\n")[-1]
        self.assertIn(f"Request: {ticket.reference}", block)
        self.assertIn("Status: Received", block)
        self.assertIn("Next update: by", block)

    def test_reply_to_is_the_teams_mailbox_address(self):
        Mailbox.objects.create(name="hosting", address="hosting@kizuna.example", team=self.team)
        self.open(team=self.team)
        self.assertEqual(parsed(mail.outbox[-1])["Reply-To"], "hosting@kizuna.example")

    @override_settings(KIZUNA_REPLY_TO="help@kizuna.example", KIZUNA_FROM_NAME="絆サポート")
    def test_reply_to_and_the_senders_name_come_from_the_settings_otherwise(self):
        self.open()
        msg = parsed(mail.outbox[-1])
        self.assertEqual(msg["Reply-To"], "help@kizuna.example")
        self.assertEqual(msg["From"].addresses[0].display_name, "絆サポート")
        self.assertEqual(msg["From"].addresses[0].addr_spec, "support@kizuna.example")

    def test_a_message_is_mailed_only_once_however_often_its_task_runs(self):
        ticket = self.open()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        result = message_deliver.enqueue(ack.id)
        self.assertEqual(result.return_value, "skipped")
        self.assertEqual(len(mail.outbox), 1)


class ISO2022JPTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.customer.mail_charset = "iso-2022-jp"
        self.customer.save(update_fields=["mail_charset"])

    def open(self, subject):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket(subject=subject)
        return ticket, ticket.messages.get(kind=MessageKind.OUTBOUND), mail.outbox[-1]

    def test_a_legacy_client_gets_iso_2022_jp_that_decodes_back_exactly(self):
        ticket, ack, sent = self.open("メールサーバーの設定変更について（至急）")
        raw = sent.message().as_bytes()
        self.assertTrue(raw.isascii(), "ISO-2022-JP mail is 7bit throughout")
        msg = parsed(sent)
        self.assertEqual(msg.get_content_charset(), "iso-2022-jp")
        self.assertEqual(msg["Content-Transfer-Encoding"], "7bit")
        # Plain JIS X 0208 text reads back with nothing but Python's own codecs.
        self.assertEqual(
            msg["Subject"], f"[{ticket.reference}] メールサーバーの設定変更について（至急）"
        )
        self.assertEqual(msg.get_content(), mail_service.mail_text(ack))
        self.assertEqual(msg["To"].addresses[0].display_name, "山田 太郎")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")

    def test_a_long_japanese_paragraph_travels_in_base64_without_breaking_its_line(self):
        ticket, _ack, _sent = self.open("長い段落")
        paragraph = (
            "本日実施したメンテナンスの内容をご報告いたします。" * 30
        )  # about 1,500 JIS bytes
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(
                ticket=ticket, actor_user=self.agent, body=paragraph, override_check=True
            )
        raw = mail.outbox[-1].message().as_bytes()
        self.assertTrue(raw.isascii())
        self.assertLessEqual(max(len(line) for line in raw.split(b"\n")), 998)
        msg = parsed(mail.outbox[-1])
        self.assertEqual(msg["Content-Transfer-Encoding"], "base64")
        self.assertEqual(msg.get_content_charset(), "iso-2022-jp")
        self.assertTrue(msg.get_content().replace("\r\n", "\n").startswith(paragraph + "\n\n----"))

    def test_vendor_characters_survive_as_cp50221(self):
        subject = "①ファイルサーバー停止の件 ㈱山田商事 髙橋"
        ticket, ack, sent = self.open(subject)
        msg = parsed(sent)
        self.assertEqual(msg.get_content_charset(), "iso-2022-jp")
        self.assertEqual(decoded_jis_header(sent, "Subject"), f"[{ticket.reference}] {subject}")
        body = cp50221_decode(msg.get_payload(decode=True))
        self.assertEqual(body.replace("\r\n", "\n"), mail_service.mail_text(ack))
        self.assertIn("①", body)
        self.assertIn("髙橋", body)

    def test_a_long_japanese_subject_is_split_into_complete_encoded_words(self):
        subject = (
            "【障害報告】本日午前九時頃より発生しているメール送受信障害の原因と今後の対応について"
        )
        ticket, _ack, sent = self.open(subject)
        words = re.findall(r"=\?[^?]+\?[bB]\?[^?]*\?=", raw_header(sent, "Subject"))
        self.assertGreater(len(words), 1)
        self.assertTrue(all(len(w) <= 75 for w in words))
        self.assertEqual(parsed(sent)["Subject"], f"[{ticket.reference}] {subject}")

    def test_a_character_jis_cannot_carry_sends_that_one_mail_in_utf_8(self):
        subject = "サーバーが落ちました😱"
        ticket, ack, sent = self.open(subject)
        msg = parsed(sent)
        self.assertEqual(msg.get_content_charset(), "utf-8")
        self.assertEqual(msg["Subject"], f"[{ticket.reference}] {subject}")
        self.assertEqual(msg.get_content(), mail_service.mail_text(ack))


class MailCharsetSettingTests(ApiTestCase):
    def test_an_agent_switches_a_contact_to_iso_2022_jp_through_the_api(self):
        url = f"/api/v1/contacts/{self.customer.id}"
        self.assertEqual(self.get(url).json()["mail_charset"], "utf-8")
        r = self.patch(url, {"mail_charset": "iso-2022-jp"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["mail_charset"], "iso-2022-jp")
        with self.captureOnCommitCallbacks(execute=True):
            self.make_ticket()
        self.assertEqual(parsed(mail.outbox[-1]).get_content_charset(), "iso-2022-jp")

    def test_an_unknown_encoding_is_refused_and_changes_nothing(self):
        r = self.patch(f"/api/v1/contacts/{self.customer.id}", {"mail_charset": "shift_jis"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "mail_charset")
        self.assertIn("utf-8, iso-2022-jp", r.json()["detail"])
        self.customer.refresh_from_db()
        self.assertEqual(self.customer.mail_charset, "utf-8")


class AutoReplyWindowTests(BaseTestCase):
    def open(self, **overrides):
        overrides.setdefault("channel", "email")
        with self.captureOnCommitCallbacks(execute=True):
            return self.make_ticket(**overrides)

    def test_two_requests_opened_in_the_portal_are_both_acknowledged_by_mail(self):
        self.open(channel="portal")
        self.open(channel="portal", subject="もう一件、プリンターが動かない")
        self.assertEqual(len(mail.outbox), 2)
        self.assertFalse(Message.objects.exclude(mail_suppressed="").exists())

    def test_a_second_acknowledgement_to_the_same_address_is_kept_but_not_mailed(self):
        self.open()
        second = self.open(subject="もう一件、プリンターが動かない")
        self.assertEqual(len(mail.outbox), 1)
        ack = second.messages.get(kind=MessageKind.OUTBOUND)
        # The portal still shows it; the record says why it was not mailed.
        self.assertIn(second.reference, ack.body)
        self.assertIsNone(ack.mailed_at)
        self.assertIn("automatic", ack.mail_suppressed)
        self.assertIn("60 minutes", ack.mail_suppressed)
        # Suppressed for good: running its task again does not mail it.
        message_deliver.enqueue(ack.id)
        self.assertEqual(len(mail.outbox), 1)

    def test_agents_see_on_the_ticket_page_that_it_was_not_mailed(self):
        self.open()
        second = self.open(subject="もう一件")
        self.client.force_login(self.teammate)  # an English-speaking agent
        html = self.client.get(reverse("desk:ticket", args=[second.id])).content.decode()
        self.assertIn("Not mailed: this address already received an automatic message", html)
        url = reverse("desk:ticket", args=[second.id])
        html = self.client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        self.assertIn("未送信: このアドレスには少し前に自動送信メールを送ったため", html)

    def test_an_agents_reply_is_never_held_back(self):
        first = self.open()
        self.open(subject="もう一件")
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(
                ticket=first, actor_user=self.agent, body="確認しました。", override_check=True
            )
        self.assertEqual(len(mail.outbox), 2)
        self.assertTrue(mail.outbox[-1].body.startswith("確認しました。\n\n----\n"))

    def test_other_addresses_have_their_own_window(self):
        self.open()
        self.open(requester=self.outsider, subject="Mail is down")
        self.assertEqual(
            [m.to for m in mail.outbox], [[self.customer.email], [self.outsider.email]]
        )

    def test_after_the_window_the_next_automatic_mail_goes_out(self):
        self.open()
        AutoReplyLog.objects.update(last_sent_at=timezone.now() - timedelta(minutes=61))
        self.open(subject="もう一件")
        self.assertEqual(len(mail.outbox), 2)

    @override_settings(KIZUNA_AUTO_REPLY_WINDOW_MINUTES=5)
    def test_the_window_is_configurable(self):
        self.open()
        AutoReplyLog.objects.update(last_sent_at=timezone.now() - timedelta(minutes=6))
        self.open(subject="もう一件")
        self.assertEqual(len(mail.outbox), 2)

    def test_a_reopen_notice_counts_as_automatic_mail(self):
        ticket = self.open()
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_transition(
                ticket=ticket,
                actor_user=self.agent,
                to_status="waiting_customer",
                customer_note="ログの送付をお願いできますか。",
                checkpoint=self.later(days=2),
                override_check=True,
            )
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_customer_reply(ticket=ticket, contact=self.customer, body="送ります")
        notice = ticket.messages.filter(automatic=True).order_by("id").last()
        self.assertIn(ticket.reference, notice.body)
        self.assertTrue(notice.mail_suppressed)
        self.assertEqual(len(mail.outbox), 2)  # the acknowledgement and the agent's question


class FlakySMTP:
    """A real SMTP server on loopback that answers 451 to the first `failures` messages,
    or refuses every recipient with 550."""

    def __init__(self, failures: int = 0, refuse: bool = False):
        self.failures = failures
        self.refuse = refuse
        self.received: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 Temporarily unable to accept mail"
        self.received.append(envelope.content)
        return "250 OK: queued"


class SMTPServerMixin:
    def start_smtp(self, handler: FlakySMTP) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        self.addCleanup(controller.stop)
        return port

    def smtp_settings(self, port: int):
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
        )


class DeliveryFailureTests(SMTPServerMixin, BaseTestCase):
    def test_a_temporary_failure_is_retried_and_the_mail_delivered_once(self):
        server = FlakySMTP(failures=1)
        with (
            self.smtp_settings(self.start_smtp(server)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            ticket = self.make_ticket()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        self.assertEqual(len(server.received), 1)
        sent = message_from_bytes(server.received[0], policy=policy.default)
        self.assertEqual(sent["Message-ID"], ack.email_message_id)
        self.assertEqual(ack.mail_attempts, 2)
        self.assertIsNotNone(ack.mailed_at)
        self.assertEqual(ack.mail_error, "")
        self.assertFalse(ticket.events.filter(kind=EventKind.MAIL_FAILED).exists())

    def test_a_permanent_refusal_is_recorded_for_agents_at_once(self):
        server = FlakySMTP(refuse=True)
        with (
            self.smtp_settings(self.start_smtp(server)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            ticket = self.make_ticket()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        self.assertEqual(ack.mail_attempts, 1)
        self.assertIsNone(ack.mailed_at)
        self.assertIn("550", ack.mail_error)
        event = ticket.events.get(kind=EventKind.MAIL_FAILED)
        self.assertEqual(event.data["message"], ack.id)
        self.assertIn("No such user", event.data["error"])

    @override_settings(KIZUNA_MAIL_RETRIES=2)
    def test_after_the_last_retry_the_failure_is_recorded_not_dropped(self):
        # Nothing listens on this port: every attempt fails to connect.
        with self.smtp_settings(free_port()), self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        self.assertEqual(ack.mail_attempts, 3)
        self.assertIsNone(ack.mailed_at)
        self.assertTrue(ack.mail_error)
        [event] = ticket.events.filter(kind=EventKind.MAIL_FAILED)
        self.assertEqual(event.data["attempts"], 3)
        self.client.force_login(self.teammate)
        html = self.client.get(reverse("desk:ticket", args=[ticket.id])).content.decode()
        self.assertIn("Mail could not be delivered", html)
        self.assertIn("Not mailed yet (3)", html)
        # The Message-ID was given before the first attempt and kept for the next ones.
        self.assertTrue(ack.email_message_id)


@override_settings(TASKS={"default": {"BACKEND": "kizuna.background.backend.DatabaseBackend"}})
class QueuedRetryTests(SMTPServerMixin, Personas, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.make_personas()

    def run_worker(self):
        call_command("worker", "--batch", "--interval", "0", verbosity=0)

    def test_a_retry_waits_in_the_queue_and_then_delivers_exactly_once(self):
        server = FlakySMTP(failures=1)
        with self.smtp_settings(self.start_smtp(server)):
            ticket = self.make_ticket()
            ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
            self.run_worker()
            self.assertEqual(server.received, [])
            ack.refresh_from_db()
            self.assertEqual(ack.mail_attempts, 1)
            self.assertIn("451", ack.mail_error)
            first_id = ack.email_message_id
            waiting = DBTaskResult.objects.get(status="READY")
            delay = waiting.run_after - timezone.now()
            self.assertTrue(timedelta(seconds=50) < delay <= timedelta(minutes=1), delay)

            self.run_worker()  # not due yet: nothing happens
            self.assertEqual(server.received, [])

            DBTaskResult.objects.filter(id=waiting.id).update(run_after=timezone.now())
            self.run_worker()
            self.run_worker()
        self.assertEqual(len(server.received), 1)
        ack.refresh_from_db()
        self.assertEqual(ack.mail_attempts, 2)
        self.assertEqual(ack.email_message_id, first_id)
        sent = message_from_bytes(server.received[0], policy=policy.default)
        self.assertEqual(sent["Message-ID"], first_id)
        self.assertFalse(DBTaskResult.objects.filter(status="READY").exists())


class ConcurrentWorkersTests(Personas, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.make_personas()

    def test_two_workers_mailing_acknowledgements_to_one_address_send_only_one(self):
        # Both acknowledgements are queued; two workers pick them up at the same moment.
        with override_settings(
            TASKS={"default": {"BACKEND": "kizuna.background.backend.DatabaseBackend"}}
        ):
            first = self.make_ticket(channel="email")
            second = self.make_ticket(channel="email", subject="もう一件")
        acks = [t.messages.get(kind=MessageKind.OUTBOUND).id for t in (first, second)]
        barrier = threading.Barrier(2)
        results = {}

        def work(message_id):
            try:
                barrier.wait(timeout=10)
                results[message_id] = mail_service.message_send(message_id=message_id)
            except Exception as exc:
                results[message_id] = repr(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(mid,)) for mid in acks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(sorted(results.values()), ["sent", "suppressed"])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(AutoReplyLog.objects.count(), 1)


class WorkerDiedMidSendTests(BaseTestCase):
    """A worker killed between claiming a message and the server's 250 leaves a claim behind;
    the message must still reach the customer, once."""

    def claimed_ack(self, minutes_ago: int) -> Message:
        ticket = self.make_ticket()  # its delivery task is never run here
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        Message.objects.filter(id=ack.id).update(
            mail_claimed_at=timezone.now() - timedelta(minutes=minutes_ago), mail_attempts=1
        )
        return ack

    def test_an_expired_claim_is_sent_again_exactly_once(self):
        ack = self.claimed_ack(minutes_ago=11)
        self.assertEqual(mail_recover.enqueue().return_value, 1)
        self.assertEqual(len(mail.outbox), 1)
        ack.refresh_from_db()
        self.assertIsNotNone(ack.mailed_at)
        self.assertIsNone(ack.mail_claimed_at)
        self.assertEqual(ack.mail_attempts, 2)
        self.assertEqual(mail.outbox[0].extra_headers["Message-ID"], ack.email_message_id)
        # Once sent, nothing is left to recover.
        self.assertEqual(mail_recover.enqueue().return_value, 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_message_another_worker_is_sending_right_now_is_left_alone(self):
        ack = self.claimed_ack(minutes_ago=1)
        self.assertEqual(mail_recover.enqueue().return_value, 0)
        self.assertEqual(mail_service.message_send(message_id=ack.id), "skipped")
        self.assertEqual(len(mail.outbox), 0)

    def test_a_message_refused_for_good_is_not_resent(self):
        ack = self.claimed_ack(minutes_ago=11)
        Message.objects.filter(id=ack.id).update(
            mail_claimed_at=None, mail_error="550 no such user"
        )
        self.assertEqual(mail_recover.enqueue().return_value, 0)
        self.assertEqual(len(mail.outbox), 0)

    def test_the_delivery_task_run_again_takes_back_its_own_claim_at_once(self):
        # Its worker died mid-send a minute ago; the lease put the same task back in the queue.
        ack = self.claimed_ack(minutes_ago=1)
        Message.objects.filter(id=ack.id).update(mail_claimed_by="task-7")
        self.assertEqual(mail_service.message_send(message_id=ack.id, claimant="task-8"), "skipped")
        self.assertEqual(mail_service.message_send(message_id=ack.id, claimant="task-7"), "sent")
        ack.refresh_from_db()
        self.assertEqual((ack.mail_claimed_by, ack.mail_claimed_at), ("", None))
        self.assertEqual(len(mail.outbox), 1)


class LostDeliveryTests(BaseTestCase):
    """Mail nothing would send any more (no claim, no queued task) is found and sent; mail a
    task will still send, mail given up on and old mail are left alone."""

    def unsent_ack(self, minutes_ago: float) -> Message:
        ticket = self.make_ticket()  # its delivery task is never run here
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        Message.objects.filter(id=ack.id).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return ack

    def queue_task_for(self, message: Message, status: str) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=status,
            task_path=message_deliver.module_path,
            args_kwargs={"args": [message.id], "kwargs": {}},
            backend_name="default",
            run_after=timezone.now() + timedelta(minutes=5),
        )

    def test_the_queue_knows_the_delivery_task_by_the_name_the_sweep_looks_for(self):
        self.assertEqual(message_deliver.module_path, mail_service.DELIVER_TASK_PATH)

    def test_a_message_whose_task_was_lost_is_sent_once(self):
        ack = self.unsent_ack(minutes_ago=11)
        self.assertEqual(mail_service.messages_to_recover(), [ack.id])
        self.assertEqual(mail_recover.enqueue().return_value, 1)
        ack.refresh_from_db()
        self.assertIsNotNone(ack.mailed_at)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail_recover.enqueue().return_value, 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_message_with_a_delivery_waiting_or_running_is_left_to_it(self):
        for status in ("READY", "RUNNING"):
            with self.subTest(status=status):
                ack = self.unsent_ack(minutes_ago=30)
                task = self.queue_task_for(ack, status)
                self.assertNotIn(ack.id, mail_service.messages_to_recover())
                task.delete()
                self.assertIn(ack.id, mail_service.messages_to_recover())
                Message.objects.filter(id=ack.id).update(mailed_at=timezone.now())

    def test_fresh_given_up_and_old_messages_are_not_recovered(self):
        fresh = self.unsent_ack(minutes_ago=2)
        given_up = self.unsent_ack(minutes_ago=30)
        mail_service.message_delivery_failed(message_id=given_up.id, error="550 no such user")
        self.unsent_ack(minutes_ago=3 * 24 * 60)
        self.assertEqual(mail_service.messages_to_recover(), [])
        given_up.refresh_from_db()
        self.assertIsNotNone(given_up.mail_failed_at)
        self.assertIsNone(fresh.mailed_at)
