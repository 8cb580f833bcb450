"""Follow-up work of a batch of writes, handed on in one piece.

A write that stores a customer's message also starts work that reads it (its mood, the
facts of a request, its search document) and mails what answers it. One message at a time,
that work is done at once, so the desk shows it on the next page load. A batch of mail
(`kizuna ingest`), or a ticket opened through the API, would spend most of its time there;
inside `batch()` the work is instead collected, and queued as one background task for the
whole batch, enqueued in the batch's own transaction: it exists exactly when the messages it
reads do.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)

_state = threading.local()
# The work a batch may hand on, by name: the task finds a handler only here.
_handlers: dict[str, Callable[[list], int]] = {}
# The order the worker runs them in: lower first (what a customer waits for comes first).
_order: dict[str, int] = {}


def handler(fn: Callable[[list], int] | None = None, *, order: int = 50):
    """Register `fn(items) -> count` as work a batch may hand on; `order` places it among the
    batch's work (lower runs first)."""

    def register(fn: Callable[[list], int]) -> Callable[[list], int]:
        _handlers[_name(fn)] = fn
        _order[_name(fn)] = order
        return fn

    return register(fn) if fn is not None else register


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Collect follow-up work until the block ends, then enqueue one task with every item
    collected (nothing when the block raises). Nested blocks join the outermost one."""
    if getattr(_state, "work", None) is not None:
        yield
        return
    _state.work = {}
    try:
        yield
        work = _state.work
    finally:
        _state.work = None
    if work:
        batch_work.enqueue(
            {
                name: list({_key(item): item for item in items}.values())
                for name, items in work.items()
            }
        )


def _key(item):
    return tuple(_key(part) for part in item) if isinstance(item, list) else item


def active() -> bool:
    """Whether a batch is collecting work."""
    return getattr(_state, "work", None) is not None


def later(fn: Callable[[list], int], item) -> bool:
    """Inside `batch()`: keep `item` (a JSON value, such as an id) for the registered handler
    `fn` and return True; `fn` later gets the list of every item kept for it, in order, each
    once. Outside a batch: False, and the caller does the work now."""
    work = getattr(_state, "work", None)
    if work is None:
        return False
    name = _name(fn)
    if name not in _handlers:
        raise LookupError(f"{name} is not registered with batching.handler")
    work.setdefault(name, []).append(item)
    return True


@task()
def batch_work(work: dict[str, list]) -> dict[str, int]:
    """Run what a batch handed on: each handler with its items, each in its own transaction,
    so that one failing does not keep the others from their work (the task then fails,
    naming it, and its error is logged)."""
    done, failed = {}, []
    for name, items in sorted(work.items(), key=lambda entry: _order.get(entry[0], 50)):
        fn = _handlers.get(name)
        if fn is None:
            logger.error("batch work: no handler %s", name)
            failed.append(name)
            continue
        try:
            with transaction.atomic():
                done[name] = fn(items)
        except Exception:
            logger.exception("batch work: %s failed", name)
            failed.append(name)
    if failed:
        raise RuntimeError(f"batch work failed: {', '.join(failed)}")
    return done
