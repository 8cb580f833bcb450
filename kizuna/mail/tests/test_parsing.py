"""parse_message: every corpus message read as a person would read it, and no input crashes it."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from kizuna.mail.parsing import ParsedMail, normalize_message_id, parse_message
from kizuna.mail.tests.corpus import CORPUS, FIXTURES, WINDOWS_PATH, Case, iso2022jp

ALL = CORPUS + FIXTURES


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_it_reads_the_headers_of_every_corpus_message(case: Case):
    parsed = parse_message(case.raw)
    assert parsed.subject == case.subject
    assert parsed.from_address == case.from_address
    assert parsed.from_name == case.from_name
    assert parsed.message_id == case.message_id
    if case.in_reply_to:
        assert parsed.in_reply_to == case.in_reply_to
    if case.references:
        assert parsed.references == case.references
    if case.date:
        assert parsed.date == case.date


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_it_reads_the_body_of_every_corpus_message(case: Case):
    parsed = parse_message(case.raw)
    for fragment in case.body:
        assert fragment in parsed.text
    for fragment in case.not_in_body:
        assert fragment not in parsed.text
    for fragment in case.html:
        assert fragment in parsed.html
    for fragment in case.not_in_html:
        assert fragment not in parsed.html
    assert "\ufffd" not in parsed.text + parsed.subject + parsed.from_name


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_it_keeps_every_attachment_of_every_corpus_message(case: Case):
    parsed = parse_message(case.raw)
    found = [(a.name, a.content_type) for a in parsed.attachments]
    assert found == [(name, ctype) for name, ctype, _ in case.attachments]
    for attachment, (_, _, size) in zip(parsed.attachments, case.attachments, strict=True):
        assert attachment.name
        if size >= 0:
            assert len(attachment.data) == size
    assert [a.content_id for a in parsed.attachments if a.inline and a.content_id] == case.inline


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_it_classifies_every_corpus_message(case: Case):
    parsed = parse_message(case.raw)
    assert parsed.auto_reason == case.auto_reason
    assert parsed.is_bounce == case.is_bounce


def test_it_keeps_the_vendor_characters_of_outlook_iso_2022_jp():
    parsed = parse_message(_by_name("fixture-outlook-iso2022jp").raw)
    assert "①" in parsed.subject and "㈱" in parsed.subject and "髙" in parsed.subject
    assert "㈱山田商事の髙橋です。" in parsed.text
    assert parsed.date == datetime(2026, 11, 24, 1, 2, 5, tzinfo=UTC)


def test_it_keeps_a_windows_path_byte_for_byte():
    parsed = parse_message(_by_name("fixture-utf8-windows-path").raw)
    assert "次のフォルダーに保存できません。\nC:\\Users\\yamada\\new_folder\n" in parsed.text
    assert "\r" not in parsed.text


def test_it_keeps_trailing_spaces_inside_the_text():
    parsed = parse_message(_by_name("utf8-path").raw)
    assert "line with trailing spaces   \nend" in parsed.text
    assert WINDOWS_PATH in parsed.text


def test_it_reads_shift_jis_as_cp932():
    parsed = parse_message(_by_name("fixture-sjis-cp932").raw)
    assert parsed.subject == "Ｗｅｂサイト表示不具合～①②"
    assert "髙島屋の件です。" in parsed.text
    assert parsed.defects == []


def test_it_says_how_it_repaired_a_mislabelled_charset():
    parsed = parse_message(_by_name("fixture-mislabelled").raw)
    assert "中身はUTF-8です。" in parsed.text
    assert any("iso-8859-1" in defect and "utf-8" in defect for defect in parsed.defects)


def test_it_sanitises_html_and_drops_remote_images():
    parsed = parse_message(_by_name("fixture-html-script").raw)
    assert "<script" not in parsed.html
    assert "onload" not in parsed.html
    assert "pixel.gif" not in parsed.html
    assert 'href="https://phish.example/login"' in parsed.html
    assert "document.cookie" not in parsed.text


def test_it_appends_a_forwarded_message_and_keeps_it_whole():
    parsed = parse_message(_by_name("fixture-forwarded").raw)
    (attachment,) = parsed.attachments
    assert attachment.name == "forwarded.eml"
    inner = parse_message(attachment.data)
    assert inner.message_id == "<maint.99@vendor.example.jp>"
    assert inner.subject == "保守契約の更新について"
    assert parsed.text.index("転送します。") < parsed.text.index("保守契約は12月末で満了します。")
    assert "Subject: 保守契約の更新について" in parsed.text


def test_the_files_of_a_forwarded_message_can_be_opened_one_by_one():
    inner = EmailMessage()
    inner["From"] = "部長 <bucho@yamada.example.jp>"
    inner["Subject"] = "見積書"
    inner.set_content("見積書を添付します。")
    inner.add_attachment(b"%PDF-1.7 quote", maintype="application", subtype="pdf",
                         filename="見積書.pdf")  # fmt: skip
    outer = EmailMessage()
    outer["From"] = "taro@yamada.example.jp"
    outer["Subject"] = "Fwd: 見積書"
    outer.set_content("部長から届いた見積書を転送します。")
    outer.add_attachment(inner)
    parsed = parse_message(bytes(outer))
    names = [a.name for a in parsed.attachments]
    assert names == ["forwarded.eml", "見積書.pdf"]
    assert parsed.attachments[1].data == b"%PDF-1.7 quote"
    assert "見積書を添付します。" in parsed.text


def test_it_decodes_an_iso_2022_jp_file_name_in_rfc_2047():
    parsed = parse_message(_by_name("rfc2047-filename").raw)
    assert [a.name for a in parsed.attachments] == ["請求書①.pdf", "売上.csv"]


def test_it_recovers_a_character_split_between_two_encoded_words():
    jis = iso2022jp("①番の件")
    raw = (b"Subject: =?ISO-2022-JP?B?" + base64.b64encode(jis[:4]) + b"?= =?ISO-2022-JP?B?"
           + base64.b64encode(jis[4:]) + b"?=\r\n\r\nx")  # fmt: skip
    assert parse_message(raw).subject == "①番の件"


def test_it_decodes_subjects_with_unknown_charset_aliases():
    for label in ("x-sjis", "shift-jis", "ms932", "sjis", "windows-31j"):
        raw = b"Subject: =?" + label.encode() + b"?B?" + base64.b64encode("件名".encode("cp932"))
        assert parse_message(raw + b"?=\r\n\r\n").subject == "件名", label
    for label in ("cp50220", "iso-2022-jp-ms", "CP50221"):
        raw = b"Subject: =?" + label.encode() + b"?B?" + base64.b64encode(iso2022jp("㈱件名"))
        assert parse_message(raw + b"?=\r\n\r\n").subject == "㈱件名", label


def test_it_reads_raw_shift_jis_in_a_header_without_encoded_words():
    raw = b"From: " + "山田".encode("cp932") + b" <a@b.example>\r\nSubject: " + "障害".encode(
        "cp932") + b"\r\n\r\nbody"  # fmt: skip
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.from_name, parsed.from_address) == (
        "障害",
        "山田",
        "a@b.example",
    )


def test_it_turns_a_message_id_into_one_comparable_form():
    assert normalize_message_id("  <Abc.DEF@Example.com> (comment)") == "<Abc.DEF@Example.com>"
    assert normalize_message_id("abc@example.com") == "<abc@example.com>"
    assert normalize_message_id("<abc\r\n @example.com>") == "<abc@example.com>"
    assert normalize_message_id("") == ""
    assert normalize_message_id("<>") == ""
    assert normalize_message_id("no id here") == ""


def test_it_lists_addresses_in_lower_case():
    raw = (b"From: Taro <Taro@Yamada.Example.JP>\r\nTo: A <A@X.example>, b@Y.example\r\n"
           b"Cc: =?UTF-8?B?5L2Q6Jek?= <Sato@Kizuna.Example>\r\nReply-To: <Desk@Yamada.Example.JP>"
           b"\r\n\r\nx")  # fmt: skip
    parsed = parse_message(raw)
    assert parsed.to == ["a@x.example", "b@y.example"]
    assert parsed.cc == ["sato@kizuna.example"]
    assert parsed.reply_to == "desk@yamada.example.jp"


def test_it_returns_nothing_rather_than_a_wrong_sender():
    parsed = parse_message(b"From: not an address\r\nDate: yesterday\r\n\r\nbody")
    assert parsed.from_address == ""
    assert parsed.date is None
    assert parsed.text == "body"


def test_it_reads_dates_as_aware_datetimes():
    parsed = parse_message(b"Date: Tue, 24 Nov 2026 10:00:00 -0000\r\n\r\nx")
    assert parsed.date == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"\x00" * 10,
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Subject: =?utf-8?B?####?=\r\n\r\n",
        b"Subject: =?unknown?Q?abc?=\r\nContent-Type: text/plain; charset=bogus\r\n\r\n\xff\xfe",
        b"Content-Type: text/plain; charset=\"\r\nContent-Disposition: attachment; filename*=''\r\n"
        b"\r\nx",
        b"From: <<<@@@>>>\r\nTo: ,,,\r\nMessage-ID: <<>>\r\n\r\n",
        b"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\n--a--",
    ],
    ids=range(10),
)
def test_it_never_raises_on_broken_input(raw: bytes):
    assert isinstance(parse_message(raw), ParsedMail)


def test_it_never_raises_on_random_garbage_or_truncated_corpus_messages():
    rng = random.Random(20261124)
    for _ in range(200):
        garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
        assert isinstance(parse_message(garbage), ParsedMail)
    for case in ALL:
        for cut in sorted({rng.randrange(len(case.raw) + 1) for _ in range(8)}):
            parsed = parse_message(case.raw[:cut])
            assert isinstance(parsed, ParsedMail)
            assert "\x00" not in parsed.text


def test_it_survives_deeply_nested_mime():
    raw = (
        b"".join(
            f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
            for i in range(200)
        )
        + b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    )
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMail)
    assert parsed.defects


def _by_name(name: str) -> Case:
    return next(case for case in ALL if case.name == name)
