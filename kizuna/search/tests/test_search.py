"""Full-text search over tickets: what an agent types finds the tickets they mean."""

from __future__ import annotations

from django.db import transaction

from kizuna.search.indexing import reindex_all
from kizuna.search.models import SearchDocument
from kizuna.search.query import search, snippet_of
from kizuna.search.terms import query_terms
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Organization, Ticket
from kizuna.tickets.services import IncomingFile


def found(query: str, tickets=None, **kwargs) -> list[int]:
    result = search(
        query, tickets=tickets if tickets is not None else Ticket.objects.all(), **kwargs
    )
    return [hit.ticket.pk for hit in result.hits]


class JapaneseAndEnglishWords(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.invoice = self.make_ticket(
            subject="今月のご請求について",
            body="東京都の本社宛ての請求書の金額が、見積もりと違っております。",
        )
        self.outage = self.make_ticket(
            subject="サーバーにつながらない",
            body="京都営業所からサーバーに接続できません。障害でしょうか。",
        )
        self.password = self.make_ticket(
            subject="ログインできない",
            body="パスワードを変更したあと、サーバーを再起動してもログインできません。",
        )
        self.english = self.make_ticket(
            requester=self.outsider,
            subject="Mail bouncing",
            body="Since this morning our passwords were rejected and messages bounced.",
        )

    def test_japanese_words_in_messages_are_found(self):
        self.assertEqual(found("請求"), [self.invoice.pk])
        self.assertEqual(found("障害"), [self.outage.pk])
        self.assertEqual(found("パスワード"), [self.password.pk])
        self.assertEqual(found("再起動"), [self.password.pk])
        # A compound's part finds it: 起動 is in 再起動.
        self.assertEqual(found("起動"), [self.password.pk])

    def test_tokyo_metropolis_is_not_kyoto(self):
        self.assertEqual(found("京都"), [self.outage.pk])
        self.assertEqual(found("東京都"), [self.invoice.pk])

    def test_a_family_name_finds_the_requesters_tickets(self):
        self.assertEqual(
            sorted(found("山田")), sorted([self.invoice.pk, self.outage.pk, self.password.pk])
        )
        self.assertEqual(found("Davolio"), [self.english.pk])

    def test_contact_address_and_organization_are_found(self):
        self.assertEqual(found("nancy@northwind.example"), [self.english.pk])
        self.assertEqual(found("Northwind"), [self.english.pk])
        self.assertEqual(len(found("山田商事株式会社")), 3)

    def test_english_words_match_in_any_inflection(self):
        self.assertEqual(found("password"), [self.english.pk])
        self.assertEqual(found("Bounce"), [self.english.pk])
        self.assertEqual(found("rejecting passwords"), [self.english.pk])

    def test_every_word_must_be_there(self):
        self.assertEqual(found("パスワード 障害"), [])
        self.assertEqual(found("サーバー 障害"), [self.outage.pk])

    def test_words_never_written_find_nothing(self):
        self.assertEqual(found("解約"), [])
        self.assertEqual(found("refund"), [])

    def test_snippet_shows_the_found_word(self):
        [hit] = search("再起動", tickets=Ticket.objects.all()).hits
        marked = [hit.snippet[s:e] for s, e in hit.highlights]
        self.assertEqual(marked, ["再起動"])
        self.assertIn("パスワードを変更したあと", hit.snippet)

    def test_a_reference_names_its_ticket(self):
        result = search(self.outage.reference, tickets=Ticket.objects.all())
        self.assertEqual(result.reference, self.outage)
        self.assertEqual(
            search(str(self.outage.pk), tickets=Ticket.objects.all()).reference, self.outage
        )
        # Only among the tickets the asker may see.
        hidden = search(self.outage.reference, tickets=Ticket.objects.exclude(pk=self.outage.pk))
        self.assertIsNone(hidden.reference)

    def test_filters_narrow_the_tickets(self):
        services.ticket_assign(ticket=self.outage, actor_user=self.agent, assignee=self.agent)
        both = sorted([self.outage.pk, self.password.pk])
        self.assertEqual(sorted(found("サーバー")), both)
        self.assertEqual(
            found("サーバー", Ticket.objects.filter(assignee=self.agent)), [self.outage.pk]
        )
        self.assertEqual(found("サーバー", Ticket.objects.filter(organization=self.other_org)), [])
        self.assertEqual(found("サーバー", Ticket.objects.none()), [])


class KeptInStep(BaseTestCase):
    def test_a_reply_and_a_note_are_found_at_once(self):
        ticket = self.make_ticket()
        services.ticket_note(ticket=ticket, actor_user=self.agent, body="DKIMの署名鍵を更新予定")
        self.assertEqual(found("署名鍵"), [ticket.pk])

    def test_an_attachment_name_is_found(self):
        ticket = self.make_ticket(
            files=[
                IncomingFile(
                    name="invoice-2026-11.pdf", content_type="application/pdf", data=b"%PDF-1.4"
                )
            ]
        )
        self.assertEqual(found("invoice 2026"), [ticket.pk])

    def test_what_is_rolled_back_is_not_found(self):
        ticket = self.make_ticket()
        try:
            with transaction.atomic():
                services.ticket_note(
                    ticket=ticket, actor_user=self.agent, body="ロールバック確認用の文"
                )
                raise RuntimeError
        except RuntimeError:
            pass
        self.assertEqual(found("ロールバック"), [])

    def test_a_renamed_contact_is_found_by_the_new_name(self):
        ticket = self.make_ticket()
        services.contact_update(contact=self.customer, name="鈴木 花子")
        self.assertEqual(found("鈴木"), [ticket.pk])
        self.assertEqual(found("太郎"), [])
        org = Organization.objects.get(pk=self.org.pk)
        org.name = "Yamada Trading"
        org.save()
        self.assertEqual(found("yamada trading"), [ticket.pk])

    def test_reindex_rebuilds_the_index(self):
        ticket = self.make_ticket(body="証明書の更新をお願いします")
        SearchDocument.objects.all().delete()
        self.assertEqual(found("証明書"), [])
        reindex_all(batch=2)
        self.assertEqual(found("証明書"), [ticket.pk])
        # Once per ticket and message, not twice.
        self.assertEqual(SearchDocument.objects.filter(ticket=ticket, message=None).count(), 1)


class HostileQueries(BaseTestCase):
    def test_odd_input_finds_nothing_and_breaks_nothing(self):
        self.make_ticket()
        for query in [
            "",
            "   ",
            "\x00\x01",
            "\ud800",
            "あ" * 100_000,
            '"*) OR (',
            "'",
            "\\",
            "NEAR(a b)",
        ]:
            result = search(query, tickets=Ticket.objects.all())
            self.assertLessEqual(len(result.terms), 16)

    def test_full_width_words_are_the_same_words(self):
        ticket = self.make_ticket(body="ＤＮＳの設定を確認してください")
        self.assertEqual(found("dns"), [ticket.pk])


def test_snippet_is_one_line_around_the_word():
    text = "前置き。" * 40 + "\n\nここで障害が\n発生しました。" + "後書き。" * 40
    snippet, highlights = snippet_of(text, query_terms("障害"))
    assert "\n" not in snippet
    assert [snippet[s:e] for s, e in highlights] == ["障害"]
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 170


def test_snippet_shows_the_text_as_written():
    text = "Hello,\nOur SSL Certificate for WWW expired; ＤＮＳ is fine."
    snippet, highlights = snippet_of(text, query_terms("certificate"))
    assert "Our SSL Certificate for WWW expired" in snippet
    assert [snippet[s:e] for s, e in highlights] == ["Certificate"]
    # Where normalising moved characters (a half-width kana pair becomes one), the passage is
    # shown normalised rather than misplaced.
    shifted, marks = snippet_of("ﾊﾟｽﾜｰﾄﾞを忘れました", query_terms("パスワード"))
    assert [shifted[s:e] for s, e in marks] == ["パスワード"]
