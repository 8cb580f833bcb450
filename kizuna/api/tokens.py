"""What each process remembers of valid API tokens (see auth.py), kept apart from the API
framework so that every process can forget them when a token or an agent changes, without
loading the API."""

from __future__ import annotations

import time

# A busy client sends many requests a second; each process remembers a valid token this
# long instead of reading it again. A deleted token or a deactivated agent is refused
# at the latest this many seconds later. Unknown tokens are never remembered.
TOKEN_CACHE_SECONDS = 5.0
_MAX_REMEMBERED = 10_000
_valid_tokens: dict[str, tuple[float, object]] = {}


def remembered(digest: str):
    """The token row remembered for this digest, or None once its time has run out."""
    cached = _valid_tokens.get(digest)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    return None


def remember(digest: str, row) -> None:
    if len(_valid_tokens) > _MAX_REMEMBERED:
        _valid_tokens.clear()
    _valid_tokens[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, row)


def forget(digest: str) -> None:
    _valid_tokens.pop(digest, None)


def forget_tokens(**kwargs) -> None:
    """A token deleted or an agent changed in this process takes effect at once here;
    other processes follow within TOKEN_CACHE_SECONDS."""
    _valid_tokens.clear()
