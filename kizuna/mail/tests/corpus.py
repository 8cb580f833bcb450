"""A corpus of raw email as real clients send it, each with what parsing must find in it.

Every charset, shape and loop case the email channel handles is here, built with the ``email``
package or byte by byte where real clients break the rules. ``CORPUS`` lists them all; the
hand-written files under ``fixtures/`` (``FIXTURES``) are what real mail clients produce.

Senders are the shared test personas (``taro@yamada.example.jp`` of 山田商事,
``nancy@northwind.example`` of Northwind) or strangers, and every message is addressed to
``SUPPORT_ADDRESS``, so the pipeline tests can route the corpus as it is.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

SUPPORT_ADDRESS = "support@kizuna.example"
TARO = "taro@yamada.example.jp"
NANCY = "nancy@northwind.example"
FIXTURES_DIR = Path(__file__).parent / "fixtures"
WINDOWS_PATH = "C:\\Users\\yamada\\new_folder"
BASE_DATE = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@dataclass
class Case:
    """A raw message and what parsing must find in it."""

    name: str
    raw: bytes
    subject: str
    from_address: str
    from_name: str = ""
    message_id: str = ""
    body: list[str] = field(default_factory=list)  # fragments the text must contain, exactly
    not_in_body: list[str] = field(default_factory=list)  # what must not show up in the text
    html: list[str] = field(default_factory=list)  # fragments the sanitised HTML must contain
    not_in_html: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, int]] = field(default_factory=list)  # name, type, size
    inline: list[str] = field(default_factory=list)  # content ids of inline parts that have one
    auto_reason: str = ""  # expected ParsedMail.auto_reason ("" for a person's message)
    is_bounce: bool = False
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: datetime | None = None

    @property
    def is_auto(self) -> bool:
        return bool(self.auto_reason)


# --- encoders for legacy Japanese mail --------------------------------------------------------


def _ibm_to_nec() -> dict[bytes, bytes]:
    # CP932 encodes the IBM kanji (髙, 﨑) in rows 0xFA-0xFC, which ISO-2022-JP cannot carry;
    # Outlook sends their NEC-selected copies (rows 89-92) instead, and so do we.
    mapping = {}
    for lead in (0xED, 0xEE):
        for trail in range(0x40, 0xFD):
            nec = bytes((lead, trail))
            try:
                ibm = nec.decode("cp932").encode("cp932")
            except UnicodeError:
                continue
            if ibm != nec:
                mapping[ibm] = nec
    return mapping


_IBM_TO_NEC = _ibm_to_nec()


def _sjis_to_jis(pair: bytes) -> bytes:
    s1, s2 = pair
    s1 -= 0xC1 if s1 >= 0xE0 else 0x81
    j1 = s1 * 2 + 0x21
    if s2 >= 0x9F:
        return bytes((j1 + 1, s2 - 0x7E))
    return bytes((j1, s2 - 0x1F - (1 if s2 >= 0x80 else 0)))


def iso2022jp(text: str) -> bytes:
    """Encode as Outlook's ISO-2022-JP (CP50221): NEC and IBM extensions inside ESC $ B."""
    out = bytearray()
    jis = False
    for ch in text:
        if ord(ch) < 0x80:
            if jis:
                out += b"\x1b(B"
                jis = False
            out += ch.encode("ascii")
            continue
        sjis = ch.encode("cp932")
        sjis = _IBM_TO_NEC.get(sjis, sjis)
        if not jis:
            out += b"\x1b$B"
            jis = True
        out += _sjis_to_jis(sjis)
    if jis:
        out += b"\x1b(B"
    return bytes(out)


def b_word(data: bytes, charset: str) -> bytes:
    """One RFC 2047 "B" encoded word holding ``data`` as it is."""
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(data) + b"?="


def _headers(**headers: str | bytes) -> bytes:
    lines = []
    for name, value in headers.items():
        name = name.replace("_", "-")
        lines.append(
            name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        )
    return b"\r\n".join(lines) + b"\r\n"


def _date(minutes: int) -> str:
    return format_datetime(BASE_DATE + timedelta(minutes=minutes))


def _mid(name: str) -> str:
    return f"<{name}@corpus.kizuna.test>"


def _email(name: str, *, sender: str, subject: str, text: str | None = None,
           minutes: int = 0, **headers: str) -> EmailMessage:  # fmt: skip
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = SUPPORT_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = _date(minutes)
    msg["Message-ID"] = _mid(name)
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    if text is not None:
        msg.set_content(text)
    return msg


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- the cases -------------------------------------------------------------------------------


def _people() -> list[Case]:
    cases = []

    text = (
        f"ファイルを保存できません。\n保存先: {WINDOWS_PATH}\nline with trailing spaces   \nend\n"
    )
    msg = _email("utf8-path", sender=f"山田 太郎 <{TARO}>", subject="保存できない件", text=text)
    msg.replace_header("Content-Transfer-Encoding", "8bit")
    msg.set_payload(text.encode("utf-8"))  # 8-bit on the wire, as most clients send it
    cases.append(Case("utf8-path", msg.as_bytes(), "保存できない件", TARO, "山田 太郎",
                      _mid("utf8-path"), body=[WINDOWS_PATH, "line with trailing spaces   \nend"],
                      date=BASE_DATE))  # fmt: skip

    msg = _email(
        "utf8-base64",
        sender=f"Nancy Davolio <{NANCY}>",
        minutes=1,
        subject="VPN drops every 10 minutes — 至急",
        text="Hello,\n\nOur VPN drops.\n",
    )
    msg.set_content("Hello,\n\nOur VPN drops. 接続が切れます。\n", cte="base64")
    cases.append(Case("utf8-base64", msg.as_bytes(), "VPN drops every 10 minutes — 至急", NANCY,
                      "Nancy Davolio", _mid("utf8-base64"),
                      body=["Our VPN drops. 接続が切れます。"]))  # fmt: skip

    msg = _email("utf8-qp", sender=f"Nancy Davolio <{NANCY}>", minutes=2,
                 subject="Printer offline", text="")  # fmt: skip
    msg.set_content("The printer on floor 3 is offline = not reachable.\nプリンターが見えません。\n"
                    + "A long line " * 12 + "\n", cte="quoted-printable")  # fmt: skip
    cases.append(Case("utf8-qp", msg.as_bytes(), "Printer offline", NANCY, "Nancy Davolio",
                      _mid("utf8-qp"), body=["offline = not reachable.\nプリンターが見えません。",
                                             "A long line A long line"]))  # fmt: skip

    subject = "①サーバー停止のお知らせ ㈱山田商事 髙橋"
    body = "お世話になっております。㈱山田商事の髙橋です。\n①メールが送れません\n②Webも見えません\n"
    raw = _headers(
        From=b_word(iso2022jp("髙橋 一郎"), "ISO-2022-JP") + f" <{TARO}>".encode(),
        To=SUPPORT_ADDRESS, Subject=b_word(iso2022jp(subject), "ISO-2022-JP"),
        Date=_date(3), Message_ID=_mid("iso2022jp-vendor"), MIME_Version="1.0",
        Content_Type='text/plain; charset="ISO-2022-JP"', Content_Transfer_Encoding="7bit",
    ) + b"\r\n" + iso2022jp(body).replace(b"\n", b"\r\n")  # fmt: skip
    cases.append(Case("iso2022jp-vendor", raw, subject, TARO, "髙橋 一郎",
                      _mid("iso2022jp-vendor"),
                      body=["㈱山田商事の髙橋です。\n①メールが送れません\n②Webも見えません"]))  # fmt: skip

    # A client that cut the ISO-2022-JP bytes in the middle of a character between two words.
    jis = iso2022jp("見積書の送付について")
    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS,
        Subject=b_word(jis[:9], "iso-2022-jp") + b"\r\n " + b_word(jis[9:], "iso-2022-jp"),
        Date=_date(4), Message_ID=_mid("iso2022jp-split-word"),
        Content_Type="text/plain; charset=iso-2022-jp",
    ) + b"\r\n" + iso2022jp("見積書を送ります。\n")  # fmt: skip
    cases.append(Case("iso2022jp-split-word", raw, "見積書の送付について", TARO, "",
                      _mid("iso2022jp-split-word"), body=["見積書を送ります。"]))  # fmt: skip

    body = "ﾊﾝｶｸｶﾀｶﾅの件です。"
    kana = b"\x1b(I" + bytes(b - 0x80 for b in "ﾊﾝｶｸｶﾀｶﾅ".encode("cp932")) + b"\x1b(B"
    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="hankaku", Date=_date(5),
        Message_ID=_mid("iso2022jp-halfwidth"), Content_Type="text/plain; charset=CP50221",
    ) + b"\r\n" + kana + iso2022jp("の件です。")  # fmt: skip
    cases.append(Case("iso2022jp-halfwidth", raw, "hankaku", TARO, "", _mid("iso2022jp-halfwidth"),
                      body=[body]))  # fmt: skip

    subject = "障害報告～①②③ ㈱テスト 髙島屋"
    body = "Shift_JISと名乗るCP932のメールです。～①㈱髙\r\n"
    raw = _headers(
        From=b_word("高島 花子".encode("cp932"), "Shift_JIS") + b" <hanako@takashima.example.jp>",
        To=SUPPORT_ADDRESS, Subject=b_word(subject.encode("cp932"), "Shift_JIS"), Date=_date(6),
        Message_ID=_mid("sjis-cp932"), MIME_Version="1.0",
        Content_Type="text/plain; charset=Shift_JIS", Content_Transfer_Encoding="8bit",
    ) + b"\r\n" + body.encode("cp932")  # fmt: skip
    cases.append(Case("sjis-cp932", raw, subject, "hanako@takashima.example.jp", "高島 花子",
                      _mid("sjis-cp932"), body=["CP932のメールです。～①㈱髙"]))  # fmt: skip

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS,
        Subject=b"=?x-sjis?B?" + base64.b64encode("別名の文字コード".encode("cp932")) + b"?=",
        Date=_date(7), Message_ID=_mid("sjis-alias"), Content_Type="text/plain; charset=ms932",
    ) + b"\r\n" + "ms932 と書かれた本文です。\r\n".encode("cp932")  # fmt: skip
    cases.append(Case("sjis-alias", raw, "別名の文字コード", TARO, "", _mid("sjis-alias"),
                      body=["ms932 と書かれた本文です。"]))  # fmt: skip

    raw = _headers(
        From=f"=?EUC-JP?B?{base64.b64encode('鈴木'.encode('euc_jp')).decode()}?= <suzuki@euc.example.jp>",
        To=SUPPORT_ADDRESS, Subject=b_word("EUC-JPのメール".encode("euc_jp"), "EUC-JP"),
        Date=_date(8), Message_ID=_mid("euc-jp"), Content_Type="text/plain; charset=EUC-JP",
        Content_Transfer_Encoding="8bit",
    ) + b"\r\n" + "UNIXのメーラーから送っています。\n".encode("euc_jp")  # fmt: skip
    cases.append(Case("euc-jp", raw, "EUC-JPのメール", "suzuki@euc.example.jp", "鈴木",
                      _mid("euc-jp"), body=["UNIXのメーラーから送っています。"]))  # fmt: skip

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="=?iso-8859-1?Q?mislabelled?=", Date=_date(9),
        Message_ID=_mid("mislabelled-latin1"), Content_Type="text/plain; charset=iso-8859-1",
        Content_Transfer_Encoding="8bit",
    ) + b"\r\n" + "実はUTF-8の日本語です。\n".encode()  # fmt: skip
    cases.append(Case("mislabelled-latin1", raw, "mislabelled", TARO, "",
                      _mid("mislabelled-latin1"), body=["実はUTF-8の日本語です。"],
                      not_in_body=["å"]))  # fmt: skip

    raw = _headers(
        From=b"\x8eR\x93c <yamada@nocharset.example.jp>".replace(b"\x8eR\x93c", "山田".encode("cp932")),
        To=SUPPORT_ADDRESS, Subject="文字コードの指定なし".encode("cp932"), Date=_date(10),
        Message_ID=_mid("missing-charset"), Content_Type="text/plain",
    ) + b"\r\n" + "charset のないメールです。\r\n".encode("cp932")  # fmt: skip
    cases.append(Case("missing-charset", raw, "文字コードの指定なし", "yamada@nocharset.example.jp",
                      "山田", _mid("missing-charset"), body=["charset のないメールです。"]))  # fmt: skip

    raw = _headers(
        From="佐々木 次郎 <jiro@raw.example.jp>".encode(), To=SUPPORT_ADDRESS,
        Subject="生のUTF-8ヘッダー".encode(), Date=_date(11), Message_ID=_mid("raw-utf8-header"),
        Content_Type="text/plain; charset=utf-8",
    ) + b"\r\n" + "本文\n".encode()  # fmt: skip
    cases.append(Case("raw-utf8-header", raw, "生のUTF-8ヘッダー", "jiro@raw.example.jp",
                      "佐々木 次郎", _mid("raw-utf8-header"), body=["本文"]))  # fmt: skip

    # Encoded words glued to text, inside quotes, in Q with underscores, and with an odd label.
    raw = _headers(
        From=b'"=?UTF-8?B?' + base64.b64encode("山田 太郎".encode()) + b'?=" <' + TARO.encode() + b">",
        To=SUPPORT_ADDRESS,
        Subject=b"Re:=?UTF-8?B?" + base64.b64encode("壊れた".encode()) + b"?==?UTF-8?Q?_=E4=BB=B6?="
        + b"name_" + b_word("と".encode("cp932"), "SJIS") + b" end",
        Date=_date(12), Message_ID=_mid("broken-rfc2047"), Content_Type="text/plain; charset=utf-8",
    ) + b"\r\nbody\r\n"  # fmt: skip
    cases.append(Case("broken-rfc2047", raw, "Re:壊れた 件name_と end", TARO, "山田 太郎",
                      _mid("broken-rfc2047"), body=["body"]))  # fmt: skip

    msg = _email("rfc2231-filename", sender=TARO, subject="ログを送ります", text="ログです。\n",
                 minutes=13)  # fmt: skip
    msg.add_attachment(b"2026-11-24 error\n" * 10, maintype="text", subtype="plain",
                       filename="障害ログ_2026年11月.txt")  # fmt: skip
    cases.append(Case("rfc2231-filename", msg.as_bytes(), "ログを送ります", TARO, "",
                      _mid("rfc2231-filename"), body=["ログです。"],
                      not_in_body=["2026-11-24 error"],
                      attachments=[("障害ログ_2026年11月.txt", "text/plain", 170)]))  # fmt: skip

    # RFC 2231 continuations written by hand, as Thunderbird splits long names.
    name = "非常に長いファイル名の見積書_2026年度_第3四半期.pdf".encode()
    quoted = "".join(f"%{b:02X}" for b in name)
    cont = ";\r\n ".join(f"filename*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{quoted[i * 60:(i + 1) * 60]}"
                         for i in range((len(quoted) + 59) // 60))  # fmt: skip
    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="continuations", Date=_date(14),
        Message_ID=_mid("rfc2231-continuations"), MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="b1"',
    ) + (b"\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "見積書です。".encode()
         + b"\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
         b"Content-Disposition: attachment;\r\n " + cont.encode() + b"\r\n\r\n"
         + base64.encodebytes(PDF) + b"--b1--\r\n")  # fmt: skip
    cases.append(Case("rfc2231-continuations", raw, "continuations", TARO, "",
                      _mid("rfc2231-continuations"), body=["見積書です。"],
                      attachments=[(name.decode(), "application/pdf", len(PDF))]))  # fmt: skip

    # Outlook and Becky put RFC 2047 words in name= and filename=, and some send raw bytes.
    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="rfc2047 and raw names", Date=_date(15),
        Message_ID=_mid("rfc2047-filename"), MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="=_b2"',
    ) + (b"\r\n--=_b2\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
         + iso2022jp("添付をご確認ください。") + b"\r\n"
         b"--=_b2\r\nContent-Type: application/pdf;\r\n name=\"" + b_word(iso2022jp("請求書①.pdf"), "ISO-2022-JP")
         + b"\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n filename=\""
         + b_word(iso2022jp("請求書①.pdf"), "ISO-2022-JP") + b"\"\r\n\r\n" + base64.encodebytes(PDF)
         + b"--=_b2\r\nContent-Type: text/csv; name=\"" + "売上.csv".encode("cp932")
         + b"\"\r\nContent-Disposition: attachment; filename=\"" + "売上.csv".encode("cp932")
         + b"\"\r\n\r\n" + "月,売上\r\n11,100\r\n".encode("cp932") + b"\r\n--=_b2--\r\n")  # fmt: skip
    csv_size = len("月,売上\r\n11,100\r\n".encode("cp932"))
    cases.append(Case("rfc2047-filename", raw, "rfc2047 and raw names", TARO, "",
                      _mid("rfc2047-filename"), body=["添付をご確認ください。"],
                      attachments=[("請求書①.pdf", "application/pdf", len(PDF)),
                                   ("売上.csv", "text/csv", csv_size)]))  # fmt: skip

    html = ("<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
            "<body><p>お世話になっております。</p><p>一行目<br>二行目</p>"
            "<ul><li>DNSの確認</li><li>再起動</li></ul>"
            "<p>詳細は<a href=\"https://status.example.jp/\">障害情報</a>をご覧ください。</p>"
            "<img src=\"https://tracker.example/open.gif\" onerror=\"steal()\" width=1>"
            "<p onclick=\"evil()\">以上です。</p></body></html>")  # fmt: skip
    msg = _email("html-only", sender=TARO, subject="HTMLだけのメール", minutes=16)
    msg.set_content(html, subtype="html")
    cases.append(Case("html-only", msg.as_bytes(), "HTMLだけのメール", TARO, "", _mid("html-only"),
                      body=["お世話になっております。", "一行目\n二行目", "- DNSの確認\n- 再起動",
                            "障害情報 (https://status.example.jp/)", "以上です。"],
                      not_in_body=["alert", "color: red", "<p>"],
                      html=["<p>お世話になっております。</p>", 'href="https://status.example.jp/"'],
                      not_in_html=["<script", "alert", "onerror", "onclick",
                                   "tracker.example"]))  # fmt: skip

    msg = _email("alternative", sender=f"Nancy Davolio <{NANCY}>", subject="Disk full",
                 text="The disk on web01 is full.\n", minutes=17)  # fmt: skip
    msg.add_alternative("<p>The disk on <b>web01</b> is full.</p>", subtype="html")
    cases.append(Case("alternative", msg.as_bytes(), "Disk full", NANCY, "Nancy Davolio",
                      _mid("alternative"), body=["The disk on web01 is full."],
                      html=["<b>web01</b>"]))  # fmt: skip

    msg = _email("alternative-empty-plain", sender=TARO, subject="本文が空のテキスト", text="\n",
                 minutes=18)  # fmt: skip
    msg.add_alternative("<div>HTML側にだけ本文があります。</div>", subtype="html")
    cases.append(Case("alternative-empty-plain", msg.as_bytes(), "本文が空のテキスト", TARO, "",
                      _mid("alternative-empty-plain"),
                      body=["HTML側にだけ本文があります。"]))  # fmt: skip

    msg = _email("inline-image", sender=TARO, subject="画面のキャプチャ", minutes=19,
                 text="エラー画面です。\n")  # fmt: skip
    msg.add_alternative('<p>エラー画面です。</p><img src="cid:shot1@yamada.example.jp">',
                        subtype="html")  # fmt: skip
    msg.get_payload()[1].add_related(PNG, "image", "png", cid="<shot1@yamada.example.jp>",
                                     filename="screenshot.png")  # fmt: skip
    cases.append(Case("inline-image", msg.as_bytes(), "画面のキャプチャ", TARO, "",
                      _mid("inline-image"), body=["エラー画面です。"],
                      html=['src="cid:shot1@yamada.example.jp"'],
                      attachments=[("screenshot.png", "image/png", len(PNG))],
                      inline=["shot1@yamada.example.jp"]))  # fmt: skip

    # Apple Mail puts the text written after an attachment into a second text part.
    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="text after attachment", Date=_date(20),
        Message_ID=_mid("text-after-attachment"), MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="apple"',
    ) + (b"\r\n--apple\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         + "前半の文章です。".encode() + b"\r\n--apple\r\nContent-Type: application/pdf; name=a.pdf\r\n"
         b"Content-Disposition: inline; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
         + base64.encodebytes(PDF) + b"--apple\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         + "後半の文章です。".encode() + b"\r\n--apple--\r\n")  # fmt: skip
    cases.append(Case("text-after-attachment", raw, "text after attachment", TARO, "",
                      _mid("text-after-attachment"), body=["前半の文章です。", "後半の文章です。"],
                      attachments=[("a.pdf", "application/pdf", len(PDF))]))  # fmt: skip

    msg = _email("text-attachments", sender=f"Nancy Davolio <{NANCY}>", minutes=21,
                 subject="Logs attached", text="Logs attached.\n")  # fmt: skip
    msg.add_attachment("Nov 24 10:00 kernel: oops\n", filename="syslog.txt")
    msg.add_attachment(b"host,status\nweb01,down\n", maintype="text", subtype="csv",
                       filename="hosts.csv")  # fmt: skip
    msg.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", maintype="text",
                       subtype="calendar")  # fmt: skip
    cases.append(Case("text-attachments", msg.as_bytes(), "Logs attached", NANCY, "Nancy Davolio",
                      _mid("text-attachments"), body=["Logs attached."],
                      not_in_body=["kernel: oops", "web01,down"],
                      attachments=[("syslog.txt", "text/plain", 26),
                                   ("hosts.csv", "text/csv", 23),
                                   ("attachment-3.ics", "text/calendar", 32)]))  # fmt: skip

    inner = _email("forwarded-inner", sender="Vendor Support <help@vendor.example>",
                   subject="Case 4711 closed", text="Your case 4711 has been closed.\n",
                   minutes=-600)  # fmt: skip
    msg = _email("forwarded", sender=TARO, subject="Fwd: Case 4711 closed", minutes=22,
                 text="ベンダーからの返事を転送します。\n")  # fmt: skip
    msg.add_attachment(inner)
    inner_size = len(inner.as_bytes())
    cases.append(Case("forwarded", msg.as_bytes(), "Fwd: Case 4711 closed", TARO, "",
                      _mid("forwarded"),
                      body=["ベンダーからの返事を転送します。", "Your case 4711 has been closed.",
                            "Subject: Case 4711 closed", "From: Vendor Support <help@vendor.example>"],
                      attachments=[("forwarded.eml", "message/rfc822", inner_size)]))  # fmt: skip

    msg = _email("reply", sender=f"山田 太郎 <{TARO}>", subject="Re: [KZ-000123] メールが送信できない",
                 text="ありがとうございます。直りました。\n\n> 設定を変更しました。\n", minutes=23,
                 In_Reply_To="<ack-000123@kizuna.example>",
                 References="<first-000123@yamada.example.jp> <ack-000123@kizuna.example>")  # fmt: skip
    cases.append(Case("reply", msg.as_bytes(), "Re: [KZ-000123] メールが送信できない", TARO,
                      "山田 太郎", _mid("reply"), body=["直りました。", "> 設定を変更しました。"],
                      in_reply_to=["<ack-000123@kizuna.example>"],
                      references=["<first-000123@yamada.example.jp>",
                                  "<ack-000123@kizuna.example>"]))  # fmt: skip

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="no message id", Date="not a date at all",
        Content_Type="text/plain; charset=utf-8",
    ) + b"\r\nMessage-ID \xe3\x81\xaa\xe3\x81\x97\r\n"  # fmt: skip
    cases.append(Case("no-message-id", raw, "no message id", TARO, "", "",
                      body=["Message-ID なし"]))  # fmt: skip

    raw = _headers(
        From="Taro <TARO@Yamada.Example.JP> (comment)", To=SUPPORT_ADDRESS,
        Subject="messy id", Date="Tue, 24 Nov 2026 10:00:00 +0900 (JST)",
        Message_ID="\r\n  <Mixed.Case$ID@Yamada.Example.JP>  (sent by a client)",
        In_Reply_To="Re: your mail of today <prev@kizuna.example>",
        References="<a@x> <b@x>\r\n\t<c@x>", Content_Type="text/plain",
    ) + b"\r\nok\r\n"  # fmt: skip
    cases.append(Case("messy-message-id", raw, "messy id", TARO, "Taro",
                      "<Mixed.Case$ID@Yamada.Example.JP>", body=["ok"],
                      in_reply_to=["<prev@kizuna.example>"], references=["<a@x>", "<b@x>", "<c@x>"],
                      date=datetime(2026, 11, 24, 1, 0, tzinfo=UTC)))  # fmt: skip

    raw = _headers(
        From=NANCY, To=SUPPORT_ADDRESS, Subject="flowed", Date=_date(24),
        Message_ID=_mid("format-flowed"),
        Content_Type="text/plain; charset=utf-8; format=flowed; delsp=no",
    ) + b"\r\nThis paragraph was wrapped by the \r\nclient at seventy-two \r\ncharacters.\r\n\r\n-- \r\nNancy\r\n"  # fmt: skip
    cases.append(Case("format-flowed", raw, "flowed", NANCY, "", _mid("format-flowed"),
                      body=["This paragraph was wrapped by the client at seventy-two characters.",
                            "-- \nNancy"]))  # fmt: skip

    msg = _email("auto-submitted-no", sender=TARO, subject="自動送信ではありません",
                 text="人が書いたメールです。\n", minutes=25, Auto_Submitted="no")  # fmt: skip
    cases.append(Case("auto-submitted-no", msg.as_bytes(), "自動送信ではありません", TARO, "",
                      _mid("auto-submitted-no"), body=["人が書いたメールです。"]))  # fmt: skip

    msg = _email("absence-question", sender=TARO, subject="不在時の転送設定について",
                 text="不在時にメールを転送する方法を教えてください。\n", minutes=26)  # fmt: skip
    cases.append(Case("absence-question", msg.as_bytes(), "不在時の転送設定について", TARO, "",
                      _mid("absence-question"), body=["転送する方法"]))  # fmt: skip

    msg = _email("out-of-office-hours", sender=f"Nancy Davolio <{NANCY}>",
                 subject="Out of office hours support request",
                 text="Can you help outside business hours?\n", minutes=27)  # fmt: skip
    cases.append(Case("out-of-office-hours", msg.as_bytes(), "Out of office hours support request",
                      NANCY, "Nancy Davolio", _mid("out-of-office-hours"),
                      body=["outside business hours"]))  # fmt: skip

    raw = _headers(From=TARO, To=SUPPORT_ADDRESS, Subject="headers only", Date=_date(28),
                   Message_ID=_mid("headers-only"))  # fmt: skip
    cases.append(Case("headers-only", raw, "headers only", TARO, "", _mid("headers-only")))

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="html meta charset", Date=_date(29),
        Message_ID=_mid("html-meta-charset"), Content_Type="text/html",
    ) + b'\r\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">' \
        + "</head><body><p>メタタグで文字コードを指定</p></body></html>".encode("cp932")  # fmt: skip
    cases.append(Case("html-meta-charset", raw, "html meta charset", TARO, "",
                      _mid("html-meta-charset"), body=["メタタグで文字コードを指定"]))  # fmt: skip

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="missing boundary", Date=_date(30),
        Message_ID=_mid("missing-boundary"), Content_Type="multipart/mixed",
    ) + "\r\n境界のないマルチパートです。\r\n".encode()  # fmt: skip
    cases.append(Case("missing-boundary", raw, "missing boundary", TARO, "",
                      _mid("missing-boundary"), body=["境界のないマルチパートです。"]))  # fmt: skip

    raw = _headers(
        From=TARO, To=SUPPORT_ADDRESS, Subject="truncated", Date=_date(31),
        Message_ID=_mid("truncated-mime"), Content_Type='multipart/mixed; boundary="cut"',
    ) + (b"\r\n--cut\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         + "途中で切れたメール".encode() + b"\r\n--cut\r\nContent-Type: application/pdf\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK")  # fmt: skip
    cases.append(Case("truncated-mime", raw, "truncated", TARO, "", _mid("truncated-mime"),
                      body=["途中で切れたメール"],
                      attachments=[("attachment-1.pdf", "application/pdf", 9)]))  # fmt: skip
    return cases


def _noise() -> list[Case]:
    cases = []

    msg = _email("auto-replied", sender=f"山田 太郎 <{TARO}>", subject="自動応答: メールが送信できない",
                 text="ただいま不在にしております。11月30日に戻ります。\n", minutes=40,
                 Auto_Submitted="auto-replied", In_Reply_To="<ack-000123@kizuna.example>")  # fmt: skip
    cases.append(Case("auto-replied", msg.as_bytes(), "自動応答: メールが送信できない", TARO,
                      "山田 太郎", _mid("auto-replied"), body=["ただいま不在にしております。"],
                      auto_reason="Auto-Submitted: auto-replied",
                      in_reply_to=["<ack-000123@kizuna.example>"]))  # fmt: skip

    msg = _email("outlook-oof", sender=f"Nancy Davolio <{NANCY}>",
                 subject="Automatic reply: Disk full", text="I am out of the office.\n",
                 minutes=41, X_Auto_Response_Suppress="All")  # fmt: skip
    cases.append(Case("outlook-oof", msg.as_bytes(), "Automatic reply: Disk full", NANCY,
                      "Nancy Davolio", _mid("outlook-oof"), body=["out of the office"],
                      auto_reason="X-Auto-Response-Suppress"))  # fmt: skip

    msg = _email("oof-subject-ja", sender=TARO, subject="【自動返信】不在のお知らせ",
                 text="12月1日まで不在です。\n", minutes=42)  # fmt: skip
    cases.append(Case("oof-subject-ja", msg.as_bytes(), "【自動返信】不在のお知らせ", TARO, "",
                      _mid("oof-subject-ja"), body=["不在です"],
                      auto_reason="out-of-office subject"))  # fmt: skip

    msg = _email("oof-subject-en", sender=f"Nancy Davolio <{NANCY}>",
                 subject="Out of Office: Printer offline", text="Back Monday.\n",
                 minutes=43)  # fmt: skip
    cases.append(Case("oof-subject-en", msg.as_bytes(), "Out of Office: Printer offline", NANCY,
                      "Nancy Davolio", _mid("oof-subject-en"), body=["Back Monday."],
                      auto_reason="out-of-office subject"))  # fmt: skip

    msg = _email("x-autoreply", sender="info@shop.example", subject="Thank you for your mail",
                 text="We received your mail.\n", minutes=44, X_Autoreply="yes")  # fmt: skip
    cases.append(Case("x-autoreply", msg.as_bytes(), "Thank you for your mail",
                      "info@shop.example", "", _mid("x-autoreply"), body=["received"],
                      auto_reason="X-Autoreply"))  # fmt: skip

    msg = _email("x-autorespond", sender="info@shop.example", subject="受付のお知らせ",
                 text="お問い合わせを受け付けました。\n", minutes=45,
                 X_Autorespond="お問い合わせを受け付けました")  # fmt: skip
    cases.append(Case("x-autorespond", msg.as_bytes(), "受付のお知らせ", "info@shop.example", "",
                      _mid("x-autorespond"), body=["受け付けました"],
                      auto_reason="X-Autorespond"))  # fmt: skip

    msg = _email("mailing-list", sender="Announce <announce@lists.example.org>",
                 subject="[announce] Release 2.0", text="Release notes.\n", minutes=46,
                 List_Id="Announcements <announce.lists.example.org>", Precedence="list",
                 List_Unsubscribe="<mailto:leave@lists.example.org>")  # fmt: skip
    cases.append(Case("mailing-list", msg.as_bytes(), "[announce] Release 2.0",
                      "announce@lists.example.org", "Announce", _mid("mailing-list"),
                      body=["Release notes."], auto_reason="Precedence: list"))  # fmt: skip

    msg = _email("list-id", sender="dev@lists.example.org", subject="Re: patch",
                 text="LGTM\n", minutes=47, List_Id="<dev.lists.example.org>")  # fmt: skip
    cases.append(Case("list-id", msg.as_bytes(), "Re: patch", "dev@lists.example.org", "",
                      _mid("list-id"), body=["LGTM"], auto_reason="List-Id"))  # fmt: skip

    msg = _email("newsletter", sender="news@vendor.example", subject="今月のニュース",
                 text="ニュースレターです。\n", minutes=48, Precedence="bulk")  # fmt: skip
    cases.append(Case("newsletter", msg.as_bytes(), "今月のニュース", "news@vendor.example", "",
                      _mid("newsletter"), body=["ニュースレターです。"],
                      auto_reason="Precedence: bulk"))  # fmt: skip

    original = _email("bounced-original", sender=SUPPORT_ADDRESS, subject="[KZ-000123] 受付しました",
                      text="受付しました。\n", minutes=-5)  # fmt: skip
    raw = _headers(
        From="Mail Delivery System <MAILER-DAEMON@mx.yamada.example.jp>", To=SUPPORT_ADDRESS,
        Subject="Undelivered Mail Returned to Sender", Date=_date(49),
        Message_ID=_mid("bounce-dsn"), Auto_Submitted="auto-replied", MIME_Version="1.0",
        Content_Type='multipart/report; report-type=delivery-status; boundary="dsn"',
    ) + (b"\r\n--dsn\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
         b"This is the mail system at host mx.yamada.example.jp.\r\n\r\n"
         b"I'm sorry to have to inform you that your message could not be delivered.\r\n"
         b"--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
         b"Reporting-MTA: dns; mx.yamada.example.jp\r\n\r\n"
         b"Final-Recipient: rfc822; nobody@yamada.example.jp\r\nAction: failed\r\n"
         b"Status: 5.1.1\r\n\r\n--dsn\r\nContent-Type: message/rfc822\r\n\r\n"
         + original.as_bytes() + b"\r\n--dsn--\r\n")  # fmt: skip
    cases.append(Case("bounce-dsn", raw, "Undelivered Mail Returned to Sender",
                      "mailer-daemon@mx.yamada.example.jp", "Mail Delivery System",
                      _mid("bounce-dsn"), body=["could not be delivered"],
                      auto_reason="delivery report", is_bounce=True,
                      attachments=[("delivery-status.txt", "message/delivery-status", -1),
                                   ("original-message.eml", "message/rfc822", -1)]))  # fmt: skip

    raw = _headers(
        From=f"Nancy Davolio <{NANCY}>", To=SUPPORT_ADDRESS,
        Subject="Read: Disk full", Date=_date(50), Message_ID=_mid("read-receipt"),
        MIME_Version="1.0",
        Content_Type='multipart/report; report-type=disposition-notification; boundary="mdn"',
    ) + (b"\r\n--mdn\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n"
         b"--mdn\r\nContent-Type: message/disposition-notification\r\n\r\n"
         b"Final-Recipient: rfc822; nancy@northwind.example\r\n"
         b"Disposition: manual-action/MDN-sent-manually; displayed\r\n--mdn--\r\n")  # fmt: skip
    cases.append(Case("read-receipt", raw, "Read: Disk full", NANCY, "Nancy Davolio",
                      _mid("read-receipt"), body=["Your message was read."],
                      auto_reason="disposition report", is_bounce=True,
                      attachments=[("disposition-notification.txt",
                                    "message/disposition-notification", -1)]))  # fmt: skip

    raw = _headers(
        From="MAILER-DAEMON@old.example.jp", To=SUPPORT_ADDRESS,
        Subject="failure notice", Date=_date(51), Message_ID=_mid("qmail-bounce"),
    ) + b"\r\nHi. This is the qmail-send program.\r\nSorry, I couldn't deliver.\r\n"  # fmt: skip
    cases.append(Case("qmail-bounce", raw, "failure notice", "mailer-daemon@old.example.jp", "",
                      _mid("qmail-bounce"), body=["couldn't deliver"],
                      auto_reason="mailer-daemon", is_bounce=True))  # fmt: skip

    raw = _headers(
        Return_Path="<>", From="Postmaster <postmaster@bounce.example.jp>",
        To=SUPPORT_ADDRESS, Subject="配信不能: [KZ-000123] 受付しました", Date=_date(52),
        Message_ID=_mid("postmaster-bounce"),
    ) + b"\r\ndelivery failed\r\n"  # fmt: skip
    cases.append(Case("postmaster-bounce", raw, "配信不能: [KZ-000123] 受付しました",
                      "postmaster@bounce.example.jp", "Postmaster", _mid("postmaster-bounce"),
                      body=["delivery failed"], auto_reason="mailer-daemon",
                      is_bounce=True))  # fmt: skip
    return cases


def _fixture(name: str) -> bytes:
    path = FIXTURES_DIR / name
    return path.read_bytes() if path.exists() else b""


def fixture_cases() -> list[Case]:
    """The hand-written .eml files and what they hold."""
    cases = [
        Case(
            "fixture-outlook-iso2022jp",
            _fixture("outlook-iso2022jp.eml"),
            "【至急】①サーバー停止について ㈱山田商事 髙橋",
            TARO,
            "髙橋 一郎",
            "<000001d9a1b2$c3d4e5f6$a7b8c9d0@yamada.example.jp>",
            body=["㈱山田商事の髙橋です。", "①Webサーバーに接続できません", "②メールも届きません"],
        ),
        Case(
            "fixture-sjis-cp932",
            _fixture("sjis-really-cp932.eml"),
            "Ｗｅｂサイト表示不具合～①②",
            "hanako@takashima.example.jp",
            "高島 花子",
            "<20261124100000.1234@takashima.example.jp>",
            body=["～①②の記号", "髙"],
        ),
        Case(
            "fixture-euc-jp",
            _fixture("euc-jp.eml"),
            "EUC-JPで書いたメール",
            "suzuki@euc.example.jp",
            "鈴木 三郎",
            "<eucjp.1@euc.example.jp>",
            body=["古いUNIXのメーラーです。"],
        ),
        Case(
            "fixture-utf8-windows-path",
            _fixture("utf8-windows-path.eml"),
            "共有フォルダーに保存できません",
            TARO,
            "山田 太郎",
            "<path.1@yamada.example.jp>",
            body=[WINDOWS_PATH, "\\\\fileserver\\share\\n\\t"],
        ),
        Case(
            "fixture-mislabelled",
            _fixture("mislabelled-latin1.eml"),
            "文字化けしないでください",
            TARO,
            "",
            "<mislabelled.1@yamada.example.jp>",
            body=["ラベルはiso-8859-1ですが、中身はUTF-8です。"],
        ),
        Case(
            "fixture-broken-subject",
            _fixture("broken-rfc2047-subject.eml"),
            "Re: 【ご相談】ネットワーク構成の変更",
            TARO,
            "",
            "<broken.1@yamada.example.jp>",
            body=["件名が壊れています。"],
        ),
        Case(
            "fixture-rfc2231-name",
            _fixture("rfc2231-japanese-filename.eml"),
            "構成図を送ります",
            TARO,
            "",
            "<rfc2231.1@yamada.example.jp>",
            body=["構成図を添付します。"],
            attachments=[("ネットワーク構成図_最新版.pdf", "application/pdf", len(PDF))],
        ),
        Case(
            "fixture-html-script",
            _fixture("html-only-script.eml"),
            "Your account",
            "attacker@phish.example",
            "",
            "<html.1@phish.example>",
            body=["Please check your account", "here (https://phish.example/login)"],
            not_in_body=["document.cookie"],
            not_in_html=["<script", "onload", "javascript:", "phish.example/pixel.gif"],
        ),
        Case(
            "fixture-bounce",
            _fixture("bounce-multipart-report.eml"),
            "Undeliverable: [KZ-000123] お問い合わせを受け付けました",
            "postmaster@yamada.example.jp",
            "Microsoft Outlook",
            "<ndr.1@yamada.example.jp>",
            body=["Delivery has failed"],
            auto_reason="delivery report",
            is_bounce=True,
            attachments=[
                ("delivery-status.txt", "message/delivery-status", -1),
                ("original-headers.txt", "text/rfc822-headers", -1),
            ],
        ),
        Case(
            "fixture-out-of-office",
            _fixture("out-of-office.eml"),
            "自動応答: [KZ-000123] お問い合わせを受け付けました",
            TARO,
            "山田 太郎",
            "<oof.1@yamada.example.jp>",
            body=["不在にしております"],
            auto_reason="Auto-Submitted: auto-replied",
        ),
        Case(
            "fixture-mailing-list",
            _fixture("mailing-list.eml"),
            "[users:01234] 質問です",
            "member@lists.example.jp",
            "",
            "<ml.1@lists.example.jp>",
            body=["メーリングリストの投稿"],
            auto_reason="List-Id",
        ),
        Case(
            "fixture-mailman-moderation",
            _fixture("mailman-moderation.eml"),
            "Your message to users awaits moderator approval",
            "users-owner@lists.example.jp",
            "",
            "<mailman.7.1700000000.123.users@lists.example.jp>",
            body=["not a member of the list"],
            auto_reason="X-List-Administrivia",
        ),
        Case(
            "fixture-james-bounce",
            _fixture("james-bounce.eml"),
            "Error: [KZ-000123] Your request was received",
            "mailer-daemon@mail.oldhost.example.jp",
            "",
            "<3412.1700003402000.JavaMail.james@mail.oldhost.example.jp>",
            body=["could not be delivered"],
            auto_reason="mailer-daemon",
            is_bounce=True,
        ),
        Case(
            "fixture-forwarded",
            _fixture("forwarded.eml"),
            "FW: 保守契約の更新について",
            TARO,
            "",
            "<fwd.1@yamada.example.jp>",
            body=["転送します。", "保守契約は12月末で満了します。"],
            attachments=[("forwarded.eml", "message/rfc822", -1)],
        ),
        Case(
            "fixture-inline-image",
            _fixture("inline-image.eml"),
            "エラー画面",
            TARO,
            "",
            "<inline.1@yamada.example.jp>",
            body=["このような画面が出ます。"],
            attachments=[("image001.png", "image/png", len(PNG))],
            inline=["image001.png@01DA1234.ABCD5678"],
        ),
    ]
    return [case for case in cases if case.raw]


def build_corpus() -> list[Case]:
    """Every generated case; the hand-written fixtures are in ``fixture_cases()``."""
    return _people() + _noise()


CORPUS: list[Case] = build_corpus()
FIXTURES: list[Case] = fixture_cases()
