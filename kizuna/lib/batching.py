"""Follow-up work of a batch of writes, handed on in one piece.

A write that stores a customer's message also starts work that reads it (its mood, the
facts of a request, its search document) and mails what answers it. One message at a time,
that work is done at once, so the desk shows it on the next page load. A batch of mail
(`kizuna ingest`) would spend most of its time there, message by message; inside `batch()`
each kind of work is instead collected and queued as one background task per batch, enqueued
in the batch's own transaction: it exists exactly when the messages it reads do.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_state = threading.local()


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Collect follow-up work until the block ends, then enqueue one task per kind of work
    with every item collected (nothing when the block raises). Nested blocks join the
    outermost one."""
    if getattr(_state, "work", None) is not None:
        yield
        return
    _state.work = {}
    try:
        yield
        work = _state.work
    finally:
        _state.work = None
    for task, items in work.items():
        once = {_key(item): item for item in items}
        task.enqueue(list(once.values()))


def _key(item):
    return tuple(_key(part) for part in item) if isinstance(item, list) else item


def active() -> bool:
    """Whether a batch is collecting work."""
    return getattr(_state, "work", None) is not None


def later(task, item) -> bool:
    """Inside `batch()`: keep `item` (a JSON value, such as an id) for `task` and return True;
    the task later gets the list of every item kept for it, in order, each once. Outside a
    batch: False, and the caller does the work now."""
    work = getattr(_state, "work", None)
    if work is None:
        return False
    work.setdefault(task, []).append(item)
    return True
