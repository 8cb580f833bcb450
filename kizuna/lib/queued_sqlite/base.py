"""SQLite whose writers queue on a lock file instead of SQLite's busy handler.

Every transaction on Kizuna's SQLite database begins with BEGIN IMMEDIATE: it takes the
database's single write lock at once. A second writer that finds it taken is left to SQLite's
busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between attempts. With several web
processes writing at once, those sleeps left the processor a third idle while requests waited
on a lock that had long been free (`bench/api_create.py`: 137 tickets/s, p99 245 ms).

Here a writer first takes an exclusive lock on a file beside the database, and lets it go when
its transaction commits, rolls back or its connection closes. Waiting writers poll that lock
every 50 to 200 microseconds (every millisecond once they have waited long enough to be
behind a long batch), so the next one starts almost as soon as the last one ends.
The kernel releases the lock of a process that dies, so a killed worker never leaves it held.
SQLite's own locking still guards the data: the queue only decides who asks first, and a
writer that cannot get the queue within the busy timeout fails as SQLite would, with
"database is locked". Writes outside a transaction (single statements in autocommit) do not
queue; they keep SQLite's busy handler.

A transaction begins with its first statement, not when `atomic()` is entered: the Python
work a block does before it touches the database (checking a request, reckoning its business
hours, building its rows) is done before the writer takes its turn, so that the others wait
only for the time it really writes. Savepoints asked for before that first statement are
created with it, and a block that runs no statement at all neither queues nor begins.

The write-ahead log is checkpointed (its pages copied into the database file, which is then
synced) after a commit, once the queue is free, at most every half second per connection.
SQLite's own checkpoint runs inside the commit that takes the log past 1,000 pages, while that
writer still holds the queue and every other writer waits: on average a third of a ticket's
commit through the API. SQLite's own is kept, for a log grown ten times larger (writes outside
a transaction, a process that commits once and stops).

Statements are also turned from Django's "%s" placeholders into SQLite's "?" once per
distinct statement instead of on every execution: Django does it with a regular expression
over the whole text, which for the multi-row inserts of a batch of mail (a few thousand
characters each) took about a twentieth of `kizuna ingest`'s time.

And values that are not exactly str, int, float or bytes (None, True, a TextChoices member)
get an adapter of their own: without one, sqlite3 looks for an adapter, then asks the
protocol and the value to adapt themselves, and each miss writes out an AttributeError's
message only to drop it (a few thousand instructions per value; a batch of mail binds some
ninety thousand such values).
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import time

from django.db import models
from django.db.backends.sqlite3 import base as sqlite3_base

Database = sqlite3_base.Database
logger = logging.getLogger(__name__)


def _as_given(value):
    return value


# Bound as sqlite3 binds them anyway: NULL, a blob, 0 and 1.
Database.register_adapter(type(None), _as_given)
Database.register_adapter(memoryview, _as_given)
Database.register_adapter(bool, int)
_adapted_choices: set[type] = set()


def _adapt_choices() -> None:
    """The model choices' members bound as the plain str or int they are (known once the
    models are loaded: called as a connection opens)."""
    stack = [models.Choices]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls in _adapted_choices:
            continue
        _adapted_choices.add(cls)
        if issubclass(cls, str):
            Database.register_adapter(cls, str.__str__)
        elif issubclass(cls, int):
            Database.register_adapter(cls, int.__int__)


# Between two attempts at the queue: short, so that a queue freed after a transaction of a few
# milliseconds (a ticket, a reply) is noticed within a fifth of a millisecond; a writer that has
# waited longer is behind a batch, and polls every millisecond.
_FIRST_PAUSE = 0.00005
_SHORT_WAIT_PAUSE = 0.0002
_SHORT_WAIT = 0.02
_LONG_WAIT_PAUSE = 0.001
# A connection checkpoints the log after a commit at most this often (seconds); SQLite itself
# does when the log reaches this many pages.
_CHECKPOINT_EVERY = 0.5
_CHECKPOINT_PAGES = 10_000


class CursorWrapper(sqlite3_base.SQLiteCursorWrapper):
    # The DatabaseWrapper whose pending transaction the first statement begins.
    database = None

    def execute(self, query, params=None):
        if self.database._begin_pending:
            self.database._begin_now()
        return super().execute(query, params)

    def executemany(self, query, param_list):
        if self.database._begin_pending:
            self.database._begin_now()
        return super().executemany(query, param_list)

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


@functools.lru_cache(maxsize=256)
def _qmark_style(query: str) -> str:
    """The statement with "?" placeholders, as Django's SQLite cursor writes it."""
    return sqlite3_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queue_fd: int | None = None
        self._queue_pid = 0
        self._queue_held = False
        # Entered atomic() but ran no statement yet: the savepoints asked for meanwhile.
        self._begin_pending = False
        self._pending_savepoints: list[str] = []
        self._next_checkpoint = 0.0

    def queue_path(self) -> str | None:
        """The lock file writers queue on; None for an in-memory database."""
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writers"

    def get_new_connection(self, conn_params):
        _adapt_choices()
        connection = super().get_new_connection(conn_params)
        connection.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.database = self
        return cursor

    def _start_transaction_under_autocommit(self):
        # Begun by the first statement (`_begin_now`).
        self._begin_pending = True

    def _begin_now(self) -> None:
        self._begin_pending = False
        try:
            with self.wrap_database_errors:  # "database is locked" as Django's OperationalError
                self._queue_enter()
            try:
                super()._start_transaction_under_autocommit()
                for sid in self._pending_savepoints:
                    super()._savepoint(sid)
            except BaseException:
                self.connection.rollback()
                self._queue_leave()
                raise
        except BaseException:
            # Nothing was written: the statement that asked fails, and the transaction is
            # still to begin, so a later statement of the block does not run outside it.
            self._begin_pending = True
            raise
        self._pending_savepoints = []

    def _savepoint(self, sid):
        if self._begin_pending:
            self._pending_savepoints.append(sid)
        else:
            super()._savepoint(sid)

    def _savepoint_commit(self, sid):
        if sid in self._pending_savepoints:
            # Released before any statement: it and the ones made after it never existed.
            del self._pending_savepoints[self._pending_savepoints.index(sid) :]
        else:
            super()._savepoint_commit(sid)

    def _savepoint_rollback(self, sid):
        if sid in self._pending_savepoints:
            # No statement ran since it was asked for: there is nothing to undo.
            del self._pending_savepoints[self._pending_savepoints.index(sid) + 1 :]
        else:
            super()._savepoint_rollback(sid)

    def _forget_pending(self) -> None:
        self._begin_pending = False
        self._pending_savepoints = []

    def _commit(self):
        self._forget_pending()  # no statement ran: sqlite3 has nothing to commit
        wrote = self._queue_held
        try:
            result = super()._commit()
        finally:
            self._queue_leave()
        if wrote:
            self._checkpoint_when_due()
        return result

    def _checkpoint_when_due(self) -> None:
        now = time.monotonic()
        if now < self._next_checkpoint or self.is_in_memory_db():
            return
        self._next_checkpoint = now + _CHECKPOINT_EVERY
        try:
            # PASSIVE: copies what no reader still needs, waits for no one.
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except Database.Error as exc:
            # The commit stands; the next checkpoint (or SQLite's own) copies these pages.
            logger.warning("checkpoint of the SQLite log failed: %s", exc)

    def _rollback(self):
        self._forget_pending()
        try:
            return super()._rollback()
        finally:
            self._queue_leave()

    def _close(self):
        self._forget_pending()
        try:
            return super()._close()
        finally:
            self._queue_leave()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None

    def _queue_enter(self) -> None:
        if self._queue_held:
            return
        path = self.queue_path()
        if path is None:
            return
        # A forked child shares its parent's open file and so its lock: it opens its own.
        if self._queue_fd is None or self._queue_pid != os.getpid():
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._queue_pid = os.getpid()
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        started = time.monotonic()
        deadline = started + timeout
        pause = _FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    # What SQLite itself says when its busy timeout runs out.
                    raise self.Database.OperationalError("database is locked") from None
                time.sleep(pause)
                if time.monotonic() - started < _SHORT_WAIT:
                    pause = min(pause * 2, _SHORT_WAIT_PAUSE)
                else:
                    pause = _LONG_WAIT_PAUSE
        self._queue_held = True

    def _queue_leave(self) -> None:
        if self._queue_held:
            self._queue_held = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
