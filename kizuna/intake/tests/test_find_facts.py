"""find_facts: which of P9's facts a first request gives, and the words that give them."""

import time

import pytest

from kizuna.intake import FACTS, FORM_FIELD_FACTS, Cue, find_facts


def given(text: str, **kwargs) -> dict[str, list[str]]:
    return {f: [c.text for c in cues] for f, cues in find_facts(text, **kwargs).given.items()}


def assert_offsets(text: str) -> None:
    for cues in find_facts(text).given.values():
        for cue in cues:
            assert text[cue.start : cue.end] == cue.text


def test_it_works():
    text = (
        "今朝9時頃から、営業部の全員がメールを受信できません。"
        "Outlookを再起動してみましたが直りません。本日中に復旧をお願いします。"
    )
    result = find_facts(text)
    assert result.lang == "ja"
    assert list(result.given) == list(FACTS)
    assert result.missing == []
    assert_offsets(text)


def test_it_says_what_is_missing_in_fact_order():
    result = find_facts("Our website is down.")
    assert result.lang == "en"
    assert list(result.given) == ["symptom"]
    assert result.missing == ["impact", "urgency", "since", "tried", "environment"]
    assert result.given["symptom"] == [Cue("symptom", "is down", 12, 19)]


def test_empty_text_gives_nothing():
    for text in ("", "   \n\n", "> only a quote\n"):
        result = find_facts(text)
        assert result.given == {}
        assert result.missing == list(FACTS)


def test_to_dict_has_the_documented_shape():
    assert find_facts("VPN keeps disconnecting every 10 minutes.").to_dict() == {
        "lang": "en",
        "given": {
            "symptom": [{"text": "keeps disconnecting", "start": 4, "end": 23}],
            "since": [{"text": "every 10 minutes", "start": 24, "end": 40}],
        },
        "missing": ["impact", "urgency", "tried", "environment"],
    }


@pytest.mark.parametrize(
    "text",
    [
        "再起動しました。",
        "再起動してみたけど駄目だった。",
        "ルーターは再起動済みです。",
        "再起動を何度も行いましたが変わりません。",
        "パソコンを立ち上げ直しても同じです。",
        "設定を入れ直しました。",
    ],
)
def test_inflected_japanese_counts_through_the_analyser(text):
    assert "tried" in given(text, lang="ja")


def test_japanese_requests_to_us_are_not_something_tried():
    assert "tried" not in given("再起動していただけますか。", lang="ja")
    assert "tried" not in given("確認をお願いします。", lang="ja")
    assert "tried" not in given("お試しください。", lang="ja")


def test_having_tried_nothing_answers_tried():
    assert "tried" in given("We have not tried anything yet.")
    assert "tried" in given("Haven't done anything about it so far.")
    assert "tried" in given("まだ何も試していません。")
    assert "tried" in given("特に何もしていません。")


def test_not_knowing_since_when_does_not_give_since():
    assert "since" not in given("I don't know since when, the site is just slow.")
    assert "since" not in given("Not sure when it started.")
    assert "since" not in given("いつからかは分かりません。")
    assert "since" in given("It started last week, I'm not sure which day.")


def test_not_knowing_the_version_is_not_the_environment():
    assert "environment" not in given("バージョンは分かりません。")
    assert "environment" in given("I'm not sure which version of Outlook we have.")


def test_quoted_mail_is_ignored():
    text = (
        "Thanks, that worked for the first mailbox.\n\n"
        "On Tue, Nov 17, 2026 at 6:00 PM Support <support@example.com> wrote:\n"
        "> Since yesterday our server web01 is down. URGENT!\n"
        "> We restarted it twice on Windows 11.\n"
    )
    assert given(text) == {}
    ja = (
        "ご連絡ありがとうございます。\n\n"
        "＞ 昨日からサーバーが落ちています。至急対応をお願いします。\n"
        "＞ 再起動はしました。\n"
    )
    assert given(ja) == {}


def test_a_forwarded_message_is_ignored():
    text = (
        "Please see below.\n\n"
        "-----Original Message-----\n"
        "From: Support\nSent: Monday\nTo: Us\nSubject: Maintenance\n\n"
        "During maintenance on Friday mail is unavailable. Urgent issues: call us.\n"
    )
    assert given(text) == {}


def test_signatures_are_not_the_environment():
    en = (
        "Our booking page shows a blank screen.\n\n"
        "Best regards,\n"
        "Emi Kobayashi\n"
        "Kobayashi Dental Clinic\n"
        "2-4-1 Nishi-Shinjuku, Tokyo\n"
        "Phone: 03-5555-0100\n"
        "www.kobayashi-dental.jp\n"
    )
    assert list(given(en)) == ["symptom"]
    ja = (
        "ホームページが表示されません。\n\n"
        "━━━━━━━━━━━━━━━━━━\n"
        "株式会社ヒカリ物産　総務部\n"
        "TEL: 03-1234-5678\n"
        "https://www.hikari-bussan.co.jp/\n"
        "━━━━━━━━━━━━━━━━━━\n"
    )
    assert list(given(ja)) == ["symptom"]
    no_closing = "Mail to Gmail bounces.\n\nJohn Smith\nAcme Ltd.\n+44 20 7946 0000\n"
    assert list(given(no_closing)) == ["symptom"]


def test_a_sent_from_footer_is_not_the_environment():
    assert "environment" not in given("The contact form sends nothing.\n\nSent from my iPhone\n")
    assert "environment" not in given("フォームから送信できません。\n\niPhoneから送信\n")


def test_a_signature_line_in_the_middle_of_a_message_stays():
    text = "My phone shows an error.\nTel: I tried again.\nThanks"
    assert "symptom" in given(text)


def test_answered_facts_count_as_given_without_a_cue():
    result = find_facts("Website down???", answered=["impact", "urgency"])
    assert result.given == {
        "impact": [],
        "urgency": [],
        "symptom": [Cue("symptom", "down", 8, 12)],
    }
    assert result.missing == ["since", "tried", "environment"]
    everything = find_facts("", answered=FACTS)
    assert everything.missing == []
    assert set(FORM_FIELD_FACTS.values()) <= set(FACTS)


def test_answered_cues_are_kept_when_the_text_gives_them_too():
    result = find_facts("Urgent: the VPN is down.", answered=["urgency"])
    assert [c.text for c in result.given["urgency"]] == ["Urgent"]


def test_full_width_digits_count():
    assert given("１０時頃からつながりません。")["since"] == ["１０時頃から"]
    assert given("３日前からメールが届きません。")["since"] == ["３日前から"]
    assert "impact" in given("社員５０名が使えません。")
    assert "environment" in given("ＷｉｎｄｏｗｓのＰＣで起きます。")


def test_offsets_point_into_the_text_with_emoji_and_lone_surrogates():
    text = "Hi 👋 our chat bot stopped posting 😢 around 3pm. Restarting it didn't help 🙏"
    result = find_facts(text)
    assert_offsets(text)
    assert [c.text for c in result.given["since"]] == ["around 3pm"]
    ja = "🙇‍♂️\ud800 昨日から😢メールが届きません。再起動しても直りません🙏"
    result = find_facts(ja)
    assert_offsets(ja)
    assert {"symptom", "since", "tried"} <= set(result.given)
    since = result.given["since"][0]
    assert ja[since.start : since.end] == "昨日から"


def test_the_language_can_be_given():
    assert find_facts("Windows 11", lang="ja").lang == "ja"
    assert find_facts("昨日から", lang="en").lang == "en"


def test_it_rejects_bad_arguments():
    with pytest.raises(ValueError, match="lang must be one of"):
        find_facts("text", lang="fr")
    with pytest.raises(ValueError, match="unknown fact"):
        find_facts("text", answered=["mood"])
    with pytest.raises(TypeError):
        find_facts(b"bytes")
    with pytest.raises(TypeError):
        find_facts("text", answered="impact")


def test_a_japanese_request_with_an_english_error_message():
    text = "ブラウザで開くと「This site can't be reached」となります。"
    assert "symptom" in given(text)
    assert "symptom" in given("送信すると 550 5.1.1 User unknown が返ってきます。")


HOSTILE = {
    "one letter": "a" * 100_000,
    "dotted host": "a." * 49_999 + "com",
    "digits and dots": "1." * 50_000,
    "quotes": "> quoted\n" * 11_000,
    "kanji": "障" * 100_000,
    "japanese sentences": "昨日から再起動しても繋がりません。" * 6_000,
    "english sentences": "since yesterday we restarted but it keeps failing on Windows 11. "
    * 1_600,
    "brackets": "「" * 100_000,
    "particles": "までのから" * 20_000,
    "closings": "Regards,\n" * 12_000,
    "spaces": " " * 100_000,
    "a heading and spaces": "Environment" + " " * 100_000,
    "a japanese heading and spaces": "【環境】" + " " * 100_000,
    "a phone label and spaces": "TEL" + " " * 100_000,
    "a closing and spaces": "Regards" + " " * 100_000 + "x",
    "at signs": "a@" * 50_000,
    "emoji": "😢" * 100_000,
    "surrogates": "\ud800" * 100_000,
}


@pytest.mark.xdist_group("timing-and-processes")
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_100000_character_request_is_read_in_reasonable_time(name):
    text = HOSTILE[name][:100_000]
    started = time.perf_counter()
    result = find_facts(text)
    # Linear work takes about a second here; a quadratic pattern takes minutes.
    assert time.perf_counter() - started < 15
    assert set(result.given) | set(result.missing) == set(FACTS)
