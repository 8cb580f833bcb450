"""The SLA and promise-keeping report (P12, P13; see docs/sla.md, "Report"): how many
deadlines fell due in a date range, how many were met on time and how many were missed, per
policy, organization or agent, with charts and a CSV export.

Pure reads. Every figure comes from a few aggregate queries (counts with filters, one window
query for the median lateness, one for the weeks), whatever the number of deadlines; Python
only arranges the grouped rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import pygal
from django.contrib.auth import get_user_model
from django.db import NotSupportedError, connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.lib import charts as chartlib
from kizuna.lib import timefmt
from kizuna.lib.charts import cell_text, data_uri, is_self_contained, label  # noqa: F401 (the report's API)
from kizuna.lib.names import person_name
from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy
from kizuna.tickets import access
from kizuna.tickets.models import Organization, Ticket
from kizuna.tickets.workflow import TicketError

KINDS = [
    DeadlineKind.FIRST_RESPONSE,
    DeadlineKind.CHECKPOINT,
    DeadlineKind.RESOLUTION,
    DeadlineKind.PROMISE,
]
GROUPS = ["policy", "organization", "agent"]
MAX_DAYS = 366
DEFAULT_DAYS = 30
# A chart of more bars than this cannot be read; the table still lists every group.
CHART_GROUPS = 20


def may_see_report(user) -> bool:
    """Team leads, managers and administrators (tickets/access.py)."""
    return access.may_read_reports(user)


def default_range(*, tz: tzinfo, today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included: [today - 29, tomorrow)."""
    today = today or timezone.localdate(timezone=tz)
    return today - timedelta(days=DEFAULT_DAYS - 1), today + timedelta(days=1)


# --- The figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Deadlines of one kind that fell due: met on time, missed, and the rest (still running,
    paused or cancelled before their time), which the compliance rate leaves out."""

    due: int = 0
    met: int = 0
    missed: int = 0
    median_minutes_late: int | None = None

    @property
    def open(self) -> int:
        return self.due - self.met - self.missed

    @property
    def compliance(self) -> float | None:
        """Met on time as a percentage of the deadlines decided (met or missed), one decimal;
        None when none was decided yet."""
        decided = self.met + self.missed
        return round(100 * self.met / decided, 1) if decided else None

    def to_dict(self, *, median: bool = True) -> dict:
        out = {
            "due": self.due,
            "met": self.met,
            "missed": self.missed,
            "open": self.open,
            "compliance": self.compliance,
        }
        if median:
            out["median_minutes_late"] = self.median_minutes_late
        return out


@dataclass(frozen=True)
class Row:
    """One policy, organization or agent; `key` is None for "no policy" / "unassigned"."""

    key: int | None
    name: str
    figures: dict[str, Figures]

    @property
    def due(self) -> int:
        return sum(f.due for f in self.figures.values())


@dataclass(frozen=True)
class Week:
    start: date  # a Monday in the report's time zone; the first and last week may be partial
    figures: dict[str, Figures]


class Period:
    """What a report over [start, end) in a time zone says of its dates."""

    start: date
    end: date  # not included
    tz: tzinfo

    @property
    def timezone_name(self) -> str:
        return getattr(self.tz, "key", None) or str(self.tz)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class Report(Period):
    start: date
    end: date  # not included
    group: str
    tz: tzinfo
    now: datetime
    rows: list[Row] = field(default_factory=list)
    totals: dict[str, Figures] = field(default_factory=dict)
    weeks: list[Week] = field(default_factory=list)


def group_label(group: str) -> str:
    return {"policy": _("Policy"), "organization": _("Organization"), "agent": _("Agent")}[group]


def _none_label(group: str) -> str:
    return {
        "policy": _("(no policy)"),
        "organization": _("(no organization)"),
        "agent": _("(unassigned)"),
    }[group]


# A deadline is met on time, missed, or neither (still running, paused, cancelled in time).
# The three sets do not overlap, so that due = met + missed + open.
def _classes(now: datetime) -> tuple[Q, Q]:
    met = Q(met_at__lte=F("due_at"), breached_at=None)
    missed = (
        Q(breached_at__isnull=False)
        | Q(met_at__gt=F("due_at"))
        | Q(met_at=None, cancelled_at=None, paused_at=None, due_at__lt=now)
        # Cancelled after its time without being met (a ticket closed with its update
        # overdue): missed, whether or not the worker had recorded the breach yet.
        | Q(met_at=None, cancelled_at__gt=F("due_at"))
    )
    return met, missed


def _ticket_field(name: str):
    """A field of the deadline's ticket. PostgreSQL joins the tickets (a hash join); SQLite
    looks each ticket up by primary key instead, because with a join it walks the tickets
    and reads every deadline through its ticket index rather than the date range (five
    times slower over a million deadlines; bench/sla_report.py)."""
    if connection.vendor != "sqlite":
        return F(f"ticket__{name}")
    return Subquery(
        Ticket.objects.filter(pk=OuterRef("ticket_id")).values(name)[:1],
        output_field=IntegerField(),
    )


def _group_expression(group: str):
    if group == "policy":
        return F("policy_id")
    if group == "organization":
        return _ticket_field("organization_id")
    # Promises belong to the agent who made them; SLA deadlines to the ticket's assignee.
    return Case(
        When(
            kind=DeadlineKind.PROMISE,
            then=Coalesce(F("created_by_id"), _ticket_field("assignee_id")),
        ),
        default=_ticket_field("assignee_id"),
        output_field=IntegerField(),
    )


class MinutesBetween(Func):
    """Minutes from the second instant to the first, as a float, with the database's own
    date arithmetic (SQLite's julianday(); PostgreSQL's interval epoch): Django's generic
    datetime subtraction runs a Python function per row on SQLite, which over a year of
    missed deadlines costs seconds."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("MinutesBetween supports SQLite and PostgreSQL only.")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 1440.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)",
            arg_joiner=" - ",
            **extra_context,
        )


def _lateness(now: datetime):
    # How late a missed deadline was met, cancelled or paused, or is by now (clock time).
    end = Coalesce(
        F("met_at"), F("cancelled_at"), F("paused_at"), Value(now, output_field=DateTimeField())
    )
    return MinutesBetween(end, F("due_at"))


def _medians(qs, *, missed: Q, now: datetime) -> tuple[dict[tuple, int], dict[str, int]]:
    """The median minutes late of the missed deadlines per group and kind, and per kind, in
    one query: the middle one or two rows of each, found by the database with window
    functions."""
    by_group, by_kind = [F("group_key"), F("kind")], [F("kind")]
    late = F("late").asc()
    rows = (
        qs.filter(missed)
        .annotate(late=_lateness(now))
        .annotate(
            group_position=Window(RowNumber(), partition_by=by_group, order_by=late),
            group_size=Window(Count("id"), partition_by=by_group),
            kind_position=Window(RowNumber(), partition_by=by_kind, order_by=late),
            kind_size=Window(Count("id"), partition_by=by_kind),
        )
        .filter(
            Q(
                group_position__gte=(F("group_size") + 1) / 2,
                group_position__lte=F("group_size") / 2 + 1,
            )
            | Q(
                kind_position__gte=(F("kind_size") + 1) / 2,
                kind_position__lte=F("kind_size") / 2 + 1,
            )
        )
        .values_list(
            "group_key",
            "kind",
            "late",
            "group_position",
            "group_size",
            "kind_position",
            "kind_size",
        )
    )
    groups: dict[tuple, list[float]] = {}
    kinds: dict[str, list[float]] = {}
    for key, kind, minutes, group_position, group_size, kind_position, kind_size in rows:
        if (group_size + 1) // 2 <= group_position <= group_size // 2 + 1:
            groups.setdefault((key, kind), []).append(minutes)
        if (kind_size + 1) // 2 <= kind_position <= kind_size // 2 + 1:
            kinds.setdefault(kind, []).append(minutes)

    def middle(found: dict) -> dict:
        return {key: round(sum(values) / len(values)) for key, values in found.items()}

    return middle(groups), middle(kinds)


def _names(group: str, keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    if group == "policy":
        return dict(SlaPolicy.objects.filter(pk__in=keys).values_list("id", "name"))
    if group == "organization":
        return dict(Organization.objects.filter(pk__in=keys).values_list("id", "name"))
    users = get_user_model().objects.filter(pk__in=keys)
    return {u.id: person_name(u) for u in users.only("id", "username", "first_name", "last_name")}


def check_range(*, start: date, end: date) -> None:
    """Refuse a range that is empty, reversed, longer than MAX_DAYS or off the calendar."""
    for name, value in (("from", start), ("to", end)):
        moment = datetime.combine(value, time.min, tzinfo=UTC)
        if not timefmt.in_range(moment) or not timefmt.in_range(moment + timedelta(days=2)):
            raise TicketError(
                _("%(date)s is out of range: give a date between 1900 and 2999.")
                % {"date": value.isoformat()},
                field=name,
            )
    if end <= start:
        raise TicketError(
            _(
                "“To” (%(end)s) must come after “from” (%(start)s); the day “to” names is not "
                "included: for one day, give the next day as “to”."
            )
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="to",
        )
    if (end - start).days > MAX_DAYS:
        raise TicketError(
            _("The range is %(days)s days long; at most %(max)s days at a time.")
            % {"days": (end - start).days, "max": MAX_DAYS},
            field="to",
        )


def sla_report(
    *, start: date, end: date, group: str, tz: tzinfo, now: datetime | None = None
) -> Report:
    """SLA compliance and promises kept for the deadlines falling due in [start, end)
    (dates in `tz`), per `group` ("policy", "organization" or "agent") and kind.

    A deadline is met on time when met at or before its due time; missed when a breach was
    recorded, it was met late, it is still open past its due time, or it was cancelled after
    it; anything else (running, paused, cancelled in time) is open and left out of the rate.
    Raises TicketError (with `field`) for an unknown group or a bad range.
    """
    if group not in GROUPS:
        raise TicketError(
            _("Unknown grouping “%(group)s”: use one of %(known)s.")
            % {"group": group, "known": ", ".join(GROUPS)},
            field="group",
        )
    check_range(start=start, end=end)
    now = now or timezone.now()
    start_at = datetime.combine(start, time.min, tzinfo=tz)
    end_at = datetime.combine(end, time.min, tzinfo=tz)
    met, missed = _classes(now)
    qs = Deadline.objects.filter(due_at__gte=start_at, due_at__lt=end_at).order_by()
    by_group = qs.annotate(group_key=_group_expression(group))
    counts = {
        "due": Count("id"),
        "met": Count("id", filter=met),
        "missed": Count("id", filter=missed),
    }

    grouped = by_group.values("group_key", "kind").annotate(**counts)
    medians, total_medians = _medians(by_group, missed=missed, now=now)
    cells: dict[int | None, dict[str, Figures]] = {}
    for item in grouped:
        key, kind = item["group_key"], item["kind"]
        cells.setdefault(key, {})[kind] = Figures(
            due=item["due"],
            met=item["met"],
            missed=item["missed"],
            median_minutes_late=medians.get((key, kind)),
        )

    names = _names(group, {k for k in cells if k is not None})
    rows = [
        Row(
            key=key,
            name=names.get(key, _none_label(group)) if key is not None else _none_label(group),
            figures={k: found.get(k, Figures()) for k in KINDS},
        )
        for key, found in cells.items()
    ]
    # By name; "no policy" / "unassigned" last.
    rows.sort(key=lambda r: (r.key is None, r.name.casefold(), r.key or 0))

    totals = {
        k: Figures(
            due=sum(r.figures[k].due for r in rows),
            met=sum(r.figures[k].met for r in rows),
            missed=sum(r.figures[k].missed for r in rows),
            median_minutes_late=total_medians.get(k),
        )
        for k in KINDS
    }
    return Report(
        start=start,
        end=end,
        group=group,
        tz=tz,
        now=now,
        rows=rows,
        totals=totals,
        weeks=_weeks(qs, start=start, end=end, tz=tz, counts=counts),
    )


def mondays(start: date, end: date) -> list[date]:
    """The Mondays of the weeks that [start, end) touches (the first may be before start)."""
    found = []
    monday = start - timedelta(days=start.weekday())
    while monday < end:
        found.append(monday)
        monday += timedelta(days=7)
    return found


def week_number(field: str, weeks: list[date], tz: tzinfo):
    """An expression giving the number of the week (in `weeks`, Mondays in `tz`) that
    `field` falls in. Comparisons with the weeks' limits, worked out here in the viewer's
    zone, in a balanced tree (six comparisons a row for a year): no date function per row,
    which SQLite would run in Python."""
    limits = [datetime.combine(m, time.min, tzinfo=tz) for m in weeks]

    def number(low: int, high: int):
        if low == high:
            return Value(low)
        middle = (low + high + 1) // 2
        return Case(
            When(**{f"{field}__lt": limits[middle]}, then=number(low, middle - 1)),
            default=number(middle, high),
            output_field=IntegerField(),
        )

    return number(0, len(weeks) - 1)


def _weeks(qs, *, start: date, end: date, tz: tzinfo, counts: dict) -> list[Week]:
    mondays_ = mondays(start, end)
    found: dict[int, dict[str, Figures]] = {}
    for item in (
        qs.annotate(week=week_number("due_at", mondays_, tz))
        .values("week", "kind")
        .annotate(**counts)
    ):
        found.setdefault(item["week"], {})[item["kind"]] = Figures(
            due=item["due"], met=item["met"], missed=item["missed"]
        )
    return [
        Week(start=m, figures={k: found.get(i, {}).get(k, Figures()) for k in KINDS})
        for i, m in enumerate(mondays_)
    ]


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = [
    "from",
    "to",
    "group",
    "id",
    "name",
    "kind",
    "due",
    "met_on_time",
    "missed",
    "open",
    "compliance_percent",
    "median_minutes_late",
]


def _number(value) -> str:
    return "" if value is None else str(value)


def report_csv(report: Report) -> str:
    """One line per group and kind under a header row (CSV_HEADER): stable column names and
    kind codes, dates as YYYY-MM-DD, percentages with a decimal point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        for kind in KINDS:
            f = row.figures[kind]
            writer.writerow(
                [
                    report.start.isoformat(),
                    report.end.isoformat(),
                    report.group,
                    _number(row.key),
                    cell_text(row.name),
                    kind.value,
                    f.due,
                    f.met,
                    f.missed,
                    f.open,
                    _number(f.compliance),
                    _number(f.median_minutes_late),
                ]
            )
    return out.getvalue()


def csv_filename(report: Report) -> str:
    return f"sla-report-{report.group}-{report.start.isoformat()}-{report.end.isoformat()}.csv"


# --- Charts ----------------------------------------------------------------------------------


def _chart(cls, **extra):
    return chartlib.chart(cls, **_config(**extra))


def _config(**extra) -> dict:
    return {
        "no_data_text": _("No deadlines fell due"),
        "width": 800,
        "range": (0, 100),
        "include_x_axis": True,
        "print_values": True,
        "value_formatter": lambda v: "" if v is None else f"{v:.0f}%",
        "truncate_label": 28,
        "truncate_legend": 40,
        **extra,
    }


def chart_titles() -> dict[str, str]:
    return {
        DeadlineKind.FIRST_RESPONSE: _("First response on time (%)"),
        DeadlineKind.CHECKPOINT: _("Updates on time (%)"),
        DeadlineKind.RESOLUTION: _("Resolution on time (%)"),
        DeadlineKind.PROMISE: _("Promises kept (%)"),
        "weeks": _("Compliance by week (%)"),
    }


def kind_labels() -> dict[str, str]:
    return {
        DeadlineKind.FIRST_RESPONSE: _("First response"),
        DeadlineKind.CHECKPOINT: _("Updates on time"),
        DeadlineKind.RESOLUTION: _("Resolution"),
        DeadlineKind.PROMISE: _("Promises kept"),
    }


def report_charts(report: Report) -> dict[str, str]:
    """SVG charts of the report: compliance per group for each kind (the CHART_GROUPS groups
    with the most deadlines), keyed by kind, and compliance per kind by week ("weeks").
    Self-contained drawings: no script, no link, nothing fetched."""
    titles, legends = chart_titles(), kind_labels()
    charts: dict[str, str] = {}
    rows = sorted(report.rows, key=lambda r: -r.due)[:CHART_GROUPS]
    rows.sort(key=lambda r: (r.key is None, r.name.casefold(), r.key or 0))
    for kind in KINDS:
        # Horizontal bars are drawn from the bottom up: reversed, they read in table order.
        shown = [r for r in reversed(rows) if r.figures[kind].due]
        chart = _chart(
            pygal.HorizontalBar,
            title=titles[kind],
            show_legend=False,
            height=max(170, 90 + 34 * len(shown)),
        )
        chart.x_labels = [label(r.name) for r in shown]
        chart.add(label(titles[kind]), [r.figures[kind].compliance for r in shown])
        charts[kind] = chart.render(is_unicode=True)

    weeks = _chart(
        pygal.Line,
        title=titles["weeks"],
        height=360,
        print_values=False,
        allow_interruptions=True,
        show_minor_x_labels=len(report.weeks) <= 14,
        x_labels_major_count=8,
        legend_at_bottom=True,
    )
    weeks.x_labels = [w.start.strftime("%m-%d") for w in report.weeks]
    for kind in KINDS:
        weeks.add(label(legends[kind]), [w.figures[kind].compliance for w in report.weeks])
    charts["weeks"] = weeks.render(is_unicode=True)
    return charts
