"""The final communication (P10): the resolution letter carries a signed link to rate the
help and close the request; the customer's answers are kept (a second one counts, both are
recorded); a poor rating reaches the team lead; a link that expired, was altered, belongs to
an earlier resolution or is used again changes nothing and says why."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from kizuna.closing import links
from kizuna.closing import services as closing
from kizuna.closing.models import FollowUp, Satisfaction
from kizuna.notifications.models import Notification
from kizuna.portal.services import portal_link_create
from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import EventKind, Status

LINK = re.compile(r"https?://\S+/portal/feedback/([^/\s]+)/")


class FeedbackLinkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.team.lead = self.teammate
        self.team.save()
        self.ticket = self.make_ticket(team=self.team)
        services.ticket_assign(
            ticket=self.ticket, actor_user=self.agent, assignee=self.agent, team=self.team
        )
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            closing.ticket_resolve(
                ticket=self.ticket,
                actor_user=self.agent,
                answers=REPORT,
                checkpoint=self.later(days=3),
            )
        self.token = LINK.search(mail.outbox[-1].body).group(1)
        self.url = reverse("portal:feedback", args=[self.token])

    def test_the_resolution_mail_carries_a_link_that_shows_the_report_without_sign_in(self):
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, REPORT.cause)
        self.assertContains(page, 'id="close-form"')
        self.assertEqual(page.headers["Content-Language"], "ja")
        self.assertContains(page, '<html lang="ja"')

    def test_a_rating_is_recorded_and_a_second_one_counts_with_both_kept(self):
        self.client.post(self.url, {"action": "rate", "rating": "4", "comment": "早い対応でした"})
        page = self.client.post(self.url, {"action": "rate", "rating": "5"})
        self.assertEqual(page.status_code, 200)
        self.assertEqual(
            list(Satisfaction.objects.order_by("id").values_list("rating", flat=True)), [4, 5]
        )
        first = Satisfaction.objects.order_by("id").first()
        self.assertEqual(
            (first.agent, first.team, first.contact), (self.agent, self.team, self.customer)
        )
        self.assertEqual(self.ticket.events.filter(kind=EventKind.RATED).count(), 2)
        self.client.force_login(self.agent)
        desk = self.client.get(reverse("desk:ticket", args=[self.ticket.id]))
        self.assertContains(desk, 'data-rating="5"')

    def test_a_bad_rating_is_refused_and_changes_nothing(self):
        for data in (
            {"rating": "6"},
            {"rating": "５"},
            {"rating": ""},
            {"rating": "3", "comment": "\x00"},
        ):
            page = self.client.post(self.url, {"action": "rate", **data})
            self.assertEqual(page.status_code, 400, data)
        self.assertFalse(Satisfaction.objects.exists())

    def test_a_poor_rating_gives_the_lead_a_follow_up_and_marks_the_queue(self):
        self.client.post(self.url, {"action": "rate", "rating": "2", "comment": "説明が遅かった"})
        follow_up = FollowUp.objects.get()
        self.assertEqual(follow_up.assignee, self.teammate)
        self.assertTrue(
            Notification.objects.filter(recipient=self.teammate, kind="low_rating").exists()
        )
        self.client.force_login(self.agent)
        queue = self.client.get(reverse("desk:queue"), {"status": "resolved"})
        self.assertContains(queue, 'data-mark="poor-rating"')
        self.client.post(reverse("desk:follow_up_done", args=[follow_up.id]), {"note": "電話済み"})
        follow_up.refresh_from_db()
        self.assertIsNotNone(follow_up.done_at)
        queue = self.client.get(reverse("desk:queue"), {"status": "resolved"})
        self.assertNotContains(queue, 'data-mark="poor-rating"')

    def test_the_close_button_closes_once_and_a_second_use_changes_nothing(self):
        self.assertEqual(self.client.get(self.url).status_code, 200)  # a look changes nothing
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)
        page = self.client.post(self.url, {"action": "close"})
        self.assertContains(page, 'id="feedback-notice"')
        self.ticket.refresh_from_db()
        self.assertEqual(
            (self.ticket.status, self.ticket.close_reason), (Status.CLOSED, "resolved")
        )
        event = self.ticket.events.filter(to_status=Status.CLOSED).get()
        self.assertEqual(event.actor_contact, self.customer)
        closed_at = self.ticket.closed_at
        again = self.client.post(self.url, {"action": "close"})
        self.assertEqual(again.status_code, 409)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.closed_at, closed_at)
        self.assertNotContains(again, 'id="close-form"', status_code=409)

    def test_an_altered_or_made_up_link_is_refused_with_a_clear_page(self):
        for token in (
            self.token[:-2] + ("aa" if not self.token.endswith("aa") else "bb"),
            "x" * 100_000,
            "ＡＢＣ",
            signing.dumps({"t": self.ticket.id, "n": 1}, salt="another.purpose"),
            links.make_token(self.ticket.id + 1, 1),  # signed, but no such resolution
        ):
            page = self.client.post(reverse("portal:feedback", args=[token]), {"action": "close"})
            self.assertIn(page.status_code, (404, 410))
            self.assertContains(page, 'id="feedback-invalid"', status_code=page.status_code)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)

    def test_a_portal_sign_in_token_opens_nothing_here(self):
        url = portal_link_create(contact=self.customer)
        token = url.rstrip("/").rsplit("/", 1)[-1]
        page = self.client.post(reverse("portal:feedback", args=[token]), {"action": "close"})
        self.assertEqual(page.status_code, 404)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)

    def test_an_expired_link_is_refused_and_changes_nothing(self):
        class Then(signing.TimestampSigner):
            def timestamp(self):
                return signing.b62_encode(int(timezone.now().timestamp()) - 31 * 86400)

        token = Then(salt="kizuna.closing.feedback").sign_object(
            {"t": self.ticket.id, "n": 1}, serializer=signing.JSONSerializer
        )
        page = self.client.post(reverse("portal:feedback", args=[token]), {"action": "close"})
        self.assertEqual(page.status_code, 410)
        self.assertContains(page, 'data-reason="expired"', status_code=410)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)

    def test_the_link_of_an_earlier_resolution_is_out_of_date(self):
        services.ticket_customer_reply(ticket=self.ticket, contact=self.customer, body="まだです")
        closing.ticket_resolve(
            ticket=self.ticket, actor_user=self.agent, answers=REPORT, checkpoint=self.later(days=3)
        )
        page = self.client.post(self.url, {"action": "close"})
        self.assertEqual(page.status_code, 410)
        self.assertContains(page, 'data-reason="outdated"', status_code=410)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)

    def test_closing_in_the_desk_sends_the_closing_letter_with_the_link(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            closing.ticket_close(ticket=self.ticket, actor_user=self.agent)
        body = mail.outbox[-1].body
        self.assertIn("クローズさせていただきました", body)
        # A link to the same resolution (signed a moment later, so its time stamp may differ).
        found = links.read_token(LINK.search(body).group(1))
        self.assertEqual(
            (found.ticket, found.report), (self.ticket, links.read_token(self.token).report)
        )


class ReopenOrFollowTests(BaseTestCase):
    def closed(self, *, days_ago: float, reason: str = ""):
        ticket = self.make_ticket(team=self.team)
        then = timezone.now() - timedelta(days=days_ago)
        closing.ticket_resolve(
            ticket=ticket,
            actor_user=self.agent,
            answers=REPORT,
            checkpoint=then + timedelta(days=2),
            now=then - timedelta(hours=1),
        )
        services.ticket_transition(
            ticket=ticket, actor_user=self.agent, to_status="closed", close_reason=reason, now=then
        )
        return ticket

    def test_an_answer_within_the_teams_window_reopens_the_request(self):
        ticket = self.closed(days_ago=13)
        services.ticket_customer_reply(ticket=ticket, contact=self.customer, body="再発しました")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.INVESTIGATING)
        self.assertIsNone(ticket.closed_at)
        self.assertIsNone(ticket.resolved_at)
        self.assertTrue(ticket.events.filter(kind=EventKind.REOPENED).exists())

    def test_a_later_answer_cannot_reopen_it(self):
        ticket = self.closed(days_ago=15)
        self.assertFalse(services.reply_reopens_closed(ticket, now=timezone.now()))
        self.team.reopen_days = 30
        self.team.save()
        ticket.refresh_from_db()
        self.assertTrue(services.reply_reopens_closed(ticket, now=timezone.now()))
