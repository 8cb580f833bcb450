"""What Kizuna's text commands (replycheck, promises, mood) share: reading UTF-8 from a file or
standard input, and writing JSON that is always valid UTF-8."""

from __future__ import annotations

import json
import re
import sys

from django.core.management.base import CommandError

_SURROGATE = re.compile("[\ud800-\udfff]")


def read_text(path: str) -> str:
    """The UTF-8 text of `path`, or of standard input for "-"; CommandError (exit status 2,
    as for bad arguments) says what is wrong."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror or e}", returncode=2) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        name = "standard input" if path == "-" else path
        raise CommandError(
            f"{name} is not valid UTF-8 (byte {e.start}); convert it to UTF-8 first",
            returncode=2,
        ) from e


def json_text(value, **kwargs) -> str:
    """JSON in UTF-8; a lone surrogate (a draft may hold one, from a JSON "\\\\ud800") cannot
    be written as UTF-8, so it is written as a \\\\u escape."""
    out = json.dumps(value, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
