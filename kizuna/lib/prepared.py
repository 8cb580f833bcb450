"""Lookups by primary key (or another unique field) whose SQL is built once per connection.

Building a query costs the ORM more than running it: for a ticket read with its requester
and organization (about sixty columns over three tables) the compiler spends some 0.3 ms
choosing columns and writing SQL, the database under 0.05 ms finding the row. Ingest reads
such a ticket for every reply it threads. `PreparedGet` compiles the queryset once per
connection and then only runs the statement with another primary key, turning the row into
instances as the ORM does (the same converters, the same related objects from
select_related), so that the caller cannot tell the difference. The API looks up the
requester of every ticket it opens by email address the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError


class PreparedGet:
    """`queryset().filter(pk=value).first()`, compiled once per connection.

    `queryset` builds the queryset (select_related and select_for_update allowed; it is
    called once per connection, when the models are loaded). `key` names the field looked up
    when it is not the primary key; it must be unique, so that the first row is the only one.
    A queryset whose SQL does not take the key as its one varying value, or a key that is
    not unique, is simply run through the ORM."""

    def __init__(self, queryset: Callable[[], QuerySet], *, key: str = "pk") -> None:
        self.queryset = queryset
        self.key = key

    def __call__(self, value, *, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        connection = connections[using]
        plans = connection.__dict__.setdefault("_kizuna_prepared", {})
        plan = plans.get(self)
        if plan is None:
            plan = plans[self] = _Plan(self.queryset().using(using), self.key, connection)
        return plan.get(value)


class _Plan:
    def __init__(self, queryset: QuerySet, key: str, connection) -> None:
        self.queryset = queryset
        self.key = key
        self.connection = connection
        self.for_update = queryset.query.select_for_update
        self.sql = None
        meta = queryset.model._meta
        self.key_field = meta.pk if key == "pk" else meta.get_field(key)
        low, high = connection.ops.integer_field_ranges.get(
            self.key_field.get_internal_type(), (None, None)
        )
        self.low = float("-inf") if low is None else low
        self.high = float("inf") if high is None else high

    def _compile(self) -> None:
        if not self.key_field.unique:
            self.sql = ""
            return
        # Two keys: the one parameter that differs is where the key goes.
        probes = (1, 2) if self.low != float("-inf") else ("1", "2")
        compiled = []
        for probe in probes:
            query = self.queryset.filter(**{self.key: probe}).query
            compiler = query.get_compiler(connection=self.connection)
            sql, params = compiler.as_sql()
            compiled.append((compiler, sql, list(params)))
        (compiler, sql, params), (_other, other_sql, other_params) = compiled
        slots = [i for i, (a, b) in enumerate(zip(params, other_params, strict=False)) if a != b]
        if sql != other_sql or len(params) != len(other_params) or len(slots) != 1:
            self.sql = ""  # not a plain lookup by key: the ORM runs it every time
            return
        klass_info, select = compiler.klass_info, compiler.select
        if compiler.annotation_col_map or klass_info is None:
            self.sql = ""
            return
        fields = [s[0] for s in select[0 : compiler.col_count]]
        self.compiler = compiler
        self.converters = compiler.get_converters(fields)
        self.params, self.slot = params, slots[0]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model, self.start, self.end = klass_info["model"], start, end
        self.init_list = [f[0].target.attname for f in select[start:end]]
        self.populators = get_related_populators(klass_info, select, self.connection.alias)
        self.sql = sql

    def get(self, wanted) -> Model | None:
        connection = self.connection
        if (
            self.for_update
            and not connection.in_atomic_block
            and connection.features.supports_transactions
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        if self.sql is None:
            self._compile()
        if not self.sql:
            return self.queryset.filter(**{self.key: wanted}).first()
        value = self.key_field.get_db_prep_value(wanted, connection)
        if isinstance(value, int) and not self.low <= value <= self.high:
            return None  # no row can have it (as the ORM answers, without asking)
        params = list(self.params)
        params[self.slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            (row,) = self.compiler.apply_converters([row], self.converters)
        obj = self.model.from_db(connection.alias, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        return obj
