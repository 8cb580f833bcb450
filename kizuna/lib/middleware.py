"""Activate the viewer's own time zone so every date is shown where they are (P1)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone


class TimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tzname = _viewer_timezone(request)
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def _viewer_timezone(request) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        profile = getattr(user, "agent_profile", None)
        return profile.timezone if profile else None
    return request.session.get("portal_tz") if hasattr(request, "session") else None
