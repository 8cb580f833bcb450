"""New rows inserted in one statement per table, without the ORM's per-value compilation.

`Model.objects.bulk_create` prepares every value of every row through four or five method
calls (pre_save, the expression check, get_db_prep_save, get_db_prep_value, get_prep_value)
and builds a placeholder per value: for the few rows of a ticket opened through the API or a
batch of mail, that was a third of the time spent in the write transaction, which on SQLite
every other writer waits for. `insert_rows` does what bulk_create does for plain new rows
(the same statement, the same values, primary keys set from RETURNING, no signals) with one
converter per column, decided once per model: text, numbers, booleans and foreign keys go as
they are, aware datetimes through the backend's adapter, anything else through the field's
own get_db_prep_save. Rows it does not handle (a key the database assigns already set, a value
that is an SQL expression, a backend without RETURNING) go to bulk_create unchanged.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from django.db import connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

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
# The exact types seen to be instances of those (subclasses join as they are met).
_PLAIN_TYPES = {str, int, bool, type(None)}


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
    # A key the database assigns (an AutoField) must not be given; any other (a UUID made by
    # its default, say) is written with the row.
    assigned = isinstance(meta.pk, models.AutoField)
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or meta.parents
        or any(type(obj) is not model or (obj.pk is None) is not assigned for obj in objs)
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
            cursor.execute(plan.sql(len(chunk)), plan.params(chunk))
            ids = connection.ops.fetch_returned_insert_rows(cursor)
            for obj, (pk,) in zip(objs[start : start + per_statement], ids, strict=True):
                if assigned:
                    obj.pk = pk
                obj._state.adding = False
                obj._state.db = alias
    return objs


def copy_row(obj: M) -> M:
    """`copy.copy(obj)` for a model instance, without the pickling round it takes (the model
    looked up again, binary values turned into bytes and back): a new instance with the
    same values and a state of its own, with its own cache of related objects."""
    twin = obj.__class__.__new__(obj.__class__)
    twin.__dict__.update(obj.__dict__)
    state = twin._state = ModelState()
    state.__dict__.update(obj._state.__dict__)
    state.fields_cache = dict(obj._state.fields_cache)
    return twin


def new_row(model: type[M], **values) -> M:
    """`model(**values)` for a row about to be inserted, built as the ORM builds a row it
    reads (every column in order, positionally): about half the time of the keyword path,
    which looks every field up among the arguments. Values go by field name or column
    attribute (`ticket=` or `ticket_id=`); a related object given by name is linked and kept
    as the keyword path keeps it; a field not given takes its default."""
    blueprint = _blueprints.get(model) or _blueprints.setdefault(model, _Blueprint(model))
    return blueprint.build(model, values)


class _Blueprint:
    """A model's columns in order, with their defaults, for `new_row`."""

    def __init__(self, model) -> None:
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.names = {f.name: f for f in fields if f.is_relation and f.name != f.attname}
        # A default that is a callable (dict, list, a function) is called for each row.
        self.defaults = {
            f.attname: (f.get_default, True)
            if f.has_default() and callable(f.default)
            else (f.get_default(), False)
            for f in fields
        }
        self.known = set(self.attnames) | set(self.names)
        # Whether a row can be made as `Model.__init__` would make it, without running it:
        # its own code (the signals, the checks of its arguments) cost more than setting the
        # values. Only when setting each attribute just stores the value (no custom __init__,
        # no descriptor of another kind; init signals are checked at each row).
        self.direct = model.__init__ is models.Model.__init__ and all(
            type(inspect.getattr_static(model, attname, None)) in _STORING_DESCRIPTORS
            for attname in self.attnames
        )

    def build(self, model, values: dict):
        unknown = set(values) - self.known
        if unknown:
            raise TypeError(f"{model.__name__}() got unexpected arguments: {sorted(unknown)}")
        related = []
        for name, field in self.names.items():
            if name in values:
                obj = values.pop(name)
                # The column takes the key the relation points at (the primary key, or the
                # field named by to_field), as the ORM's descriptor sets it.
                for local, remote in field.related_fields:
                    values[local.attname] = None if obj is None else getattr(obj, remote.attname)
                related.append((field, obj))
        row = []
        for attname in self.attnames:
            if attname in values:
                row.append(values[attname])
            else:
                default, call = self.defaults[attname]
                row.append(default() if call else default)
        if self.direct and not pre_init.receivers and not post_init.receivers:
            instance = model.__new__(model)
            state = instance.__dict__
            state["_state"] = ModelState()
            state.update(zip(self.attnames, row, strict=True))
        else:
            instance = model(*row)
        for field, obj in related:
            field.set_cached_value(instance, obj)
        return instance


_blueprints: dict[type, _Blueprint] = {}
# Descriptors whose setting a value on a new instance only stores it in the instance's dict.
_STORING_DESCRIPTORS = frozenset(
    {type(None), DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor}
)


class _Plan:
    """How one model's new rows are written on one backend: columns, converters, SQL."""

    def __init__(self, model, connection) -> None:
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
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
        # Every attribute read in one call; the few columns that need more than their value
        # (a pre_save of their own, a conversion) are then handled one by one, and the plain
        # columns' values are checked by their types at once.
        self.read_all = _getter(operator.attrgetter, [f.attname for f in self.fields])
        self.pre_saving = [(i, f) for i, f in enumerate(self.fields) if _pre_saves(f)]
        self.converting = []
        as_given = []
        for i, field in enumerate(self.fields):
            if field.get_internal_type() in _AS_GIVEN_TYPES:
                as_given.append((i, _generic(field, connection)))
            else:
                self.converting.append((i, _converter(field, connection)))
        self.as_given = as_given
        self.pick_given = _getter(operator.itemgetter, [i for i, _generic in as_given])
        self.statements: dict[int, str] = {}
        # On PostgreSQL, several rows go as one array per column (as bulk_create sends them):
        # a statement of a few placeholders, whose parsing the driver keeps, instead of one
        # placeholder per value, which it parsed again at every execution (a tenth of an
        # ingest's time).
        self.unnest = connection.vendor == "postgresql" and all(
            (f.target_field if f.is_relation else f).get_internal_type() in connection.data_types
            and not hasattr(f, "get_placeholder")
            for f in self.fields
        )
        if self.unnest:
            types = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in self.fields)
            self.unnest_sql = f"{self.head}SELECT * FROM UNNEST({types}){self.tail}"

    def values(self, obj) -> list:
        obj._prepare_related_fields_for_save(operation_name="insert")
        row = list(self.read_all(obj))
        for i, field in self.pre_saving:
            row[i] = field.pre_save(obj, True)
        for i, convert in self.converting:
            row[i] = convert(row[i])
        if not _PLAIN_TYPES.issuperset(map(type, self.pick_given(row))):
            for i, generic in self.as_given:
                value = row[i]
                if isinstance(value, _AS_GIVEN_VALUES):
                    _PLAIN_TYPES.add(type(value))  # a str or int subclass: choices, say
                else:
                    row[i] = generic(value)
        return row

    def sql(self, rows: int) -> str:
        if self.unnest and rows > 1:
            return self.unnest_sql
        if rows not in self.statements:
            values = self.connection.ops.bulk_insert_sql(self.fields, self.row_marks * rows)
            self.statements[rows] = self.head + values + self.tail
        return self.statements[rows]

    def params(self, rows: list[list]) -> list:
        if self.unnest and len(rows) > 1:
            return [list(column) for column in zip(*rows, strict=True)]
        return [value for row in rows for value in row]


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


def _pre_saves(field) -> bool:
    """Whether the column stores more than the attribute: auto_now dates, files."""
    if isinstance(field, models.DateField) and type(field).pre_save in _DATE_PRE_SAVES:
        return field.auto_now or field.auto_now_add  # else the attribute, as given
    return type(field).pre_save is not models.Field.pre_save


_DATE_PRE_SAVES = (models.DateField.pre_save, models.DateTimeField.pre_save)


def _getter(make: Callable, keys: list) -> Callable:
    """`make(*keys)` (attrgetter, itemgetter) always answering a tuple, even for one key."""
    if not keys:
        return lambda _obj: ()
    if len(keys) == 1:
        one = make(keys[0])
        return lambda obj: (one(obj),)
    return make(*keys)


def _generic(field, connection) -> Callable:
    """The field's own conversion; an SQL expression is left to bulk_create."""
    prep = field.get_db_prep_save

    def generic(value):
        if hasattr(value, "resolve_expression"):
            raise _Unsupported
        return prep(value, connection)

    return generic


def _converter(field, connection) -> Callable:
    """How a column that is not stored as given gets its value."""
    generic = _generic(field, connection)
    if field.get_internal_type() == "DateTimeField":
        # The rows written together mostly share one moment (the batch's "now"); on SQLite
        # each adaptation is a time zone conversion and a str().
        adapt = functools.lru_cache(maxsize=256)(connection.ops.adapt_datetimefield_value)

        def moment(value):
            if value is None:
                return None
            return adapt(value) if isinstance(value, datetime) and value.tzinfo else generic(value)

        return moment
    return generic
