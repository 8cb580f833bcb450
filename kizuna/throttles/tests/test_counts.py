"""Throttle counts: a sliding window, in the database, keyed without storing the value."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from kizuna.throttles import services
from kizuna.throttles.models import ThrottleHit

HOUR = timedelta(hours=1)


class CountTests(TestCase):
    def test_hits_count_within_the_window_only(self):
        start = timezone.now()
        for minutes in (0, 20, 40):
            services.throttle_hit(
                "s", "taro@example.jp", window=HOUR, now=start + timedelta(minutes=minutes)
            )
        self.assertEqual(
            services.throttle_count(
                "s", "taro@example.jp", window=HOUR, now=start + timedelta(minutes=50)
            ),
            3,
        )
        # An hour after the first, it no longer counts.
        later = start + timedelta(minutes=61)
        self.assertEqual(services.throttle_count("s", "taro@example.jp", window=HOUR, now=later), 2)
        self.assertEqual(services.throttle_hit("s", "taro@example.jp", window=HOUR, now=later), 3)

    def test_scopes_and_values_are_counted_apart(self):
        services.throttle_hit("a", "x", window=HOUR)
        services.throttle_hit("b", "x", window=HOUR)
        services.throttle_hit("a", "y", window=HOUR)
        self.assertEqual(services.throttle_count("a", "x", window=HOUR), 1)

    def test_the_value_itself_is_not_stored(self):
        services.throttle_hit("portal-link-email", "hanako@example.jp", window=HOUR)
        hit = ThrottleHit.objects.get()
        self.assertNotIn("hanako", hit.subject)
        self.assertEqual(len(hit.subject), 64)

    def test_hits_older_than_a_day_are_deleted_as_new_ones_come(self):
        now = timezone.now()
        services.throttle_hit("s", "v", window=HOUR, now=now - timedelta(days=2))
        services.throttle_hit("s", "other", window=HOUR, now=now - timedelta(hours=2))
        services.throttle_hit("t", "w", window=HOUR, now=now)
        self.assertEqual(ThrottleHit.objects.count(), 2)
