"""Parsing time grows in proportion to the message, whatever its headers hold. A header of
one long run of characters with no "@" used to be searched for an address from each of its
characters in turn: 250,000 characters took 15 seconds, a crafted message 80. The test compares
a length-doubling rather than asserting a duration, which would depend on the machine."""

from __future__ import annotations

import time

import pytest

from kizuna.mail.parsing import parse_message

SIZE = 100_000

RUNS = {
    "From of letters": lambda n: b"From: " + b"a" * n + b"\r\n",
    "From of digits and dots": lambda n: b"From: " + b"1." * (n // 2) + b"\r\n",
    "To of an endless local part": lambda n: b"From: x@y.example\r\nTo: " + b"k" * n + b"\r\n",
    "Reply-To of percent signs": lambda n: b"From: x@y.example\r\nReply-To: " + b"%" * n + b"\r\n",
}


def _seconds(header: bytes) -> float:
    raw = header + b"Subject: test\r\n\r\nbody\r\n"
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        parse_message(raw)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("name", list(RUNS))
def test_doubling_a_header_about_doubles_the_parsing_time(name):
    make = RUNS[name]
    small, large = _seconds(make(SIZE)), _seconds(make(2 * SIZE))
    assert large / max(small, 0.005) < 3, f"parsing grows faster than the header for {name}"
