"""Service levels: which policy applies to a request, and when its promised times fall in the
business time of the policy's calendar (P1, P12).

Calendars are laid out once per process and reused until their row changes (`updated_at`),
so a due time costs two small queries and two binary searches.
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.db.models import Case, IntegerField, Q, Value, When

from kizuna.sla.calendar import (
    YEAR_END_CLOSING,
    Calendar,
    dates_from,
    time_zone,
    weekly_from,
)
from kizuna.sla.models import BusinessCalendar, SlaPolicy
from kizuna.tickets.models import Organization

_cache: dict[int, tuple[datetime, Calendar]] = {}
_cache_lock = threading.Lock()


def calendar_build(row: BusinessCalendar) -> Calendar:
    """The arithmetic of a calendar row; raises CalendarError naming the field at fault."""
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


def policy_for(*, contract_tier: str, priority: str) -> SlaPolicy | None:
    """The most specific policy: tier and priority, then tier, then priority, then neither."""
    rank = Case(
        When(Q(contract_tier=contract_tier) & Q(priority=priority), then=Value(0)),
        When(Q(contract_tier=contract_tier) & Q(priority=""), then=Value(1)),
        When(Q(contract_tier="") & Q(priority=priority), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        SlaPolicy.objects.filter(
            Q(contract_tier=contract_tier) | Q(contract_tier=""),
            Q(priority=priority) | Q(priority=""),
        )
        .select_related("calendar")
        .annotate(rank=rank)
        .order_by("rank", "id")
        .first()
    )


def first_response_due(*, organization_id: int, priority: str, now: datetime) -> datetime | None:
    """When the customer will hear from us at the latest under the matching policy, in its
    calendar's business time; None when no policy applies."""
    tier = (
        Organization.objects.filter(pk=organization_id)
        .values_list("contract_tier", flat=True)
        .first()
        or ""
    )
    policy = policy_for(contract_tier=tier, priority=priority)
    if policy is None:
        return None
    return calendar_for(policy.calendar).add(now, policy.first_response_minutes)


class PolicyServiceLevels:
    """The ticket services' source of promised times (installed by the app at start)."""

    def response_due(
        self, *, organization_id: int, priority: str, now: datetime
    ) -> datetime | None:
        return first_response_due(organization_id=organization_id, priority=priority, now=now)
