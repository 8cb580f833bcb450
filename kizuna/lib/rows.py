"""New rows inserted in one statement per table, without the ORM's per-value compilation.

`Model.objects.bulk_create` prepares every value of every row through four or five method
calls (pre_save, the expression check, get_db_prep_save, get_db_prep_value, get_prep_value)
and builds a placeholder per value: for the few rows of a ticket opened through the API or a
batch of mail, that was a third of the time spent in the write transaction, which on SQLite
every other writer waits for. `insert_rows` does what bulk_create does for plain new rows
(the same statement, the same values, primary keys set from RETURNING, no signals) with one
converter per column, decided once per model: text, numbers, booleans and foreign keys go as
they are, aware datetimes through the backend's adapter, anything else through the field's
own get_db_prep_save. Rows it does not handle (a primary key already set, a value that is an
SQL expression, a backend without RETURNING) go to bulk_create unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from django.db import connections, models, router, transaction

M = TypeVar("M", bound=models.Model)

# Column types whose values of these Python types are stored exactly as given.
_AS_GIVEN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)
_AS_GIVEN_VALUES = (str, int, bool, type(None))


class _Unsupported(Exception):
    """A value `insert_rows` does not convert itself: the rows go to bulk_create."""


def insert_rows(objs: Sequence[M], *, using: str | None = None) -> Sequence[M]:
    """Insert new instances of one model, as `bulk_create(objs)` would; returns `objs` with
    their primary keys set."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or meta.parents
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        return model._default_manager.using(alias).bulk_create(objs)
    plan = _plan(model, connection)
    try:
        if plan is None:
            raise _Unsupported
        rows = [plan.values(obj) for obj in objs]
    except _Unsupported:
        return model._default_manager.using(alias).bulk_create(objs)
    per_statement = max(1, connection.ops.bulk_batch_size(plan.fields, objs))
    # All rows or none, as bulk_create (no savepoint: inside a transaction, the caller's).
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(plan.sql(len(chunk)), [value for row in chunk for value in row])
            ids = connection.ops.fetch_returned_insert_rows(cursor)
            for obj, (pk,) in zip(objs[start : start + per_statement], ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = alias
    return objs


class _Plan:
    """How one model's new rows are written on one backend: columns, converters, SQL."""

    def __init__(self, model, connection) -> None:
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key or not f.auto_created]
        if any(
            f.generated
            or (f.db_returning and not f.primary_key)
            or (hasattr(f, "get_placeholder") and not _plain_placeholder(f, connection))
            for f in self.fields
        ):
            # Computed by the database, or written through an SQL function of its own.
            raise _Unsupported
        quote = connection.ops.quote_name
        returning, _params = connection.ops.return_insert_columns([meta.pk])
        self.head = (
            f"INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(f.column) for f in self.fields)}) "
        )
        self.tail = f" {returning}"
        self.connection = connection
        self.row_marks = [["%s"] * len(self.fields)]
        self.readers = [_reader(f) for f in self.fields]
        self.converters = [_converter(f, connection) for f in self.fields]
        self.statements: dict[int, str] = {}

    def values(self, obj) -> list:
        obj._prepare_related_fields_for_save(operation_name="insert")
        return [
            convert(read(obj)) for read, convert in zip(self.readers, self.converters, strict=True)
        ]

    def sql(self, rows: int) -> str:
        if rows not in self.statements:
            values = self.connection.ops.bulk_insert_sql(self.fields, self.row_marks * rows)
            self.statements[rows] = self.head + values + self.tail
        return self.statements[rows]


def _plan(model, connection) -> _Plan | None:
    """The model's plan on this connection, made once; None when `insert_rows` cannot write it.
    Kept on the connection: each thread has its own, and a plan's converters use it."""
    plans = connection.__dict__.setdefault("_kizuna_insert_plans", {})
    if model not in plans:
        try:
            plans[model] = _Plan(model, connection)
        except _Unsupported:
            plans[model] = None
    return plans[model]


def _plain_placeholder(field, connection) -> bool:
    """Whether a column with a placeholder of its own takes a plain one on this backend
    (binary data on SQLite and PostgreSQL)."""
    return (
        isinstance(field, models.BinaryField)
        and connection.ops.binary_placeholder_sql(None) == "%s"
    )


def _reader(field) -> Callable:
    """What the column stores for an instance: the field's pre_save where it does more than
    read the attribute (auto_now dates, files), else the attribute itself."""
    if type(field).pre_save is models.Field.pre_save:
        attname = field.attname
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.pre_save(obj, True)


def _converter(field, connection) -> Callable:
    prep = field.get_db_prep_save

    def generic(value):
        if hasattr(value, "resolve_expression"):
            raise _Unsupported
        return prep(value, connection)

    kind = field.get_internal_type()
    if kind in _AS_GIVEN_TYPES:
        return lambda value: value if isinstance(value, _AS_GIVEN_VALUES) else generic(value)
    if kind == "DateTimeField":
        # The rows written together mostly share one moment (the batch's "now"); on SQLite
        # each adaptation is a time zone conversion and a str().
        adapt = functools.lru_cache(maxsize=256)(connection.ops.adapt_datetimefield_value)

        def moment(value):
            if value is None:
                return None
            return adapt(value) if isinstance(value, datetime) and value.tzinfo else generic(value)

        return moment
    return generic
