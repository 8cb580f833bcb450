"""split_quoted: the new text of a reply stays visible, the rest folds, and nothing is lost."""

from __future__ import annotations

import pytest

from kizuna.mail.quoting import split_quoted
from kizuna.mail.tests.corpus import CORPUS, FIXTURES

CASES = [
    # (text, the new text that must stay visible)
    ("ありがとうございます。直りました。\n\n2026年11月24日(火) 10:00 佐藤 <sato@kizuna.example>:\n"
     "> 設定を変更しました。\n> ご確認ください。\n", "ありがとうございます。直りました。\n\n"),
    ("直りました。\n\n佐藤さんは書きました:\n> 設定を変更しました。\n", "直りました。\n\n"),
    ("Thanks, fixed.\n\nOn Tue, 24 Nov 2026 at 10:00, Sato <sato@kizuna.example> wrote:\n"
     "> We changed it.\n>\n> Sato\n", "Thanks, fixed.\n\n"),
    ("Thanks.\n\nOn Tue, 24 Nov 2026 at 10:00, Sato <sato@kizuna.example>\nwrote:\n> Done.\n",
     "Thanks.\n\n"),
    ("Top post.\n\n-----Original Message-----\nFrom: Sato\nSent: Tuesday\nTo: Taro\n"
     "Subject: x\n\nold text\n", "Top post.\n\n"),
    ("了解です。\n\n差出人: 佐藤 <sato@kizuna.example>\n送信日時: 2026年11月24日 10:00\n宛先: 山田\n"
     "件名: Re: x\n\n古い本文\n", "了解です。\n\n"),
    ("OK.\n\nFrom: Sato <sato@kizuna.example>\nSent: Tuesday, November 24, 2026 10:00 AM\n"
     "To: Taro\nSubject: RE: x\n\nold\n", "OK.\n\n"),
    ("本文です。\n\n━━━━━━━━━━━━━━━━\n山田商事株式会社 総務部\n山田 太郎\nTEL: 03-1234-5678\n"
     "Mail: taro@yamada.example.jp\n━━━━━━━━━━━━━━━━\n", "本文です。\n\n"),
    ("Body\n-- \nNancy Davolio\nNorthwind Ltd\n", "Body\n"),
    ("Fixed.\n-- \nNancy\n\nOn Mon, Sato wrote:\n> old\n", "Fixed.\n"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "new"), CASES, ids=range(len(CASES)))
def test_it_folds_quoted_mail_and_signatures_below_the_new_text(text: str, new: str):
    assert split_quoted(text) == (new, text[len(new) :])


@pytest.mark.parametrize(
    "text",
    [
        "> question one?\nanswer one\n> question two?\nanswer two\n",  # answers between quotes
        "> only a quote\n> nothing else\n",  # nothing new: folding would hide everything
        "-- \nonly a signature\n",
        "no quote at all\n",
        "2026年11月24日の障害について:\n原因を教えてください。\n",  # looks like a Gmail header
        "━━━━━━━━\n見出し\n━━━━━━━━\n本文がここから続きます。\n長い本文です。\n" * 3,
        "",
    ],
    ids=range(7),
)
def test_it_never_folds_away_the_new_text(text: str):
    assert split_quoted(text) == (text, "")


def test_it_keeps_every_character_of_every_corpus_message():
    from kizuna.mail.parsing import parse_message

    for case in CORPUS + FIXTURES:
        text = parse_message(case.raw).text
        new, folded = split_quoted(text)
        assert new + folded == text, case.name


def test_it_folds_the_quote_of_a_corpus_reply():
    from kizuna.mail.parsing import parse_message

    reply = next(case for case in CORPUS if case.name == "reply")
    new, folded = split_quoted(parse_message(reply.raw).text)
    assert "直りました。" in new
    assert folded.startswith("> 設定を変更しました。")
