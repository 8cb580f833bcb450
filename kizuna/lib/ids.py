"""Row ids as people type them into URLs, filters and API bodies.

An id is written in ASCII digits only and fits the database's 64-bit integer columns.
Python's `int()` and `str.isdigit()` are more generous than that: they accept full-width
digits ("１２"), superscripts and circled numbers ("³", "①" pass `isdigit()` but not `int()`),
surrounding spaces and a sign, and numbers of any size. Every place that turns text into an
id goes through `parse_id`, so none of these ever reaches a query (where they would either
find the wrong row or fail inside the database driver).
"""

from __future__ import annotations

import re

# The largest value a signed 64-bit column (PostgreSQL bigint, SQLite INTEGER) can hold.
MAX_ID = 2**63 - 1

_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


def parse_id(value) -> int | None:
    """The id written in `value` (an int, or a string of ASCII digits), or None when it is
    not one: anything else, zero, negative, or beyond MAX_ID."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def looks_like_id(value) -> bool:
    """True for an int or a string of ASCII digits, whatever its size: the caller means an
    id (which may then be out of range) rather than a name."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, str) and re.fullmatch(r"[0-9]+", value, re.ASCII) is not None
    )
