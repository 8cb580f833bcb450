"""Reads of the service levels for the desk."""

from __future__ import annotations

from django.db.models import QuerySet

from kizuna.sla.models import BusinessCalendar, SlaChange, SlaPolicy


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.order_by("name")


def calendar_by_id(*, calendar_id: int | None) -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id else None


def policies() -> QuerySet[SlaPolicy]:
    """Every policy with its calendar, the general ones (no tier) first."""
    return SlaPolicy.objects.select_related("calendar").order_by("contract_tier", "priority", "id")


def policy_by_id(*, policy_id: int | None) -> SlaPolicy | None:
    return (
        SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first()
        if policy_id
        else None
    )


def recent_changes(*, limit: int = 20) -> list[SlaChange]:
    return list(SlaChange.objects.select_related("user").order_by("-at", "-id")[:limit])
