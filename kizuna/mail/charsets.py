"""Decoding text from email whatever charset it claims: Japanese legacy charsets first.

See docs/email.md ("Parsing"). ``decode_bytes`` never raises and never returns mojibake for
bytes that some candidate charset decodes cleanly.
"""

from __future__ import annotations

import codecs
import re

from kizuna.mail import cjk

# Labels seen in real mail mapped to the Python codec that decodes them. Shift_JIS is always
# read as cp932 (its Microsoft superset, with ①, ㈱ and the IBM kanji); ISO-2022-JP goes through
# our own decoder, which also keeps the vendor extensions of CP50220/CP50221.
_ALIASES = {
    "shift_jis": "cp932", "shift-jis": "cp932", "shiftjis": "cp932", "sjis": "cp932",
    "x-sjis": "cp932", "s-jis": "cp932", "ms932": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "csshiftjis": "cp932", "cswindows31j": "cp932", "x-ms-cp932": "cp932",
    "cp932": "cp932", "ibm-943": "cp932", "shift_jisx0213": "cp932", "shift_jis-2004": "cp932",
    "iso-2022-jp": "iso-2022-jp", "iso2022jp": "iso-2022-jp", "iso2022_jp": "iso-2022-jp",
    "csiso2022jp": "iso-2022-jp", "iso-2022-jp-1": "iso-2022-jp", "iso-2022-jp-2": "iso-2022-jp",
    "iso-2022-jp-3": "iso-2022-jp", "iso-2022-jp-2004": "iso-2022-jp",
    "iso-2022-jp-ms": "iso-2022-jp", "iso-2022-jp-ext": "iso-2022-jp", "cp50220": "iso-2022-jp",
    "cp50221": "iso-2022-jp", "cp50222": "iso-2022-jp", "jis": "iso-2022-jp",
    "x-jis": "iso-2022-jp",
    "euc-jp": "euc-jp", "eucjp": "euc-jp", "euc_jp": "euc-jp", "x-euc-jp": "euc-jp",
    "x-euc": "euc-jp", "ujis": "euc-jp", "cseucpkdfmtjapanese": "euc-jp", "cp51932": "euc-jp",
    "euc-jis-2004": "euc-jp", "euc-jisx0213": "euc-jp", "eucjp-ms": "euc-jp",
    "eucjp-win": "euc-jp",
    "utf8": "utf-8", "utf-8": "utf-8", "x-utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "us-ascii": "ascii", "ascii": "ascii", "ansi_x3.4-1968": "ascii", "646": "ascii",
    "iso-8859-1": "latin-1", "latin1": "latin-1", "latin-1": "latin-1", "iso8859-1": "latin-1",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "euc-kr": "cp949",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "big5": "big5hkscs",
}  # fmt: skip
# Labels that say nothing about the bytes.
_UNKNOWN = {
    "",
    "unknown",
    "unknown-8bit",
    "x-unknown",
    "x-user-defined",
    "default",
    "charset",
    "8bit",
    "binary",
    "none",
    "x-binaryenc",
    "us-ascii?",
}
_SINGLE_BYTE = {"ascii", "latin-1", "cp1252", "iso8859-15", "cp1250", "cp1251"}
_NOT_ASCII_COMPATIBLE = ("utf-16", "utf-32", "utf-7", "utf_16", "utf_32", "utf_7")
_DETECTED = ("cp932", "euc-jp", "gbk", "big5")
_ISO2022_ESCAPE_RE = re.compile(rb"\x1b(?:\$[@B]|\$\([DOQP]|\([BJIH])")


def normalize_charset(label: str | None) -> str:
    """The codec name for a charset label, "" when the label is missing, unknown or bogus."""
    if not label:
        return ""
    name = label.strip().strip("\"'").strip().lower()
    if name in _UNKNOWN:
        return ""
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return ""
    if codec in ("shift_jis", "shift_jis_2004", "shift_jisx0213"):
        return "cp932"
    if codec.startswith("iso2022_jp"):
        return "iso-2022-jp"
    if codec.startswith("euc_j"):
        return "euc-jp"
    return codec


# --- ISO-2022-JP with the vendor extensions --------------------------------------------------


def _jis_to_sjis(j1: int, j2: int) -> bytes:
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    if j1 & 1:
        s2 = j2 + (0x1F if j2 <= 0x5F else 0x20)
    else:
        s2 = j2 + 0x7E
    return bytes((s1, s2))


def _jis_pairs(data: bytes) -> str | None:
    """Decode a run of JIS X 0208 byte pairs through cp932, which knows the NEC and IBM rows."""
    if len(data) % 2:
        return None
    out = bytearray()
    for i in range(0, len(data), 2):
        j1, j2 = data[i], data[i + 1]
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            return None
        out += _jis_to_sjis(j1, j2)
    try:
        return out.decode("cp932")
    except UnicodeDecodeError:
        return None


_SEGMENT_RE = re.compile(rb"(\x1b\$[@B]|\x1b\$\([DOQP]|\x1b\([BJIH]|[\x0e\x0f])")


def decode_iso2022jp(data: bytes) -> str | None:
    """Decode ISO-2022-JP, CP50220/CP50221 extensions included; None when it is not that."""
    try:
        return data.decode("iso2022_jp")
    except UnicodeDecodeError:
        pass
    if not data.isascii():
        return None
    out: list[str] = []
    mode = b"\x1b(B"
    for piece in _SEGMENT_RE.split(data):
        if not piece:
            continue
        if _SEGMENT_RE.fullmatch(piece):
            mode = piece
            continue
        if mode in (b"\x1b(B", b"\x1b(J", b"\x1b(H"):
            out.append(piece.decode("ascii"))
        elif mode in (b"\x1b(I", b"\x0e"):  # half-width katakana (JIS X 0201)
            out.append(bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in piece).decode("cp932"))
        elif mode == b"\x0f":
            out.append(piece.decode("ascii"))
        else:
            # A line break inside a two-byte run is broken but common: keep it, and go on.
            for chunk in re.split(rb"(\r?\n)", piece):
                if not chunk:
                    continue
                if chunk in (b"\n", b"\r\n"):
                    out.append(chunk.decode("ascii"))
                    continue
                if mode == b"\x1b$(D":
                    try:
                        text = (b"\x1b$(D" + chunk + b"\x1b(B").decode("iso2022_jp_2")
                    except UnicodeDecodeError:
                        return None
                elif mode in (b"\x1b$(Q", b"\x1b$(O", b"\x1b$(P"):
                    try:
                        text = (mode + chunk + b"\x1b(B").decode("iso2022_jp_2004")
                    except UnicodeDecodeError:
                        text = _jis_pairs(chunk)
                else:
                    text = _jis_pairs(chunk)
                if text is None:
                    return None
                out.append(text)
    return "".join(out)


def _decode_euc(data: bytes) -> str | None:
    for codec in ("euc_jp", "euc_jis_2004"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


# --- choosing among candidates --------------------------------------------------------------


def japanese_score(text: str) -> int:
    """How much ``text`` looks like real Japanese (or at least not like mojibake)."""
    score = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if 0x3040 <= o <= 0x30FF:  # kana: what every Japanese sentence has
            score += 3
        elif 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E:
            score += 1
        elif 0xFF61 <= o <= 0xFF9F:  # half-width katakana: rare in mail, typical of EUC as SJIS
            score -= 2
        elif 0xE000 <= o <= 0xF8FF or o == 0xFFFD or 0x80 <= o <= 0x9F:
            score -= 5
    return score


def _has_kana(text: str) -> bool:
    return any(0x3040 <= ord(ch) <= 0x30FF for ch in text)


def _try(data: bytes, codec: str) -> str | None:
    if codec == "iso-2022-jp":
        return decode_iso2022jp(data)
    if codec == "euc-jp":
        return _decode_euc(data)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` as text. Returns (text, note); note is "" when the declared charset held.

    Order: the declared charset strictly, then UTF-8, CP932, EUC-JP, ISO-2022-JP, choosing the
    candidate that reads as Japanese without replacement characters; the declared charset with
    replacement characters only when nothing decodes cleanly.
    """
    codec = normalize_charset(declared)
    if declared and not codec and declared.strip().lower() not in _UNKNOWN:
        note_unknown = f"unknown charset {declared.strip()!r}"
    else:
        note_unknown = ""
    if codec.startswith(_NOT_ASCII_COMPATIBLE):
        text = _try(data, codec)
        if text is not None:
            return text, ""
    if data.isascii():
        if b"\x1b" in data and _ISO2022_ESCAPE_RE.search(data):
            text = decode_iso2022jp(data)
            if text is not None:
                if codec == "iso-2022-jp":
                    return text, ""
                return text, f"charset {declared or 'missing'}, decoded as iso-2022-jp"
        return data.decode("ascii"), note_unknown
    if codec == "utf-8":
        try:
            return data.decode("utf-8"), ""
        except UnicodeDecodeError:
            pass
    else:
        # Valid UTF-8 with multibyte characters is almost never anything else.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if codec in ("", "ascii"):
                return text, note_unknown or (
                    f"charset {declared}, decoded as utf-8" if declared else ""
                )
            return text, f"charset {declared}, decoded as utf-8"
        if codec and codec not in ("ascii", "iso-2022-jp"):
            text = _try(data, codec)
            if text is not None:
                if codec not in _SINGLE_BYTE:
                    return text, ""
                # Any byte string is "valid" latin-1: take a Japanese reading instead when one
                # decodes cleanly and has kana (accented Latin read as CP932 has none).
                for other in ("cp932", "euc-jp"):
                    candidate = _try(data, other)
                    if candidate and _has_kana(candidate) and japanese_score(candidate) > 0:
                        return candidate, f"charset {declared}, decoded as {other}"
                return text, ""
    # Undeclared (or wrongly declared) legacy bytes: each East Asian reading that decodes
    # cleanly is scored; Japanese first, so it wins a tie.
    best: tuple[int, str, str] | None = None
    for other in _DETECTED:
        candidate = _try(data, other)
        if candidate is None:
            continue
        score = cjk.score(candidate, other)
        if best is None or score > best[0]:
            best = (score, candidate, other)
    if best is not None:
        if declared:
            return best[1], f"charset {declared}, decoded as {best[2]}"
        return best[1], "no charset, decoded as " + best[2]
    try:
        text = data.decode("cp1252")
        return text, f"charset {declared or 'missing'}, decoded as cp1252"
    except UnicodeDecodeError:
        pass
    fallback = codec if codec and codec != "iso-2022-jp" else "utf-8"
    if codec == "euc-jp":
        fallback = "euc_jp"
    try:
        text = data.decode(fallback, "replace")
    except LookupError:
        fallback = "utf-8"
        text = data.decode("utf-8", "replace")
    return text, f"undecodable bytes replaced ({fallback})"
