"""Savepoints a caller can do without.

Django's `atomic` nested in another block makes a savepoint: two statements, a round trip
each on PostgreSQL, so that the caller may catch the block's error and go on with its own
transaction. The ingest of a batch of mail never does: an error in a message either rolls
back that message's own savepoint (and quarantines it) or aborts the batch's writing (which
is then done again message by message). The services it calls for messages (a customer's
reply, a new contact, a batch's new requests) are marked `@savepoints.atomic`: atomic as
ever, but without a savepoint of their own inside `savepoints.skipped()`. An error in one of
them then goes back to the caller's savepoint, or aborts the caller's transaction, as with
Django's `atomic(savepoint=False)`; a caller that caught it and wrote on would get Django's
"An error occurred in the current transaction" instead of a silently half-done write.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction

F = TypeVar("F", bound=Callable)

_state = threading.local()


@contextlib.contextmanager
def skipped() -> Iterator[None]:
    """Within: blocks of `@savepoints.atomic` make no savepoint. Only for a caller that lets
    every error in them end the transaction or savepoint it holds."""
    before = getattr(_state, "skipped", False)
    _state.skipped = True
    try:
        yield
    finally:
        _state.skipped = before


def atomic(func: F) -> F:
    """`@transaction.atomic`, with no savepoint of its own inside `skipped()`."""

    @functools.wraps(func)
    def inner(*args, **kwargs):
        with transaction.atomic(savepoint=not getattr(_state, "skipped", False)):
            return func(*args, **kwargs)

    return inner  # type: ignore[return-value]
