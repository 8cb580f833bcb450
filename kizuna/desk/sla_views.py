"""Managers' pages for the service levels (P12): business calendars and SLA policies.

Forms check the shape of what was typed; the sla services check the rest and record each
change. Changes apply to clocks started afterwards.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kizuna.desk.forms import WEEKDAY_NAMES, CalendarForm, PolicyForm, hours_text
from kizuna.desk.views import manager_required
from kizuna.lib.ids import parse_id
from kizuna.sla import selectors, services
from kizuna.tickets.workflow import TicketError


@manager_required
def overview(request):
    calendars = list(selectors.calendars())
    for calendar in calendars:
        calendar.week = [
            (name, hours_text((calendar.hours or {}).get(str(day))))
            for day, name in enumerate(WEEKDAY_NAMES)
        ]
    return render(
        request,
        "desk/service_levels.html",
        {
            "calendars": calendars,
            "policies": selectors.policies(),
            "changes": selectors.recent_changes(),
        },
    )


def _found(obj):
    if obj is None:
        raise Http404("No such calendar or policy.")
    return obj


def _apply_error(form, exc: TicketError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "hours":
        field = None
    form.add_error(field, exc.message)


@manager_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request, calendar_id: str | None = None):
    calendar = None
    if calendar_id is not None:
        calendar = _found(selectors.calendar_by_id(calendar_id=parse_id(calendar_id)))
    if request.method == "POST" and request.POST.get("delete") and calendar is not None:
        try:
            services.calendar_delete(calendar=calendar, actor_user=request.user)
        except TicketError as exc:
            form = CalendarForm(calendar=calendar)
            return _calendar_page(request, form, calendar, status=400, error=exc.message)
        return redirect("desk:service_levels")
    form = CalendarForm(request.POST or None, calendar=calendar)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.calendar_save(calendar=calendar, actor_user=request.user, **form.values())
            except TicketError as exc:
                _apply_error(form, exc)
            else:
                return redirect("desk:service_levels")
        return _calendar_page(request, form, calendar, status=400)
    return _calendar_page(request, form, calendar)


def _calendar_page(request, form, calendar, *, status=200, error=""):
    context = {"form": form, "calendar": calendar, "error": error}
    return render(request, "desk/calendar_form.html", context, status=status)


@manager_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, policy_id: str | None = None):
    policy = None
    if policy_id is not None:
        policy = _found(selectors.policy_by_id(policy_id=parse_id(policy_id)))
    if request.method == "POST" and request.POST.get("delete") and policy is not None:
        services.policy_delete(policy=policy, actor_user=request.user)
        return redirect("desk:service_levels")
    calendars = list(selectors.calendars())
    form = PolicyForm(request.POST or None, calendars=calendars, policy=policy)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.policy_save(policy=policy, actor_user=request.user, **form.values())
            except TicketError as exc:
                _apply_error(form, exc)
            else:
                return redirect("desk:service_levels")
        status = 400
    else:
        status = 200
    return render(request, "desk/policy_form.html", {"form": form, "policy": policy}, status=status)
