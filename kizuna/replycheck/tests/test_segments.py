"""Quoted mail, signatures and code or log excerpts are not checked; offsets stay true."""

from kizuna.replycheck import check
from kizuna.replycheck.segments import mask_unchecked


def _unchecked(text: str, fragment: str) -> bool:
    start = text.index(fragment)
    return not mask_unchecked(text)[start : start + len(fragment)].strip()


def test_it_keeps_the_length_and_newlines():
    text = "Hello\n> quoted URGENT!!!\n-- \nTaro\n"
    masked = mask_unchecked(text)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"
    ]


def test_it_skips_quoted_lines_and_on_wrote_blocks():
    text = (
        "Thank you, we are looking into it.\n\n"
        "On Mon, 3 Jun 2024 at 10:00, Taro Yamada <taro@example.jp> wrote:\n"
        "> Everything is broken!!! This is a disaster.\n"
    )
    assert _unchecked(text, "Everything is broken!!!")
    assert _unchecked(text, "On Mon, 3 Jun")
    assert not any(f.category == "alarm" for f in check(text).findings)


def test_it_skips_everything_after_an_unquoted_on_wrote_header():
    text = "Noted.\n\nOn Tue, 4 Jun 2024, Ann <ann@example.com> wrote:\nURGENT!!! fix it now\n"
    assert _unchecked(text, "URGENT!!! fix it now")


def test_it_skips_japanese_quote_headers_and_original_message_blocks():
    text = (
        "承知いたしました。\n\n"
        "2024年6月3日(月) 10:15 山田太郎 <taro@example.jp>:\n"
        "大変です！！サーバーが止まりました\n"
    )
    assert _unchecked(text, "大変です！！")
    text = "確認します。\n\n-----Original Message-----\nFrom: a@example.jp\n大変です！！\n"
    assert _unchecked(text, "大変です！！")
    text = "確認します。\n\n佐藤さんは書きました:\n> 大変です！！\n"
    assert _unchecked(text, "大変です！！")


def test_it_skips_signatures():
    text = "Regards,\n-- \nTaro Yamada\nURGENT support line: +81-3-0000-0000\n"
    assert _unchecked(text, "URGENT support line")
    text = (
        "よろしくお願いいたします。\n"
        "━━━━━━━━━━━━━━━━\n"
        "株式会社サンプルホスティング　サポートセンター\n"
        "TEL: 03-0000-0000\n"
        "━━━━━━━━━━━━━━━━\n"
    )
    assert _unchecked(text, "株式会社サンプルホスティング")


def test_it_keeps_a_section_divider_that_is_not_a_signature():
    text = "ご報告です。\n-----\n原因はディスクの故障でした。\n交換は本日中に完了します。\n"
    assert not _unchecked(text, "原因はディスクの故障でした。")


def test_it_skips_code_fences_indented_blocks_and_log_lines():
    text = (
        "Here is what the log shows:\n\n"
        "```\nERROR: disk full!!!\n```\n\n"
        "    $ df -h\n    /dev/sda1  100%\n\n"
        "2024-06-03 10:00:01 postfix/smtp[123]: status=bounced URGENT\n"
        "Jun  3 10:00:02 mail1 kernel: panic!!\n"
        "Traceback (most recent call last):\n"
        "$ systemctl restart postfix\n"
    )
    for fragment in (
        "disk full!!!",
        "/dev/sda1",
        "status=bounced",
        "panic!!",
        "Traceback",
        "systemctl",
    ):
        assert _unchecked(text, fragment), fragment
    assert not _unchecked(text, "Here is what the log shows")


def test_it_reports_offsets_into_the_original_text():
    text = "> quoted line\n\nAs I already told you, it is fine."
    finding = next(f for f in check(text).findings if f.rule == "en.blame.told-you")
    assert text[finding.start : finding.end] == finding.text == "As I already told you"


def test_it_skips_urls_and_addresses():
    text = "Please open https://example.com/URGENT-NOTICE-TODAY and write to dns@example.com."
    assert _unchecked(text, "https://example.com/URGENT-NOTICE-TODAY")
    assert not check(text).findings
