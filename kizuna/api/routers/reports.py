"""GET /api/v1/reports/service-levels: the SLA and promise-keeping report (P12, P13), with
the same figures as the desk's report page (kizuna.sla.reports, docs/sla.md "Report"); GET
/api/v1/reports/satisfaction: customer satisfaction (P10; kizuna.closing.reports)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from kizuna.api.schemas import ERRORS, ErrorOut, one_of
from kizuna.closing import reports as satisfaction
from kizuna.sla import reports

router = Router(tags=["reports"])


class CountsOut(Schema):
    due: int = Field(description="Deadlines of this kind that fell due in the range.")
    met: int = Field(description="Met at or before their due time.")
    missed: int = Field(
        description="Met late, breached, still open after their due time, or cancelled after it."
    )
    open: int = Field(
        description="Still running, paused, or cancelled before their time: not in the rate."
    )
    compliance: float | None = Field(
        description="met / (met + missed) in percent, one decimal; null when none was decided."
    )


class FiguresOut(CountsOut):
    median_minutes_late: int | None = Field(
        description="The median lateness of the missed ones, in minutes of clock time."
    )


class KindsOut(Schema):
    first_response: FiguresOut
    checkpoint: FiguresOut = Field(description="Updates on time (the next-update promises).")
    resolution: FiguresOut
    promise: FiguresOut = Field(description="Promises the agents wrote down and kept (P13).")


class WeekKindsOut(Schema):
    first_response: CountsOut
    checkpoint: CountsOut
    resolution: CountsOut
    promise: CountsOut


class GroupOut(Schema):
    id: int | None = Field(
        description="The policy's, organization's or agent's id; null for no policy / unassigned."
    )
    name: str
    figures: KindsOut


class WeekOut(Schema):
    start: date = Field(description="The Monday of the week; the first and last may be partial.")
    figures: WeekKindsOut


class SlaReportOut(Schema):
    start: date = Field(alias="from")
    end: date = Field(alias="to", description="The day after the last one counted.")
    group: str
    timezone: str = Field(description="The time zone the dates are days in (the agent's).")
    groups: list[GroupOut]
    totals: KindsOut
    weeks: list[WeekOut]


def _kinds(figures: dict, *, median: bool = True) -> dict:
    return {kind.value: figures[kind].to_dict(median=median) for kind in reports.KINDS}


def report_dict(report: reports.Report) -> dict:
    return {
        "from": report.start,
        "to": report.end,
        "group": report.group,
        "timezone": report.timezone_name,
        "groups": [
            {"id": row.key, "name": row.name, "figures": _kinds(row.figures)} for row in report.rows
        ],
        "totals": _kinds(report.totals),
        "weeks": [
            {"start": week.start, "figures": _kinds(week.figures, median=False)}
            for week in report.weeks
        ],
    }


_FROM = Query(
    None,
    alias="from",
    description="First day (YYYY-MM-DD, in the agent's time zone); 29 days before today if left out.",
)
_TO = Query(
    None,
    alias="to",
    description="The day after the last one (not included); tomorrow if left out. At most 366 "
    "days after `from`.",
)
_GROUP = Query("policy", description="Figures per policy, organization or agent.")


@router.get(
    "/service-levels",
    response={200: SlaReportOut, 403: ErrorOut, **ERRORS},
    by_alias=True,
    url_name="report_service_levels",
    operation_id="report_service_levels",
)
def report_service_levels(
    request,
    start: date | None = _FROM,
    end: date | None = _TO,
    group: one_of(*reports.GROUPS) = _GROUP,
):
    """SLA compliance (first response, updates on time, resolution) and promises kept, for the
    deadlines that fell due in [from, to), per group and kind, with totals and weeks. For team
    leads, managers and administrators, as in the desk."""
    if not reports.may_see_report(request.auth):
        raise HttpError(403, _("The SLA report is for team leads and managers."))
    default_start, default_end = reports.default_range(tz=request.agent_tz)
    report = reports.sla_report(
        start=start or default_start,
        end=end or default_end,
        group=group,
        tz=request.agent_tz,
    )
    return report_dict(report)


class SatisfactionFiguresOut(Schema):
    ratings: int = Field(description="Requests whose latest rating was given in the range.")
    average: float | None = Field(description="Their average rating (1–5), one decimal.")
    satisfied: int = Field(description="Rated 4 or 5.")
    satisfied_percent: float | None
    poor: int = Field(description="Rated 1 or 2 (each one a follow-up for the team lead).")


class SatisfactionGroupOut(Schema):
    id: int | None = Field(description="The agent's, team's or organization's id; null for none.")
    name: str
    figures: SatisfactionFiguresOut


class SatisfactionWeekOut(Schema):
    start: date = Field(description="The Monday of the week; the first and last may be partial.")
    figures: SatisfactionFiguresOut


class SatisfactionReportOut(Schema):
    start: date = Field(alias="from")
    end: date = Field(alias="to", description="The day after the last one counted.")
    group: str
    timezone: str
    groups: list[SatisfactionGroupOut]
    total: SatisfactionFiguresOut
    weeks: list[SatisfactionWeekOut]


_SATISFACTION_GROUP = Query("agent", description="Figures per agent, team or organization.")


@router.get(
    "/satisfaction",
    response={200: SatisfactionReportOut, 403: ErrorOut, **ERRORS},
    by_alias=True,
    url_name="report_satisfaction",
    operation_id="report_satisfaction",
)
def report_satisfaction(
    request,
    start: date | None = _FROM,
    end: date | None = _TO,
    group: one_of(*satisfaction.GROUPS) = _SATISFACTION_GROUP,
):
    """Customer satisfaction (P10): each request's latest rating (1–5) given in [from, to),
    per group, with the total and the weeks. For managers, as in the desk."""
    if not reports.may_see_report(request.auth):
        raise HttpError(403, _("The satisfaction report is for team leads and managers."))
    default_start, default_end = reports.default_range(tz=request.agent_tz)
    report = satisfaction.satisfaction_report(
        start=start or default_start,
        end=end or default_end,
        group=group,
        tz=request.agent_tz,
    )
    return {
        "from": report.start,
        "to": report.end,
        "group": report.group,
        "timezone": report.timezone_name,
        "groups": [
            {"id": row.key, "name": row.name, "figures": row.figures.to_dict()}
            for row in report.rows
        ],
        "total": report.total.to_dict(),
        "weeks": [{"start": w.start, "figures": w.figures.to_dict()} for w in report.weeks],
    }
