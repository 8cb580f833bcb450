"""The satisfaction report (P10; docs/closing.md, "Satisfaction report"): what customers said
of the help in a date range, per agent, team or organization, with the trend by week, SVG
charts and a CSV export.

The rating that counts for a request is its customer's latest one (an earlier answer given
again is replaced, both are kept); a request counts in the period in which that latest answer
was given. Figures come from two aggregate queries whatever the number of ratings.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

import pygal
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from kizuna.closing.models import Satisfaction
from kizuna.lib import charts as chartlib
from kizuna.lib.charts import cell_text, label
from kizuna.lib.names import person_name
from kizuna.sla.reports import Period, check_range, default_range, mondays, week_number
from kizuna.tickets.models import Organization, Team
from kizuna.tickets.workflow import TicketError

GROUPS = ["agent", "team", "organization"]
CHART_GROUPS = 20
__all__ = ["GROUPS", "check_range", "default_range", "satisfaction_report"]


@dataclass(frozen=True)
class Figures:
    ratings: int = 0
    average: float | None = None  # one decimal
    satisfied: int = 0  # rated 4 or 5
    poor: int = 0  # rated 1 or 2

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.ratings, 1) if self.ratings else None

    def to_dict(self) -> dict:
        return {
            "ratings": self.ratings,
            "average": self.average,
            "satisfied": self.satisfied,
            "satisfied_percent": self.satisfied_percent,
            "poor": self.poor,
        }


@dataclass(frozen=True)
class Row:
    key: int | None  # None: no agent / no team
    name: str
    figures: Figures


@dataclass(frozen=True)
class Week:
    start: date
    figures: Figures


@dataclass(frozen=True)
class Report(Period):
    start: date
    end: date  # not included
    group: str
    tz: tzinfo
    rows: list[Row] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    weeks: list[Week] = field(default_factory=list)


def group_label(group: str) -> str:
    return {"agent": _("Agent"), "team": _("Team"), "organization": _("Organization")}[group]


def _none_label(group: str) -> str:
    return {"agent": _("(no agent)"), "team": _("(no team)"), "organization": "—"}[group]


_FIELD = {"agent": "agent_id", "team": "team_id", "organization": "ticket__organization_id"}

_COUNTS = {
    "ratings": Count("id"),
    "average": Avg("rating"),
    "satisfied": Count("id", filter=Q(rating__gte=4)),
    "poor": Count("id", filter=Q(rating__lte=2)),
}


def _figures(item: dict) -> Figures:
    average = item["average"]
    return Figures(
        ratings=item["ratings"],
        average=round(float(average), 1) if average is not None else None,
        satisfied=item["satisfied"],
        poor=item["poor"],
    )


def _latest_in(start: date, end: date, tz: tzinfo):
    """Each request's latest rating, when it was given in [start, end)."""
    later = Satisfaction.objects.filter(ticket_id=OuterRef("ticket_id")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    return Satisfaction.objects.filter(
        created_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(end, time.min, tzinfo=tz),
    ).filter(~Exists(later))


def _names(group: str, keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    if group == "team":
        return dict(Team.objects.filter(pk__in=keys).values_list("id", "name"))
    if group == "organization":
        return dict(Organization.objects.filter(pk__in=keys).values_list("id", "name"))
    users = get_user_model().objects.filter(pk__in=keys)
    return {u.id: person_name(u) for u in users.only("id", "username", "first_name", "last_name")}


def satisfaction_report(*, start: date, end: date, group: str, tz: tzinfo) -> Report:
    """The latest rating of each request rated in [start, end) (dates in `tz`), per `group`
    ("agent", "team" or "organization"), with totals and the weeks."""
    check_range(start=start, end=end)
    if group not in GROUPS:
        raise TicketError(
            _("Group by one of: %(known)s.") % {"known": ", ".join(GROUPS)}, field="group"
        )
    qs = _latest_in(start, end, tz)
    grouped = list(qs.values(_FIELD[group]).annotate(**_COUNTS).order_by())
    keys = {item[_FIELD[group]] for item in grouped if item[_FIELD[group]] is not None}
    names = _names(group, keys)
    rows = [
        Row(
            key=item[_FIELD[group]],
            name=names.get(item[_FIELD[group]], _none_label(group))
            if item[_FIELD[group]] is not None
            else _none_label(group),
            figures=_figures(item),
        )
        for item in grouped
    ]
    rows.sort(key=lambda r: (r.key is None, r.name.casefold(), r.key or 0))
    total = _figures(qs.aggregate(**_COUNTS))
    return Report(
        start=start,
        end=end,
        group=group,
        tz=tz,
        rows=rows,
        total=total,
        weeks=_weeks(qs, start=start, end=end, tz=tz),
    )


def _weeks(qs, *, start: date, end: date, tz: tzinfo) -> list[Week]:
    weeks = mondays(start, end)
    found = {
        item["week"]: _figures(item)
        for item in qs.annotate(week=week_number("created_at", weeks, tz))
        .values("week")
        .annotate(**_COUNTS)
        .order_by()
    }
    return [Week(start=m, figures=found.get(i, Figures())) for i, m in enumerate(weeks)]


# --- CSV and charts --------------------------------------------------------------------------

CSV_HEADER = [
    "from",
    "to",
    "group",
    "id",
    "name",
    "ratings",
    "average",
    "satisfied",
    "satisfied_percent",
    "poor",
]


def _number(value) -> str:
    return "" if value is None else str(value)


def report_csv(report: Report) -> str:
    """One line per group, then one for the total (id and name empty, group "total")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    lines = [(report.group, row.key, row.name, row.figures) for row in report.rows]
    lines.append(("total", None, "", report.total))
    for group, key, name, f in lines:
        writer.writerow(
            [
                report.start.isoformat(),
                report.end.isoformat(),
                group,
                _number(key),
                cell_text(name),
                f.ratings,
                _number(f.average),
                f.satisfied,
                _number(f.satisfied_percent),
                f.poor,
            ]
        )
    return out.getvalue()


def csv_filename(report: Report) -> str:
    return f"satisfaction-{report.group}-{report.start.isoformat()}-{report.end.isoformat()}.csv"


def chart_titles() -> dict[str, str]:
    return {"groups": _("Average rating (1–5)"), "weeks": _("Average rating by week (1–5)")}


def report_charts(report: Report) -> dict[str, str]:
    """The average rating per group (the CHART_GROUPS with the most ratings) and by week."""
    titles = chart_titles()
    common = {
        "width": 800,
        "range": (1, 5),
        "no_data_text": _("No ratings in this period"),
        "value_formatter": lambda v: "" if v is None else f"{v:.1f}",
        "truncate_label": 28,
    }
    rows = sorted(report.rows, key=lambda r: -r.figures.ratings)[:CHART_GROUPS]
    rows.sort(key=lambda r: (r.key is None, r.name.casefold(), r.key or 0))
    shown = list(reversed(rows))
    bars = chartlib.chart(
        pygal.HorizontalBar,
        title=titles["groups"],
        show_legend=False,
        print_values=True,
        height=max(170, 90 + 34 * len(shown)),
        **common,
    )
    bars.x_labels = [label(r.name) for r in shown]
    bars.add(label(titles["groups"]), [r.figures.average for r in shown])
    weeks = chartlib.chart(
        pygal.Line,
        title=titles["weeks"],
        height=320,
        show_legend=False,
        allow_interruptions=True,
        show_minor_x_labels=len(report.weeks) <= 14,
        x_labels_major_count=8,
        **common,
    )
    weeks.x_labels = [w.start.strftime("%m-%d") for w in report.weeks]
    weeks.add(label(titles["weeks"]), [w.figures.average for w in report.weeks])
    return {"groups": bars.render(is_unicode=True), "weeks": weeks.render(is_unicode=True)}
