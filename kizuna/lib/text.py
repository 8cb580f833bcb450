"""Checks on text that people send in: what no field may hold, and what counts as empty.

- NUL (U+0000): PostgreSQL cannot store it in a text column.
- A lone surrogate (U+D800–U+DFFF, e.g. JSON "\\ud800"): not a character at all; it cannot
  be written as UTF-8, so neither database, nor a mail, nor a JSON answer can carry it.
- Other control characters (U+0001–U+001F but tab, line feed and carriage return; U+007F;
  U+0080–U+009F): no one types them, and in a header (a subject, a file name) a line break
  would start a new header.

A text made only of spaces and invisible characters (zero-width spaces, joiners, the byte
order mark, bidi controls, Hangul fillers…) looks empty wherever it is shown, so a field that
must say something (a subject) treats it as empty.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters a multi-line text may not hold (tab and line breaks are text).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# … and those a single line may not hold: a line break there starts a new line or header.
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Characters that show nothing although Unicode does not class them as spaces or format
# characters: Hangul fillers, the blank Braille pattern, the combining grapheme joiner,
# Khmer inherent vowels, Mongolian and general variation selectors.
_INVISIBLE = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)
# Spaces and separators (Zs, Zl, Zp), control and format characters (Cc, Cf: zero-width
# space and joiners, word joiner, byte order mark, soft hyphen, bidi marks and isolates).
_BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def text_problem(value: str, *, single_line: bool = False) -> str | None:
    """What makes `value` unfit to store, said for a person; None when it is fine."""
    if "\x00" in value:
        return _("It contains a NUL character (U+0000), which cannot be stored.")
    found = _SURROGATE.search(value)
    if found:
        return _(
            "It contains U+%(code)04X, half of a surrogate pair on its own, which is not a "
            "character; send the text as valid UTF-8."
        ) % {"code": ord(found.group())}
    found = (_CONTROL_LINE if single_line else _CONTROL).search(value)
    if found:
        if single_line and found.group() in "\r\n\u2028\u2029":
            return _("It must be a single line: it contains a line break.")
        return _("It contains the control character U+%(code)04X.") % {"code": ord(found.group())}
    return None


def is_blank(value: str) -> bool:
    """True when `value` shows nothing: empty, or only spaces and invisible characters."""
    return all(unicodedata.category(c) in _BLANK_CATEGORIES or c in _INVISIBLE for c in value)


def without_nul(value: str) -> str:
    """`value` with every NUL replaced by U+FFFD (the replacement character), so text that
    must be kept (a customer's mail) can be stored and shows where something was."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


# Characters no stored text holds (controls, lone surrogates): a pasted one cannot match.
_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def without_controls(value: str, replacement: str = "") -> str:
    """`value` for looking things up: control characters and lone surrogates replaced."""
    return _UNSEARCHABLE.sub(replacement, value or "")
