"""The small rules routing relies on."""

from django.test import SimpleTestCase

from kizuna.mail.routing import clean_subject, domain_candidates, guess_language, thread_ids


class RoutingRuleTests(SimpleTestCase):
    def test_japanese_text_is_recognised_by_its_kana_and_kanji(self):
        self.assertEqual(guess_language("サーバーが停止しました"), "ja")
        self.assertEqual(guess_language("Re: 障害"), "ja")
        self.assertEqual(guess_language("The server is down"), "en")
        self.assertEqual(guess_language(""), "en")

    def test_reply_prefixes_and_tags_are_taken_off_a_subject(self):
        self.assertEqual(clean_subject("Re: [KZ-000123] メール不達"), "メール不達")
        self.assertEqual(clean_subject("返信： RE: Fwd: 件名"), "件名")
        self.assertEqual(clean_subject("転送: [KZ-000001] Re[2]: hello"), "hello")
        self.assertEqual(clean_subject("Reply needed"), "Reply needed")

    def test_an_address_belongs_to_its_domain_and_every_parent_domain(self):
        self.assertEqual(
            domain_candidates("a@mail.tokyo.example.jp"),
            ["mail.tokyo.example.jp", "tokyo.example.jp", "example.jp"],
        )
        self.assertEqual(domain_candidates(""), [])

    def test_the_most_telling_ids_come_first_and_none_twice(self):
        ids = thread_ids(message_id="<c@x>", in_reply_to=["<b@x>"], references=["<a@x>", "<b@x>"])
        self.assertEqual(ids, ["<b@x>", "<a@x>", "<c@x>"])
