"""Headers as old and broken clients write them: undeclared legacy charsets, and header
blocks a strict parser would cut short."""

from __future__ import annotations

import pytest

from kizuna.mail.charsets import decode_bytes
from kizuna.mail.ingest import ingest_raw, scan_headers
from kizuna.mail.models import InboundMail
from kizuna.mail.parsing import parse_message
from kizuna.mail.tests.corpus import b_word, iso2022jp
from kizuna.test import BaseTestCase

# (text, how the sender's client wrote it)
SUBJECTS = [
    ("来週の定期メンテナンスについて", "cp932"),
    ("髙橋様①の請求書について", "cp932"),
    ("障害報告", "cp932"),
    ("ファイアウォールの設定変更", "euc-jp"),
    ("年末年始休業案内", "euc-jp"),
    ("請求書の再発行をお願いします", "iso-2022-jp"),
    ("服务器无法登录，请帮忙处理", "gbk"),
    ("数据库备份出现异常", "gb2312"),
    ("系统升级通知", "gbk"),
    ("伺服器無法連線，請協助處理", "big5"),
    ("防火牆規則變更", "big5"),
    ("帳號被鎖定了", "big5"),
]


NAMES = {"cp932": "担当者", "euc-jp": "担当者", "iso-2022-jp": "担当者", "gbk": "王经理",
         "gb2312": "王经理", "big5": "王經理"}  # fmt: skip


def _encode(text: str, charset: str) -> bytes:
    return iso2022jp(text) if charset == "iso-2022-jp" else text.encode(charset)


@pytest.mark.parametrize("text, charset", SUBJECTS, ids=[f"{c}-{t}" for t, c in SUBJECTS])
def test_an_undeclared_8bit_subject_is_decoded_by_detection(text: str, charset: str):
    # Neither the header nor the body says which charset this is.
    raw = (
        b"From: " + _encode(NAMES[charset], charset) + b" <ops@client.example>\r\n"
        b"Subject: " + _encode(text, charset) + b"\r\n"
        b"Content-Type: text/plain\r\n\r\nsee subject\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == text
    assert parsed.from_address == "ops@client.example"


@pytest.mark.parametrize("text, charset", SUBJECTS, ids=[f"{c}-{t}" for t, c in SUBJECTS])
def test_undeclared_legacy_bytes_are_not_read_as_another_charset(text: str, charset: str):
    assert decode_bytes(_encode(text, charset))[0] == text


def test_a_raw_header_is_read_in_the_charset_the_body_declares():
    # Two characters whose bytes mean different things in GBK and EUC-JP: only the body's
    # label can tell.
    raw = (
        b"From: a@client.example\r\nSubject: " + "山田".encode("gbk") + b"\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + "你好".encode("gbk") + b"\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "山田"
    assert any("body's charset" in d for d in parsed.defects)


def test_western_8bit_text_is_still_read_as_western():
    assert decode_bytes("Grüße aus München".encode("cp1252"))[0] == "Grüße aus München"


BROKEN_BLOCKS = {
    "unindented continuation": (
        b"Message-ID: <cont@client.example>\r\n"
        b"Subject: "
        + b_word(iso2022jp("チケットの再発行"), "ISO-2022-JP")
        + b"\r\n"
        + b_word(iso2022jp("をお願い"), "ISO-2022-JP")
        + b"\r\n"
        b"From: Taro <taro@yamada.example.jp>\r\n"
        b"Date: Wed, 1 Apr 2026 09:00:00 +0900\r\n"
        b"\r\nbody text\r\n"
    ),
    "plain words continuing a header": (
        b"Subject: Printer on the third floor\r\n"
        b"still jams every morning\r\n"
        b"From: nancy@northwind.example\r\n"
        b"\r\nbody text\r\n"
    ),
    "text before the headers": (
        b"Forwarded by the old gateway\r\n"
        b"From: nancy@northwind.example\r\n"
        b"Subject: Printer on the third floor\r\n"
        b"\r\nbody text\r\n"
    ),
    "space before the colon": (
        b"Subject : Printer on the third floor\r\n"
        b"From : nancy@northwind.example\r\n"
        b"\r\nbody text\r\n"
    ),
    "encoded word alone before the body": (
        b"From: nancy@northwind.example\n"
        b"Subject: =?UTF-8?B?UHJpbnRlciBvbiB0aGUg?=\n"
        b"=?UTF-8?B?dGhpcmQgZmxvb3I=?=\n"
        b"\nbody text\n"
    ),
}


@pytest.mark.parametrize("raw", BROKEN_BLOCKS.values(), ids=BROKEN_BLOCKS.keys())
def test_a_broken_header_block_keeps_subject_and_from(raw: bytes):
    parsed = parse_message(raw)
    assert parsed.from_address in ("taro@yamada.example.jp", "nancy@northwind.example")
    assert parsed.subject.replace(" ", "") in (
        "チケットの再発行をお願い", "Printeronthethirdfloor", "Printeronthethirdfloorstilljamseverymorning"
    )  # fmt: skip
    assert parsed.text.strip() == "body text"
    assert parsed.defects


def test_a_body_without_a_blank_line_after_the_headers_stays_body():
    parsed = parse_message(
        b"From: nancy@northwind.example\nSubject: hello\nThe VPN is down.\nNote: urgent\n"
    )
    assert parsed.subject == "hello"
    assert "The VPN is down." in parsed.text


class BrokenHeaderIngestTests(BaseTestCase):
    def test_a_broken_header_block_opens_a_ticket_and_keeps_the_raw_bytes(self):
        raw = BROKEN_BLOCKS["plain words continuing a header"].replace(
            b"nancy@northwind.example", b"taro@yamada.example.jp"
        )
        result = ingest_raw(raw, source="test")
        self.assertEqual(result.outcome, "created", result.reason)
        self.assertEqual(bytes(InboundMail.objects.get().raw), raw)

    def test_the_message_id_after_a_broken_line_is_the_dedupe_key(self):
        raw = BROKEN_BLOCKS["unindented continuation"]
        self.assertEqual(scan_headers(raw).dedupe_key, "mid:<cont@client.example>")
