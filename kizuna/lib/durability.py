"""Commits that survive a power loss, for the processes that promise a mail server its
message is safe (`kizuna smtpd` answering 250, pollers moving mail off the IMAP server).

PostgreSQL commits are durable as configured by its server. On SQLite the web server keeps
`synchronous=NORMAL` (WAL): a commit survives a crash of Kizuna but may be lost with the last
moments before a power cut, which is acceptable where the client still holds the data. A
listener that has said 250 no longer does, so these processes sync every commit to disk.
"""

from __future__ import annotations

from django.db import connections
from django.db.backends.signals import connection_created


def _full_sync(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")


def sync_every_commit() -> None:
    """From now on, every SQLite connection of this process syncs each commit to disk (call it
    outside a transaction, as commands do when they start)."""
    connection_created.connect(_full_sync, dispatch_uid="kizuna-sync-every-commit")
    for connection in connections.all(initialized_only=True):
        # SQLite refuses the change inside a transaction; a command started from code that
        # holds one (a test) keeps that connection's setting, and later ones get FULL.
        if connection.connection is not None and not connection.in_atomic_block:
            _full_sync(None, connection)
