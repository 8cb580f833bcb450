from datetime import timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Attachment, Ticket

NEW = "/portal/new/"


class NewRequestTestCase(PortalTestCase):
    def answers(self, **overrides):
        data = {
            "subject": "会議室のプリンターで印刷できない",
            "what_happened": "今朝から「オフライン」と表示され、印刷が始まりません。",
            "impact": "3階の営業部10名が使えません。",
            "urgency": "hard",
            "tried": "プリンターの電源を入れ直しました。",
            "needed_by": (timezone.localdate() + timedelta(days=2)).isoformat(),
        }
        data.update(overrides)
        return data

    def test_it_asks_p9s_questions(self):
        self.sign_in()
        r = self.client.get(NEW)
        for name in (
            "subject",
            "what_happened",
            "impact",
            "urgency",
            "tried",
            "needed_by",
            "attachments",
        ):
            self.assertContains(r, f'name="{name}"')
        self.assertContains(r, "Work has stopped")

    def test_it_opens_a_ticket_with_the_answers_and_shows_the_acknowledgement(self):
        self.sign_in()
        photo = SimpleUploadedFile(
            "プリンター.jpg", b"\xff\xd8 fake jpeg", content_type="image/jpeg"
        )
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(NEW, {**self.answers(), "attachments": [photo]})
        ticket = Ticket.objects.get()
        self.assertRedirects(r, f"/portal/tickets/{ticket.pk}/", fetch_redirect_response=False)
        self.assertEqual(ticket.subject, "会議室のプリンターで印刷できない")
        self.assertEqual(ticket.priority, "high")
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.requester_id, self.customer.pk)
        self.assertEqual(ticket.organization_id, self.org.pk)
        body = ticket.messages.get(kind="inbound").body
        for answer in ("「オフライン」と表示され", "営業部10名", "電源を入れ直しました"):
            self.assertIn(answer, body)
        self.assertEqual(body.count("■ "), 5)  # a heading per answer, the date included
        self.assertEqual(Attachment.objects.get().filename, "プリンター.jpg")

        page = self.client.get(r["Location"])
        self.assertContains(page, ticket.reference)
        self.assertContains(page, f"Your request is registered as {ticket.reference}")
        self.assertContains(page, "Next update by")
        # And the acknowledgement is mailed (P1).
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(ticket.reference, mail.outbox[0].subject)

    def test_urgency_maps_to_priority(self):
        self.sign_in()
        expected = {"stopped": "urgent", "hard": "high", "can_wait": "normal", "question": "low"}
        for urgency, priority in expected.items():
            self.client.post(NEW, self.answers(urgency=urgency, subject=urgency))
            self.assertEqual(Ticket.objects.get(subject=urgency).priority, priority)

    def test_the_optional_answers_may_be_left_out(self):
        self.sign_in()
        self.client.post(NEW, self.answers(tried="", needed_by=""))
        body = Ticket.objects.get().messages.get(kind="inbound").body
        self.assertEqual(body.count("■ "), 4)

    def test_missing_answers_get_field_errors_and_nothing_is_created(self):
        self.sign_in()
        r = self.client.post(NEW, self.answers(subject="", what_happened="", impact="", urgency=""))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Please give your request a short subject.")
        self.assertContains(r, "Please tell us what happened.")
        self.assertContains(r, "Please tell us who is affected.")
        self.assertContains(r, "Please choose how urgent it is.")
        self.assertContains(r, "プリンターの電源を入れ直しました。")  # what was typed is kept
        self.assertEqual(Ticket.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    def test_an_unknown_urgency_is_refused(self):
        self.sign_in()
        r = self.client.post(NEW, self.answers(urgency="yesterday"))
        self.assertContains(r, "Select a valid choice")
        self.assertEqual(Ticket.objects.count(), 0)

    def test_a_date_in_the_past_is_refused(self):
        self.sign_in()
        r = self.client.post(
            NEW, self.answers(needed_by=(timezone.localdate() - timedelta(days=1)).isoformat())
        )
        self.assertContains(r, "This date has already passed")
        self.assertEqual(Ticket.objects.count(), 0)

    @override_settings(KIZUNA_MAX_ATTACHMENT_BYTES=1024)
    def test_an_oversized_attachment_is_refused_and_nothing_is_created(self):
        self.sign_in()
        big = SimpleUploadedFile("dump.bin", b"x" * 4096)
        r = self.client.post(NEW, {**self.answers(), "attachments": [big]})
        self.assertContains(r, "“dump.bin” is")
        self.assertEqual(Ticket.objects.count(), 0)
        self.assertEqual(Attachment.objects.count(), 0)

    def test_the_body_is_written_in_the_contacts_language(self):
        self.sign_in(self.outsider)
        self.client.post(NEW, self.answers(subject="Printer offline"))
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.language, "en")
        self.assertIn("■ What happened", ticket.messages.get(kind="inbound").body)
