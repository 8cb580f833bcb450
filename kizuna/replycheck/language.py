"""Per-message language detection: the share of kana and kanji is enough for ja/en."""

from __future__ import annotations

import re

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")

# Japanese carries about four times the meaning per character of English letters, and
# Japanese replies are full of Latin acronyms (DNS, MX, VPN), so a modest share decides.
_JAPANESE_SHARE = 0.2


def detect_language(text: str) -> str:
    """Return "ja" or "en" for a message (English when there is nothing to go on)."""
    ja = len(_JAPANESE.findall(text))
    latin = len(_LATIN.findall(text))
    if ja and ja / (ja + latin) >= _JAPANESE_SHARE:
        return "ja"
    return "en"
