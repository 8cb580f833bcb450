"""`assess()` as its docstring promises: moods, cues, offsets, negations, quoted mail."""

import json

import pytest

from kizuna.mood import MOODS, REASONS, assess, rank
from kizuna.mood.engine import cues_in


def _reasons(text: str, **kwargs) -> list[str]:
    return [c.reason for c in assess(text, **kwargs).cues]


def test_empty_and_blank_text_is_calm():
    for text in ("", "   \n\n\t", "\x00\x01"):
        result = assess(text)
        assert (result.mood, result.cues) == ("calm", [])
        assert result.to_dict() == {"mood": "calm", "cues": []}


def test_moods_are_ordered_and_ranked():
    assert MOODS == ("calm", "concerned", "upset", "panicking")
    assert [rank(m) for m in MOODS] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="mood must be one of"):
        rank("angry")


def test_it_rejects_bad_arguments():
    with pytest.raises(TypeError):
        assess(b"bytes")
    with pytest.raises(ValueError, match="lang must be one of"):
        assess("x", lang="fr")
    for bad in (-1, True, 1.5, "2"):
        with pytest.raises(ValueError, match="follow_ups"):
            assess("x", follow_ups=bad)


def test_to_dict_has_exactly_the_documented_shape():
    result = assess("URGENT!! Our shop is down and customers cannot order.")
    assert result.mood == "panicking"
    data = result.to_dict()
    assert set(data) == {"mood", "cues"}
    assert data["cues"] and all(set(c) == {"text", "start", "end"} for c in data["cues"])
    assert all(c.reason in REASONS for c in result.cues)


@pytest.mark.parametrize(
    "text, mood",
    [
        ("Could you add a TXT record for our domain? Thanks.", "calm"),
        ("I'm a bit worried: is our data safe after that login from abroad?", "concerned"),
        ("This is the third time this month. Frankly, it's unacceptable.", "upset"),
        ("Our site is down and we are losing money every minute! Please help ASAP!!", "panicking"),
        ("DNSレコードの追加をお願いできますでしょうか。", "calm"),
        ("証明書の期限が近いようで、少し心配です。", "concerned"),
        ("何度も申し上げておりますが、まだ直っておりません。誠に遺憾です。", "upset"),
        ("【至急】サイトが落ちていて、お客様が注文できません！！大至急お願いします。", "panicking"),
    ],
)
def test_it_reads_each_mood(text, mood):
    assert assess(text).mood == mood


# --- negations and hedges -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Not urgent: could you raise the mailbox quota when you have a moment?",
        "No rush at all, next week is fine.",
        "I'm not worried, but was the backup slower than usual last night?",
        "There is nothing urgent here, just a question about the invoice.",
        "Not urgent, but could you look at it as soon as possible this week?",
        "急ぎではありませんが、メールの容量を増やしていただけますか。",
        "至急ではございませんので、来週中にご対応いただければ幸いです。",
        "特に心配はしていませんが、念のため確認させてください。",
        "自己解決しましたので、ご心配なく。",
    ],
)
def test_negated_and_hedged_words_do_not_count(text):
    assert assess(text).mood == "calm", cues_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "We run the website of the Riverside Urgent Care clinic; please renew its certificate.",
        "We saw the notice about the emergency maintenance last night. Was our VM rebooted?",
        "Your newsletter mentioned a critical security patch. Please plan it for next month.",
        "昨夜の緊急メンテナンスで弊社のVMも再起動されたか教えてください。",
        "弊社の緊急連絡先が変わりましたのでお知らせします。",
        "取り急ぎご連絡まで。",
        "Thanks a lot!! Everything works again.",
    ],
)
def test_unrelated_uses_of_alarming_words_are_calm(text):
    assert assess(text).mood == "calm", cues_in(text)


# --- only the customer's own words --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, that fixed it. Please close the ticket.\n\n"
        "On Tue, 4 Nov 2026 at 09:12, Support <support@example.com> wrote:\n"
        "> We restarted the workers.\n>> This is unacceptable!! Our site is down. Fix it NOW!\n",
        "Thanks, all good now.\n\n-----Original Message-----\nFrom: Ann\nSent: Monday\n"
        "To: IT\nSubject: help\n\nURGENT!!! Nothing works, we are losing money!\n",
        "ご対応ありがとうございました。\n\n"
        "2026年11月5日(水) 10:12 サポート <support@example.com>:\n"
        "> 復旧いたしました。\n>> いつになったら直るのでしょうか。誠に遺憾です！！\n",
        "承知しました。\n\n2026年11月18日 10:05、伊藤様は書きました：\n"
        "＞ 至急！！業務が止まっています！\n",
        "Please add the DNS record.\n\n-- \nAcme Corp | 24/7 emergency line: URGENT issues only\n",
    ],
)
def test_quoted_mail_and_signatures_are_ignored(text):
    result = assess(text)
    assert result.mood == "calm", result.cues


def test_pasted_logs_in_capitals_are_calm():
    text = (
        "Our backup logged this, it finished on retry:\n\n"
        "2026-11-03 02:00:01 ERROR backup: connection reset by peer\n"
        "FATAL: could not write block 1234\n"
        "The FATAL and ERROR lines are from the first try. Could you check your side?\n"
    )
    assert assess(text).mood == "calm"


# --- polite anger in Japanese ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "先週から何の連絡もありません。大変困っております。",
        "三日経ちますが、いつになったら直るのでしょうか。",
        "同じ障害がまた起きました。誠に遺憾です。",
        "以前も同じ障害がありました。どうなっているのでしょうか。",
        "原因は弊社にあると言われましたが、納得できません。",
        "今月二度目の障害です。原因についてご説明いただけますでしょうか。",
    ],
)
def test_polite_japanese_can_be_upset(text):
    assert assess(text).mood == "upset", assess(text).cues


def test_a_request_for_an_explanation_alone_is_calm():
    assert assess("プランの違いについてご説明いただけますでしょうか。").mood == "calm"


def test_japanese_words_match_in_any_inflection():
    for text in ("大変困っております。", "大変困っています。", "大変困った。"):
        assert any(c.text.startswith("大変困") for c in cues_in(text)), text
    assert any(c.kind == "outage" for c in cues_in("業務が完全に止まっています。"))
    assert any(c.kind == "outage" for c in cues_in("業務が止まって困っています。"))


def test_a_japanese_mail_saying_asap_counts_it():
    assert "urgent-request" in [
        c.reason for c in cues_in("サイトが表示されません。ASAPでお願いします")
    ]


# --- emphasis ------------------------------------------------------------------------------


def test_acronyms_and_codes_are_not_shouting():
    text = "Our VPN, DNS and SSL settings for the ERP over HTTP and HTTP2 look odd, ERR_TIMEOUT."
    assert "shouting" not in [c.reason for c in cues_in(text)]


def test_capitals_are_shouting_and_strengthen_a_cue_in_capitals():
    shouting = [c for c in cues_in("THIS IS RIDICULOUS, fix it") if c.reason == "shouting"]
    assert [c.text for c in shouting] == ["THIS"]
    assert (
        assess("This is ridiculous.").scores["upset"]
        < assess("This is RIDICULOUS.").scores["upset"]
    )
    assert assess("THIS IS UNACCEPTABLE!!").mood == "upset"


def test_emphasis_alone_does_not_make_a_mood():
    assert assess("Thanks!! It works?!").mood == "calm"
    loud = assess("Our site is down!! Please help?!")
    assert {"exclamation"} <= set(c.reason for c in loud.cues)


# --- follow-ups ------------------------------------------------------------------------------


def test_follow_ups_are_a_cue_without_a_span():
    text = "Could you check the DNS record for our domain?"
    assert "follow-ups" not in _reasons(text, follow_ups=1)
    result = assess(text, follow_ups=2)
    assert result.mood == "concerned"
    cue = result.cues[-1]
    assert (cue.text, cue.start, cue.end, cue.kind, cue.reason) == (
        "",
        0,
        0,
        "follow-ups",
        "follow-ups",
    )
    assert result.to_dict()["cues"][-1] == {"text": "", "start": 0, "end": 0}
    assert assess(text, follow_ups=4).mood == "upset"


# --- offsets ---------------------------------------------------------------------------------


def test_offsets_point_at_the_cue_in_any_text():
    text = (
        "😀🙏 お世話になっております。\ud800\n"
        "ＵＲＧＥＮＴ！！サーバーが止まっています。至急対応してください！\udfff\n"
        "👨‍👩‍👧 This is the THIRD time, unacceptable!! 🤬 ＡＳＡＰ please.\n"
    )
    result = assess(text)
    assert result.mood in ("upset", "panicking")
    assert len(result.cues) >= 5
    for cue in result.cues:
        assert text[cue.start : cue.end] == cue.text, cue
    json.dumps(result.to_dict())  # lone surrogates are escaped by the json module


def test_lang_is_detected_or_taken_as_given():
    assert assess("サーバーが止まっています").lang == "ja"
    assert assess("The server is down").lang == "en"
    assert assess("The server is down", lang="ja").lang == "ja"
    assert assess("", lang="en").lang == "en"


def test_an_outage_that_might_happen_is_a_worry():
    for text in (
        "If we lose power before the battery is replaced, will the servers go down?",
        "停電した場合、サーバーは止まってしまうのでしょうか。",
    ):
        result = assess(text)
        assert result.mood == "concerned", result.cues
        assert "outage" not in [c.kind for c in result.cues]
    assert any(c.kind == "outage" for c in cues_in("ドメインが乗っ取られたかもしれません。"))


def test_a_japanese_phrase_may_end_before_a_digit():
    reasons = [c.reason for c in cues_in("30人しかいないのに50ライセンス分請求されています。")]
    assert "dissatisfied" in reasons
