"""Counting attempts per client address and per target (an account, an email address) over
a sliding window, in the database so that all web processes share the counts (docs/security.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.crypto import salted_hmac

from kizuna.throttles.models import ThrottleHit

# Hits older than this are of no use to any window and are deleted as new ones come in.
KEEP = timedelta(days=1)


def _subject(scope: str, value: str) -> str:
    return salted_hmac(f"kizuna.throttles.{scope}", value, algorithm="sha256").hexdigest()


def throttle_count(
    scope: str, value: str, *, window: timedelta, now: datetime | None = None
) -> int:
    """How many attempts were counted for `value` in the last `window`."""
    now = now or timezone.now()
    return ThrottleHit.objects.filter(
        scope=scope, subject=_subject(scope, value), at__gt=now - window
    ).count()


def throttle_hit(scope: str, value: str, *, window: timedelta, now: datetime | None = None) -> int:
    """Count one attempt for `value`; returns the attempts in the last `window`, this one
    included. Concurrent attempts are all counted (one row each, no read-modify-write)."""
    now = now or timezone.now()
    subject = _subject(scope, value)
    # Usually nothing (an index range on `at`): the table never holds more than a day.
    ThrottleHit.objects.filter(at__lte=now - KEEP).delete()
    ThrottleHit.objects.create(scope=scope, subject=subject, at=now)
    return ThrottleHit.objects.filter(scope=scope, subject=subject, at__gt=now - window).count()


def throttle_clear(scope: str, value: str) -> None:
    ThrottleHit.objects.filter(scope=scope, subject=_subject(scope, value)).delete()
