"""Managers' reports: SLA and promise keeping (P12, P13; docs/sla.md, "Report"), compliance
per policy, organization or agent; customer satisfaction (P10; docs/closing.md), the average
rating per agent, team or organization and its trend. Over a date range, as tables, charts
and CSV.

The figures come from kizuna.sla.reports and kizuna.closing.reports. Charts are SVG pictures shown as `<img>` with a
data: address: they carry pygal's own stylesheet, which the page's Content-Security-Policy
(no inline styles) would refuse inside the page itself, and a picture runs no script.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kizuna.closing import reports as satisfaction_reports
from kizuna.desk.views import reports_required
from kizuna.sla import reports
from kizuna.tickets.workflow import TicketError


class ReportForm(forms.Form):
    """from, to (not included) and group, as GET parameters; empty ones take the defaults."""

    group = forms.ChoiceField(
        label=_("Group by"),
        choices=[
            ("policy", _("Policy")),
            ("organization", _("Organization")),
            ("agent", _("Agent")),
        ],
    )
    format = forms.ChoiceField(required=False, choices=[("", "HTML"), ("csv", "CSV")])

    def __init__(self, params, *, tz):
        start, end = reports.default_range(tz=tz)
        data = {"from": start.isoformat(), "to": end.isoformat(), "group": "policy"}
        data.update(
            {k: v for k, v in params.items() if k in ("from", "to", "group", "format") and v}
        )
        super().__init__(data)
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        # "from" is a Python keyword: the fields carry the names of the query parameters.
        self.fields = {
            "from": forms.DateField(label=_("From"), widget=date_input),
            "to": forms.DateField(
                label=_("To (not included)"),
                widget=date_input,
                help_text=_("Deadlines falling due from the first day up to the day before this."),
            ),
            **self.fields,
        }


def _sections(report: reports.Report, charts: dict[str, str]) -> list[dict]:
    titles = reports.chart_titles()
    return [
        {
            "kind": kind.value,
            "title": titles[kind],
            "chart": reports.data_uri(charts[kind]),
            "rows": [(row, row.figures[kind]) for row in report.rows if row.figures[kind].due],
            "total": report.totals[kind],
        }
        for kind in reports.KINDS
    ]


@require_GET
@reports_required
def sla_report(request):
    tz = timezone.get_current_timezone()
    form = ReportForm(request.GET, tz=tz)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.sla_report(
                start=data["from"], end=data["to"], group=data["group"], tz=tz
            )
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if report is None:
        return render(request, "desk/sla_report.html", {"form": form}, status=400)

    if form.cleaned_data["format"] == "csv":
        return _csv_response(reports.report_csv(report), reports.csv_filename(report))

    charts = reports.report_charts(report)
    context = {
        "form": form,
        "report": report,
        "group_label": reports.group_label(report.group),
        "sections": _sections(report, charts),
        "weeks_chart": reports.data_uri(charts["weeks"]),
        "weeks_title": reports.chart_titles()["weeks"],
        "csv_query": _csv_query(request, report),
    }
    return render(request, "desk/sla_report.html", context)


class SatisfactionForm(ReportForm):
    def __init__(self, params, *, tz):
        params = params.copy()
        if params.get("group") not in satisfaction_reports.GROUPS:
            params["group"] = params.get("group") or "agent"
        super().__init__(params, tz=tz)
        self.fields["group"].choices = [
            ("agent", _("Agent")),
            ("team", _("Team")),
            ("organization", _("Organization")),
        ]
        self.fields["to"].help_text = _(
            "Ratings given from the first day up to the day before this."
        )


def _csv_query(request, report) -> str:
    """The page's own query for its CSV download, with the dates and group it shows."""
    params = request.GET.copy()
    params.update(
        {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "group": report.group,
            "format": "csv",
        }
    )
    return params.urlencode()


def _csv_response(text: str, filename: str) -> HttpResponse:
    # A byte-order mark, so that spreadsheet programs read Japanese names as UTF-8.
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@reports_required
def satisfaction_report(request):
    tz = timezone.get_current_timezone()
    form = SatisfactionForm(request.GET, tz=tz)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = satisfaction_reports.satisfaction_report(
                start=data["from"], end=data["to"], group=data["group"], tz=tz
            )
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if report is None:
        return render(request, "desk/satisfaction_report.html", {"form": form}, status=400)
    if form.cleaned_data["format"] == "csv":
        return _csv_response(
            satisfaction_reports.report_csv(report), satisfaction_reports.csv_filename(report)
        )
    charts = satisfaction_reports.report_charts(report)
    titles = satisfaction_reports.chart_titles()
    context = {
        "form": form,
        "report": report,
        "group_label": satisfaction_reports.group_label(report.group),
        "groups_chart": reports.data_uri(charts["groups"]),
        "weeks_chart": reports.data_uri(charts["weeks"]),
        "titles": titles,
        "csv_query": _csv_query(request, report),
    }
    return render(request, "desk/satisfaction_report.html", context)
