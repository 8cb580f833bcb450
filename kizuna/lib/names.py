"""People's names as they are written: family name first in Japanese, given name first in English."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def person_name(user) -> str:
    """'佐藤 健' for first_name='健', last_name='佐藤'; 'Alice Morgan' for English names;
    the username when no name is recorded."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first and last:
        return f"{last} {first}" if _CJK.search(first + last) else f"{first} {last}"
    return first or last or user.get_username()
