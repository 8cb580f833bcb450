"""Broken mail for fuzzing: the corpus and the .eml fixtures, damaged the ways real mail is.

Shared by the property tests (test_fuzz.py) and the long run (bench/fuzz_mail.py). Every
mutation is a plain function `(rng, raw) -> raw`, so a failure is replayed from the seed
message, the mutation names and one integer seed (see `mutate`).
"""

from __future__ import annotations

import base64
import functools
import random
import re
from collections.abc import Callable

from kizuna.mail.tests.corpus import CORPUS, FIXTURES

Mutation = Callable[[random.Random, bytes], bytes]

# The most one mutation adds to an input (mail servers refuse messages of tens of megabytes).
MAX_GROWTH_BYTES = 4 * 1024 * 1024

_BOUNDARY_RE = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_CHARSET_RE = re.compile(rb'charset="?([A-Za-z0-9_\-:.]+)"?', re.IGNORECASE)
CHARSET_LABELS = [
    b"utf-8", b"iso-2022-jp", b"shift_jis", b"euc-jp", b"cp932", b"gb2312", b"big5",
    b"iso-8859-1", b"us-ascii", b"utf-16", b"utf-7", b"unknown-8bit", b"x-unknown", b"",
    b"\"\"", b"utf-8'ja'", b"iso-2022-jp-3", b"koi8-r", b"cp1252", b"bogus-charset", b"utf-32",
    b"\xff\xfe",
]  # fmt: skip
# Encoded words that carry lone surrogates, NULs and other things no text should keep.
NASTY_WORDS = [
    b"=?utf-8?b?" + base64.b64encode(b"\xed\xa0\x80") + b"?=",
    b"=?utf-8?q?=ED=B2=A9abc?=",
    b"=?utf-16?b?" + base64.b64encode("x".encode("utf-16-le") + b"\x00\xd8") + b"?=",
    b"=?utf-16le?b?AADYAA==?=",
    b"=?utf-7?q?+2ADcAA-?=",
    b"=?utf-8?b?AAAA?=",
    b"=?iso-2022-jp?b?GyRC?=",
    b"=?x-unknown?q?=00=01=1b?=",
    b"=?utf-8*ja?b?5pel5pys?=",
    b"=??b??=",
    b"=?utf-8?b?" + b"A" * 3000 + b"?=",
]


@functools.cache
def seeds() -> list[bytes]:
    """Every corpus message and fixture, as bytes."""
    return [case.raw for case in CORPUS + FIXTURES if case.raw]


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True)


def _header_count(lines: list[bytes]) -> int:
    for index, line in enumerate(lines):
        if line in (b"\r\n", b"\n", b"\r"):
            return index
    return len(lines)


def flip_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def truncate(rng: random.Random, raw: bytes) -> bytes:
    return raw[: rng.randint(0, len(raw))]


def duplicate_header(rng: random.Random, raw: bytes) -> bytes:
    lines = _lines(raw)
    count = _header_count(lines)
    if not count:
        return raw
    index = rng.randrange(count)
    times = rng.choice([1, 1, 2, 50])
    if len(lines[index]) * times > MAX_GROWTH_BYTES:
        # Chained duplications of an unterminated last line would grow it fiftyfold each
        # time, to gigabytes: no mail server passes on such a message.
        times = 1
    lines.insert(rng.randint(0, count), lines[index] * times)
    return b"".join(lines)


def remove_header(rng: random.Random, raw: bytes) -> bytes:
    lines = _lines(raw)
    count = _header_count(lines)
    if not count:
        return raw
    del lines[rng.randrange(count)]
    return b"".join(lines)


def swap_charset(rng: random.Random, raw: bytes) -> bytes:
    def swap(match: re.Match) -> bytes:
        return b"charset=" + rng.choice(CHARSET_LABELS) if rng.random() < 0.7 else match.group(0)

    swapped = _CHARSET_RE.sub(swap, raw)
    if swapped == raw:  # no label to swap: put one in
        return b"Content-Type: text/plain; charset=" + rng.choice(CHARSET_LABELS) + b"\r\n" + raw
    return swapped


def damage_boundary(rng: random.Random, raw: bytes) -> bytes:
    match = _BOUNDARY_RE.search(raw)
    if not match:
        return raw
    boundary = match.group(1)
    choice = rng.randrange(4)
    if choice == 0:  # the header's boundary no longer matches the parts
        return raw[: match.start(1)] + boundary[:-1] + raw[match.end(1) :]
    if choice == 1:  # the closing delimiter is lost
        return raw.replace(b"--" + boundary + b"--", b"")
    if choice == 2:  # one delimiter line is cut
        at = raw.find(b"--" + boundary, match.end())
        return raw if at < 0 else raw[:at] + raw[at + 2 + len(boundary) // 2 :]
    return raw.replace(b"--" + boundary, b"--" + boundary + b" trailing junk", 1)


def nest(rng: random.Random, raw: bytes) -> bytes:
    """Wrap the message in layers of multipart and message/rfc822, some of them broken."""
    for depth in range(rng.choice([1, 2, 5, 30])):
        boundary = f"nest{depth}x{rng.randrange(10**6)}".encode()
        kind = rng.choice([b"multipart/mixed", b"multipart/alternative", b"message/rfc822",
                           b"multipart/related", b"multipart/report"])  # fmt: skip
        if kind == b"message/rfc822":
            raw = b"Content-Type: message/rfc822\r\n\r\n" + raw
        else:
            sibling = b"Content-Type: text/plain; charset=utf-8\r\n\r\n\xe3\x81\x82\r\n"
            raw = (
                b"Content-Type: " + kind + b'; boundary="' + boundary + b'"\r\n\r\n'
                b"--" + boundary + b"\r\n" + sibling + b"--" + boundary + b"\r\n" + raw
                + (b"\r\n--" + boundary + b"--\r\n" if rng.random() < 0.8 else b"")
            )  # fmt: skip
    return b"From: taro@yamada.example.jp\r\nMIME-Version: 1.0\r\n" + raw


def huge_header(rng: random.Random, raw: bytes) -> bytes:
    size = rng.choice([1000, 70_000, 400_000])
    choice = rng.randrange(4)
    if choice == 0:
        header = b"Subject: " + b"\xe3\x81\x82" * (size // 3) + b"\r\n"
    elif choice == 1:
        header = b"X-Long: " + b" ".join([b"word"] * (size // 5)) + b"\r\n"
    elif choice == 2:
        header = b"".join(b"X-H%d: v\r\n" % n for n in range(size // 20))
    else:
        header = b"References: " + b" ".join(b"<r%d@x.example>" % n for n in range(size // 17))
        header += b"\r\n"
    return header + raw


def control_characters(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        data.insert(rng.randint(0, len(data)), rng.choice([0, 1, 8, 11, 12, 27, 127, 13, 10]))
    return bytes(data)


def nasty_encoded_word(rng: random.Random, raw: bytes) -> bytes:
    word = rng.choice(NASTY_WORDS)
    header = rng.choice(
        [b"Subject: ", b"From: ", b"To: ", b"Content-Disposition: attachment; filename="]
    )
    lines = _lines(raw)
    lines.insert(rng.randint(0, _header_count(lines)), header + word + b"\r\n")
    return b"".join(lines)


def line_ends(rng: random.Random, raw: bytes) -> bytes:
    plain = raw.replace(b"\r\n", b"\n")
    return rng.choice([plain, plain.replace(b"\n", b"\r"), plain.replace(b"\n", b"\r\n"),
                       plain.replace(b"\n", b"\r\r\n")])  # fmt: skip


def stray_line(rng: random.Random, raw: bytes) -> bytes:
    lines = _lines(raw)
    junk = rng.choice(
        [
            b"not a header\r\n",
            b"Subject : spaced\r\n",
            b"From  : a@b.example\r\n",
            b"=?utf-8?b?44GC?=\r\n",
            b":\r\n",
            b"\x00\r\n",
            b"From x@y Sat\r\n",
        ]
    )
    lines.insert(rng.randint(0, _header_count(lines)), junk)  # fmt: skip
    return b"".join(lines)


def splice(rng: random.Random, raw: bytes) -> bytes:
    other = rng.choice(seeds())
    return raw[: rng.randint(0, len(raw))] + other[rng.randint(0, len(other)) :]


MUTATIONS: dict[str, Mutation] = {
    fn.__name__: fn
    for fn in (
        flip_bytes,
        truncate,
        duplicate_header,
        remove_header,
        swap_charset,
        damage_boundary,
        nest,
        huge_header,
        control_characters,
        nasty_encoded_word,
        line_ends,
        stray_line,
        splice,
    )  # fmt: skip
}


def mutate(raw: bytes, names: list[str], seed: int) -> bytes:
    """Apply the named mutations in order, all drawing from one random generator."""
    rng = random.Random(seed)
    for name in names:
        raw = MUTATIONS[name](rng, raw)
    return raw


def random_case(rng: random.Random) -> tuple[int, list[str], int]:
    """(seed index, mutation names, mutation seed): one input, as the long run draws it."""
    names = [rng.choice(list(MUTATIONS)) for _ in range(rng.choice([1, 1, 2, 3, 5]))]
    return rng.randrange(len(seeds())), names, rng.randrange(2**32)


def text_fields(parsed) -> list[str]:
    """Every text a parsed message hands to the database."""
    fields = [parsed.message_id, parsed.subject, parsed.from_name, parsed.from_address,
              parsed.reply_to, parsed.text, parsed.html, parsed.auto_reason,
              *parsed.in_reply_to, *parsed.references, *parsed.to, *parsed.cc]  # fmt: skip
    for attachment in parsed.attachments:
        fields += [attachment.name, attachment.content_type, attachment.content_id]
    return fields


def storable(text: str) -> bool:
    """Whether any database can store the text: valid UTF-8 (no lone surrogates), no NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
