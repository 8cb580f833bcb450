"""Service levels: which policy applies to a request, and when its promised times fall in the
business time of the policy's calendar (P1, P12).

Calendars are laid out once per process and reused until their row changes (`updated_at`),
so a due time costs two small queries and two binary searches.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kizuna.sla.calendar import (
    YEAR_END_CLOSING,
    Calendar,
    CalendarError,
    dates_from,
    time_zone,
    weekly_from,
)
from kizuna.sla.models import BusinessCalendar, SlaChange, SlaPolicy
from kizuna.tickets.models import Organization, Priority
from kizuna.tickets.workflow import TicketError

# The longest target: a year of business minutes at eight hours a day.
MAX_TARGET = 8 * 60 * 366

_cache: dict[int, tuple[datetime, Calendar]] = {}
_cache_lock = threading.Lock()


def calendar_build(row: BusinessCalendar) -> Calendar:
    """The arithmetic of a calendar row; raises CalendarError naming the field at fault."""
    for field, kind in (("hours", dict), ("closed_days", list), ("extra_working_days", list)):
        if not isinstance(getattr(row, field) or kind(), kind):
            raise CalendarError(_("This field has the wrong shape."), field=field)
    return Calendar(
        zone=time_zone(row.time_zone),
        weekly=weekly_from(row.hours or {}) if not row.always_open else {},
        country=row.country,
        subdivision=row.subdivision,
        closed=dates_from(row.closed_days or [], field="closed_days"),
        closed_yearly=frozenset(YEAR_END_CLOSING) if row.year_end_closing else frozenset(),
        extra_working_days=dates_from(row.extra_working_days or [], field="extra_working_days"),
        extra_day_hours=(),
        always_open=row.always_open,
    )


def calendar_for(row: BusinessCalendar) -> Calendar:
    """The calendar of `row`, laid out once per process while the row is unchanged."""
    with _cache_lock:
        hit = _cache.get(row.pk)
        if hit is not None and hit[0] == row.updated_at:
            return hit[1]
    calendar = calendar_build(row)
    with _cache_lock:
        _cache[row.pk] = (row.updated_at, calendar)
    return calendar


# Policies and organizations' tiers are read on every ticket change; they change rarely. Each
# process keeps them for a few seconds (a change made in the process itself, or saved through
# the ORM anywhere in it, clears them at once; other processes see it within the TTL).
_TTL_SECONDS = 10.0
_policies: dict[tuple[str, str], SlaPolicy] | None = None
_policies_loaded = 0.0
_tiers: dict[int, tuple[float, str]] = {}
_lookup_lock = threading.Lock()


def sla_cache_clear(*args, **kwargs) -> None:
    """Forget the kept policies and tiers (connected to saves and deletions)."""
    global _policies
    with _lookup_lock:
        _policies = None
        _tiers.clear()


def _all_policies() -> dict[tuple[str, str], SlaPolicy]:
    global _policies, _policies_loaded
    with _lookup_lock:
        if _policies is not None and monotonic() - _policies_loaded < _TTL_SECONDS:
            return _policies
    loaded = {
        (p.contract_tier, p.priority): p for p in SlaPolicy.objects.select_related("calendar")
    }
    with _lookup_lock:
        _policies, _policies_loaded = loaded, monotonic()
    return loaded


def policy_for(*, contract_tier: str, priority: str) -> SlaPolicy | None:
    """The most specific policy: tier and priority, then tier, then priority, then neither."""
    policies = _all_policies()
    for key in ((contract_tier, priority), (contract_tier, ""), ("", priority), ("", "")):
        if key in policies:
            return policies[key]
    return None


def _tier(organization_id: int) -> str:
    with _lookup_lock:
        hit = _tiers.get(organization_id)
        if hit is not None and monotonic() - hit[0] < _TTL_SECONDS:
            return hit[1]
    tier = (
        Organization.objects.filter(pk=organization_id)
        .values_list("contract_tier", flat=True)
        .first()
        or ""
    )
    with _lookup_lock:
        if len(_tiers) > 10_000:
            _tiers.clear()
        _tiers[organization_id] = (monotonic(), tier)
    return tier


def policy_for_organization(*, organization_id: int, priority: str) -> SlaPolicy | None:
    return policy_for(contract_tier=_tier(organization_id), priority=priority)


def first_response_due(*, organization_id: int, priority: str, now: datetime) -> datetime | None:
    """When the customer will hear from us at the latest under the matching policy, in its
    calendar's business time; None when no policy applies."""
    policy = policy_for_organization(organization_id=organization_id, priority=priority)
    if policy is None:
        return None
    return calendar_for(policy.calendar).add(now, policy.first_response_minutes)


def update_interval_due(*, organization_id: int, priority: str, now: datetime) -> datetime | None:
    """The latest the next news may come after an update, under the matching policy."""
    policy = policy_for_organization(organization_id=organization_id, priority=priority)
    if policy is None:
        return None
    return calendar_for(policy.calendar).add(now, policy.update_interval_minutes)


class PolicyServiceLevels:
    """The ticket services' source of promised times (installed by the app at start)."""

    def response_due(
        self, *, organization_id: int, priority: str, now: datetime
    ) -> datetime | None:
        return first_response_due(organization_id=organization_id, priority=priority, now=now)

    def update_due(self, *, organization_id: int, priority: str, now: datetime) -> datetime | None:
        return update_interval_due(organization_id=organization_id, priority=priority, now=now)


# --- Managers' changes ------------------------------------------------------------------------

CALENDAR_FIELDS = (
    "name",
    "time_zone",
    "hours",
    "always_open",
    "country",
    "subdivision",
    "year_end_closing",
    "closed_days",
    "extra_working_days",
)
POLICY_FIELDS = (
    "name",
    "contract_tier",
    "priority",
    "calendar_id",
    "first_response_minutes",
    "update_interval_minutes",
    "resolution_minutes",
    "pause_for_third_party",
    "warn_percent",
    "holding_update",
)


def _snapshot(row, fields) -> dict:
    return {f: getattr(row, f) for f in fields}


def _refuse(message: str, field: str):
    raise TicketError(message, field=field)


def _refuse_unknown(values: dict, known: tuple[str, ...]) -> None:
    unknown = set(values) - set(known)
    if unknown:
        raise TicketError(_("Unknown field: %(name)s") % {"name": sorted(unknown)[0]}, field="")


def _record(*, kind: str, row, fields, before: dict | None, deleted: bool, actor_user, at) -> None:
    """Keep who changed what (SlaChange): the values before, and after unless deleted."""
    SlaChange.objects.create(
        kind=kind,
        object_id=row.pk,
        name=row.name,
        user=actor_user,
        at=at,
        before=before,
        after=None if deleted else _snapshot(row, fields),
    )


def _save_recorded(row, *, kind: str, fields, before: dict | None, actor_user, now):
    """Save a checked calendar or policy and record the change, in one transaction."""
    row.updated_at = now or timezone.now()
    with transaction.atomic():
        row.save()
        _record(
            kind=kind,
            row=row,
            fields=fields,
            before=before,
            deleted=False,
            actor_user=actor_user,
            at=row.updated_at,
        )
    return row


def calendar_save(
    *, calendar: BusinessCalendar | None = None, actor_user, now: datetime | None = None, **values
) -> BusinessCalendar:
    """Create or change a calendar. It is checked whole (hours, zone, country, dates) before
    anything is written; the change is recorded. Policies using it count new clocks in the new
    calendar; due times already set stay as they are."""
    _refuse_unknown(values, CALENDAR_FIELDS)
    row = calendar or BusinessCalendar()
    before = _snapshot(row, CALENDAR_FIELDS) if calendar else None
    for key, value in values.items():
        setattr(row, key, value)
    row.name = " ".join(str(row.name or "").split())
    if not row.name or len(row.name) > 100:
        _refuse(_("Give the calendar a name of at most 100 characters."), "name")
    if BusinessCalendar.objects.filter(name=row.name).exclude(pk=row.pk).exists():
        _refuse(_("Another calendar already has this name."), "name")
    try:
        calendar_build(row)
    except CalendarError as exc:
        raise TicketError(str(exc), field=exc.field) from None
    return _save_recorded(
        row, kind="calendar", fields=CALENDAR_FIELDS, before=before, actor_user=actor_user, now=now
    )


def calendar_delete(*, calendar: BusinessCalendar, actor_user) -> None:
    if calendar.policies.exists():
        _refuse(
            _("Policies use this calendar (%(names)s); give them another calendar first.")
            % {"names": ", ".join(calendar.policies.values_list("name", flat=True))},
            "calendar",
        )
    with transaction.atomic():
        _record(
            kind="calendar",
            row=calendar,
            fields=CALENDAR_FIELDS,
            before=_snapshot(calendar, CALENDAR_FIELDS),
            deleted=True,
            actor_user=actor_user,
            at=timezone.now(),
        )
        calendar.delete()


def policy_save(
    *, policy: SlaPolicy | None = None, actor_user, now: datetime | None = None, **values
) -> SlaPolicy:
    """Create or change a policy: targets are whole business minutes above zero, and one
    policy serves each tier and priority. Applies to clocks started afterwards; recorded."""
    _refuse_unknown(values, POLICY_FIELDS)
    row = policy or SlaPolicy()
    before = _snapshot(row, POLICY_FIELDS) if policy else None
    for key, value in values.items():
        setattr(row, key, value)
    row.name = " ".join(str(row.name or "").split())
    row.contract_tier = " ".join(str(row.contract_tier or "").split())
    if not row.name or len(row.name) > 100:
        _refuse(_("Give the policy a name of at most 100 characters."), "name")
    if len(row.contract_tier) > 32:
        _refuse(_("A contract tier has at most 32 characters."), "contract_tier")
    if row.priority not in {"", *Priority.values}:
        _refuse(_("Unknown priority."), "priority")
    if not row.calendar_id or not BusinessCalendar.objects.filter(pk=row.calendar_id).exists():
        _refuse(_("Choose a calendar."), "calendar")
    for field in ("first_response_minutes", "update_interval_minutes", "resolution_minutes"):
        value = getattr(row, field)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_TARGET:
            _refuse(
                _("A target is a whole number of business minutes from 1 to %(max)s.")
                % {"max": MAX_TARGET},
                field,
            )
    percent = row.warn_percent
    if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 99:
        _refuse(_("The warning share is a whole percentage from 1 to 99."), "warn_percent")
    clash = SlaPolicy.objects.filter(contract_tier=row.contract_tier, priority=row.priority)
    if clash.exclude(pk=row.pk).exists():
        _refuse(_("Another policy already serves this contract tier and priority."), "priority")
    return _save_recorded(
        row, kind="policy", fields=POLICY_FIELDS, before=before, actor_user=actor_user, now=now
    )


def policy_delete(*, policy: SlaPolicy, actor_user) -> None:
    """Remove a policy; requests it covered fall to the next most specific one. Due times
    already set on tickets stay as they are."""
    with transaction.atomic():
        _record(
            kind="policy",
            row=policy,
            fields=POLICY_FIELDS,
            before=_snapshot(policy, POLICY_FIELDS),
            deleted=True,
            actor_user=actor_user,
            at=timezone.now(),
        )
        policy.delete()


# --- Checkpoints an agent is offered ----------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    label: str
    when: datetime


def _round_up(t: datetime, minutes: int = 5) -> datetime:
    t = t.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if t.second or t.microsecond else timedelta()
    )
    extra = (-t.minute) % minutes
    return t + timedelta(minutes=extra)


def _at_clock(calendar: Calendar, day: date, hour: int) -> datetime | None:
    """`hour`:00 on `day` if the calendar is open then."""
    for start, end in calendar.open_ranges(day):
        moment = datetime.combine(day, time(hour), tzinfo=calendar.zone)
        if start <= moment < end:
            return moment
    return None


def _day_and_time(when: datetime, *, shown_in, today: date) -> str:
    local = when.astimezone(shown_in)
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return _("today %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("tomorrow %(time)s") % {"time": clock}
    return f"{formats.date_format(local, 'l')} {clock}"


def checkpoint_suggestions(
    *, organization_id: int, priority: str, now: datetime, shown_in
) -> list[Suggestion]:
    """Next-update times inside business hours to offer beside the date field (P1): in one and
    two business hours, 17:00 today, 10:00 and 17:00 on the next working day (the policy
    calendar's clock), and the end of the policy's update interval. Labels name the day and
    time in `shown_in` (the agent's zone), in the active language."""
    policy = policy_for_organization(organization_id=organization_id, priority=priority)
    if policy is None:
        return []
    calendar = calendar_for(policy.calendar)
    agent_today = now.astimezone(shown_in).date()
    candidates: list[tuple[str, datetime | None]] = [
        (_("1 business hour"), _round_up(calendar.add(now, 60))),
        (_("2 business hours"), _round_up(calendar.add(now, 120))),
    ]
    today = now.astimezone(calendar.zone).date()
    candidates.append(("", _at_clock(calendar, today, 17)))
    day = today + timedelta(days=1)
    for _step in range(366):
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    candidates += [("", _at_clock(calendar, day, 10)), ("", _at_clock(calendar, day, 17))]
    candidates.append(
        (
            _("update interval"),
            _round_up(calendar.add(now, policy.update_interval_minutes)),
        )
    )
    found: list[Suggestion] = []
    for note, when in candidates:
        if when is None or when <= now + timedelta(minutes=10):
            continue
        if any(s.when == when for s in found):
            continue
        label = _day_and_time(when, shown_in=shown_in, today=agent_today)
        found.append(Suggestion(f"{label} ({note})" if note else label, when))
    return sorted(found, key=lambda s: s.when)
