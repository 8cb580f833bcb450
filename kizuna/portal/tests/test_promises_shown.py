"""The portal tells the customer the next checkpoint and what we promised, in plain words,
and never the service-level machinery behind them (P1, P13)."""

from datetime import timedelta

from django.utils import timezone

from kizuna.portal.tests.base import PortalTestCase
from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy
from kizuna.sla.timers import timers_run
from kizuna.test import REPORT
from kizuna.tickets import services

# Words and figures that belong to the desk: policy names, clock names, business minutes,
# breach records, warning shares.
INTERNALS = (
    "SLA",
    "first response",
    "初回応答",
    "resolution target",
    "解決目標",
    "breach",
    "期限切れ",
    "business minutes",
    "営業時間の分",
    "Missed",
    "escalat",
    "エスカレーション",
)


class PortalPromiseTests(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/portal/tickets/{self.ticket.pk}/"

    def promise(self, text: str, hours: float) -> Deadline:
        return Deadline.objects.create(
            ticket=self.ticket,
            kind=DeadlineKind.PROMISE,
            due_at=timezone.now() + timedelta(hours=hours),
            text=text,
        )

    def callout(self, language="ja") -> str:
        self.sign_in(language=language)
        html = self.client.get(self.url).content.decode()
        return html[html.index("status-callout") : html.index('id="timeline-h"')]

    def test_open_promises_are_shown_in_the_agents_words_with_their_time(self):
        self.promise("明日15時までにご連絡します", hours=20)
        callout = self.callout()
        self.assertIn("“明日15時までにご連絡します”", callout)
        self.assertIn("お約束", callout)

    def test_a_kept_promise_is_no_longer_listed(self):
        kept = self.promise("本日中にご報告します", hours=3)
        kept.met_at = timezone.now()
        kept.save()
        self.assertNotIn("本日中にご報告します", self.callout())

    def test_the_page_never_shows_service_level_internals(self):
        policy = SlaPolicy.objects.get(contract_tier="", priority="high")
        self.promise("本日17時までにご連絡します", hours=-1)  # already broken
        # A missed first response and a broken promise are recorded for the team.
        timers_run(now=timezone.now() + timedelta(days=3))
        for language in ("ja", "en"):
            self.sign_in(language=language)
            page = self.client.get(self.url).content.decode()
            for word in (*INTERNALS, policy.name):
                self.assertNotIn(word, page, f"{word!r} shown to the customer ({language})")
        # The customer still sees when they will hear from us.
        self.assertIn("next-update", self.client.get(self.url).content.decode())

    def test_a_resolved_request_lists_no_promises(self):
        self.promise("明日15時までにご連絡します", hours=20)
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status="resolved",
            resolution=REPORT,
            customer_note="設定を修正し、送信できることを確認しました。",
            checkpoint=timezone.now() + timedelta(days=3),
            override_check=True,
        )
        self.assertNotIn("明日15時までにご連絡します", self.callout())
