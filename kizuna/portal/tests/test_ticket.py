from datetime import timedelta

from django.utils import timezone

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Ticket


class TicketPageTestCase(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/portal/tickets/{self.ticket.pk}/"

    def test_it_shows_status_current_activity_and_next_update_on_top(self):
        checkpoint = timezone.now() + timedelta(hours=5)
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status="investigating",
            customer_note="送信サーバーの設定を確認しています。",
            checkpoint=checkpoint,
        )
        self.sign_in(language="ja")
        r = self.client.get(self.url)
        html = r.content.decode()
        callout = html[html.index("status-callout") : html.index('id="timeline-h"')]
        self.assertIn("status-investigating", callout)
        self.assertIn("送信サーバーの設定を確認しています。", callout)
        tokyo = timezone.localtime(checkpoint, timezone.get_fixed_timezone(9 * 60))
        self.assertIn(f"{tokyo.month}月{tokyo.day}日", callout)
        self.assertIn(f"{tokyo:%H:%M} (JST)", callout)

    def test_it_shows_the_conversation_but_never_an_internal_note(self):
        services.ticket_note(
            ticket=self.ticket, actor_user=self.agent, body="社内メモ：この顧客は契約更新の交渉中"
        )
        services.ticket_reply(
            ticket=self.ticket, actor_user=self.agent, body="ログを確認しております。"
        )
        self.sign_in()
        r = self.client.get(self.url)
        self.assertContains(r, "今朝9時ごろから、社内の全員がメールを送信できません。")
        self.assertContains(r, "ログを確認しております。")
        self.assertNotContains(r, "社内メモ")
        self.assertNotContains(r, "契約更新の交渉中")
        self.assertNotContains(r, 'class="msg note')

    def test_quoted_mail_in_the_customers_own_messages_is_folded_not_removed(self):
        services.ticket_customer_reply(
            ticket=self.ticket,
            contact=self.customer,
            body="再起動しましたが、まだ送信できません。\n\n> ログを確認しております。\n> 少々お待ちください。",
        )
        self.sign_in(language="ja")
        html = self.client.get(self.url).content.decode()
        self.assertIn('<div class="body">再起動しましたが、まだ送信できません。', html)
        folded = html[html.index('<details class="quoted">') :]
        self.assertIn("&gt; 少々お待ちください。", folded[: folded.index("</details>")])

    def test_it_shows_overdue_updates_honestly(self):
        Ticket.objects.filter(pk=self.ticket.pk).update(
            next_checkpoint=timezone.now() - timedelta(hours=1)
        )
        self.sign_in()
        r = self.client.get(self.url)
        self.assertContains(r, "status-callout overdue")
        self.assertContains(r, "this update is overdue")

    def test_another_organizations_ticket_is_not_found(self):
        self.sign_in(self.outsider)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_an_unknown_ticket_is_not_found(self):
        self.sign_in()
        self.assertEqual(self.client.get("/portal/tickets/999999/").status_code, 404)

    def test_a_closed_ticket_has_no_reply_form_but_explains_what_to_do(self):
        self.close(self.ticket, days_ago=30)  # long past the reopen window
        self.sign_in()
        r = self.client.get(self.url)
        self.assertNotContains(r, f'action="/portal/tickets/{self.ticket.pk}/reply/"')
        self.assertContains(r, "This request is closed")
        self.assertContains(r, f"mention {self.ticket.reference}")
        self.assertContains(r, 'href="/portal/new/"')

    def test_an_open_ticket_has_a_reply_form_that_also_works_without_javascript(self):
        self.sign_in()
        r = self.client.get(self.url)
        self.assertContains(r, f'action="/portal/tickets/{self.ticket.pk}/reply/"')
        self.assertContains(r, 'enctype="multipart/form-data"')
        self.assertContains(r, f'hx-post="/portal/tickets/{self.ticket.pk}/reply/"')
        self.assertContains(r, 'type="file" name="attachments" multiple')
