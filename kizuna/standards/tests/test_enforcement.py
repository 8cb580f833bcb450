from django.urls import reverse

from kizuna.standards import services as standard
from kizuna.standards.models import CheckOverride
from kizuna.standards.services import CheckBlocked
from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Status

BLAMING = "これはお客様の操作ミスです。設定を元に戻しました。"


class EnforcementTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()

    def replies(self):
        return self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False)

    def test_a_reply_with_an_error_finding_is_blocked_and_nothing_is_sent(self):
        with self.assertRaises(CheckBlocked) as cm:
            services.ticket_reply(ticket=self.ticket, actor_user=self.agent, body=BLAMING)
        self.assertIn("お客様の操作ミス", cm.exception.message)
        self.assertEqual(cm.exception.result.findings[0].rule, "ja.blame.customer-mistake")
        self.assertFalse(self.replies().exists())

    def test_an_override_sends_it_and_is_recorded_for_managers(self):
        services.ticket_reply(
            ticket=self.ticket, actor_user=self.agent, body=BLAMING, override_check=True
        )
        override = CheckOverride.objects.get()
        self.assertEqual(override.rules, ["ja.blame.customer-mistake"])
        self.assertEqual(override.user, self.agent)
        self.assertEqual(override.message, self.replies().get())

    def test_a_status_note_is_checked_too(self):
        with self.assertRaises(CheckBlocked):
            services.ticket_transition(
                ticket=self.ticket,
                actor_user=self.agent,
                to_status="investigating",
                customer_note="前回も申し上げた通り、再起動してください。",
                checkpoint=self.later(),
            )
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)

    def test_resolving_with_fixed_please_check_is_blocked_as_a_vague_resolution(self):
        with self.assertRaises(CheckBlocked) as cm:
            services.ticket_transition(
                ticket=self.ticket,
                actor_user=self.agent,
                to_status="resolved",
                resolution=REPORT,
                customer_note="対応しました。ご確認ください。",
                checkpoint=self.later(),
            )
        self.assertIn("ja.vague.fixed-please-check", {f.rule for f in cm.exception.result.findings})

    def test_an_organization_standard_can_lower_a_rule_to_a_warning(self):
        standard.rule_setting_set(
            organization=self.org,
            rule_id="ja.blame.customer-mistake",
            enabled=True,
            severity="warning",
            actor_user=self.agent,
        )
        services.ticket_reply(ticket=self.ticket, actor_user=self.agent, body=BLAMING)
        self.assertFalse(CheckOverride.objects.exists())
        # Another organization still has the team's standard.
        other = self.make_ticket(requester=self.outsider, subject="Mail", body="Mail is down.")
        with self.assertRaises(CheckBlocked):
            services.ticket_reply(ticket=other, actor_user=self.agent, body="This is your fault.")

    def test_a_rule_switched_off_team_wide_no_longer_fires(self):
        standard.rule_setting_set(
            organization=None,
            rule_id="ja.blame.customer-mistake",
            enabled=False,
            severity="error",
            actor_user=self.agent,
        )
        result = standard.draft_check(ticket=self.ticket, text=BLAMING)
        self.assertNotIn("ja.blame.customer-mistake", {f.rule for f in result.findings})

    def test_jargon_is_relaxed_for_a_technical_contact(self):
        general = standard.draft_check(ticket=self.ticket, text="DNSのTTLを短くしました。")
        technical_ticket = self.make_ticket(requester=self.outsider, subject="DNS", body="TTL?")
        technical = standard.draft_check(ticket=technical_ticket, text="DNSのTTLを短くしました。")
        self.assertTrue(any(f.category == "jargon" for f in general.findings))
        self.assertFalse(any(f.category == "jargon" for f in technical.findings))

    def test_an_unknown_rule_or_severity_is_refused(self):
        with self.assertRaisesMessage(Exception, "There is no rule"):
            standard.rule_setting_set(
                organization=None,
                rule_id="nope",
                enabled=True,
                severity="error",
                actor_user=self.agent,
            )
        with self.assertRaisesMessage(Exception, "Unknown severity"):
            standard.rule_setting_set(
                organization=None,
                rule_id="en.blame.your-fault",
                enabled=True,
                severity="fatal",
                actor_user=self.agent,
            )


class ComposerTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.client.force_login(self.agent)

    def test_the_live_check_returns_findings_highlighted_in_the_draft(self):
        r = self.client.post(
            reverse("desk:check", args=[self.ticket.id]),
            {"body": BLAMING},
            headers={"HX-Request": "true"},
        )
        html = r.content.decode()
        self.assertIn('<mark class="sev-error"', html)
        self.assertIn('data-rule="ja.blame.customer-mistake"', html)
        self.assertIn("P3", html)

    def test_a_clean_draft_says_so(self):
        r = self.client.post(
            reverse("desk:check", args=[self.ticket.id]),
            {"body": "ご連絡ありがとうございます。現在、送信サーバーの記録を確認しております。"},
        )
        self.assertNotContains(r, "<mark")

    def test_sending_a_blocked_reply_shows_the_findings_and_offers_the_override(self):
        url = reverse("desk:reply", args=[self.ticket.id])
        r = self.client.post(url, {"body": BLAMING}, headers={"HX-Request": "true"})
        self.assertContains(r, 'name="override_check"')
        self.assertContains(r, 'data-rule="ja.blame.customer-mistake"')
        self.assertFalse(CheckOverride.objects.exists())
        r = self.client.post(
            url, {"body": BLAMING, "override_check": "on"}, headers={"HX-Request": "true"}
        )
        self.assertEqual(CheckOverride.objects.count(), 1)

    def test_managers_edit_the_standard_per_organization(self):
        self.agent.is_staff = True
        self.agent.save()
        url = reverse("desk:standard")
        r = self.client.post(
            url,
            {
                "rule_id": "ja.blame.customer-mistake",
                "severity": "info",
                "organization": self.org.id,
            },
        )
        self.assertEqual(r.status_code, 302)
        page = self.client.get(url, {"organization": self.org.id}).content.decode()
        row = page[page.index('data-rule="ja.blame.customer-mistake"') :]
        self.assertIn('<option value="info" selected>', row[:3000])
        result = standard.draft_check(ticket=self.ticket, text=BLAMING)
        self.assertEqual([f.rule for f in result.findings if f.severity == "error"], [])

    def test_a_bad_setting_is_refused_with_a_clear_error(self):
        self.agent.is_staff = True
        self.agent.save()
        r = self.client.post(
            reverse("desk:standard"), {"rule_id": "no.such.rule", "severity": "error"}
        )
        self.assertContains(r, "There is no rule", status_code=400)

    def test_agents_who_are_not_managers_cannot_edit_the_standard(self):
        self.assertEqual(self.client.get(reverse("desk:standard")).status_code, 404)


class StandardPageTests(BaseTestCase):
    def test_the_rule_list_reads_as_prose_without_placeholders(self):
        self.agent.is_staff = True
        self.agent.save()
        self.client.force_login(self.agent)
        html = self.client.get(reverse("desk:standard")).content.decode()
        self.assertIn("en.alarm.exclamations", html)
        self.assertNotIn("{match}", html)
