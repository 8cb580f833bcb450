"""Business calendars against a brute-force reference that walks time minute by minute and
asks of each minute only "is the wall clock inside today's working hours?" — with Japanese
holidays (substitute holidays included), the year-end closing, and zones whose clocks change."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import holidays
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.sla.calendar import (
    YEAR_END_CLOSING,
    Calendar,
    CalendarError,
    parse_ranges,
    weekly_from,
)

UTC = zoneinfo.ZoneInfo("UTC")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")

WEEKDAYS_WITH_LUNCH = {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}


def japan() -> Calendar:
    return Calendar(
        zone=TOKYO,
        weekly=weekly_from(WEEKDAYS_WITH_LUNCH),
        country="JP",
        closed_yearly=frozenset(YEAR_END_CLOSING),
    )


def new_york() -> Calendar:
    # Early and late shifts, so that the hour the clocks change is inside working hours.
    hours = {d: [["00:00", "03:00"], ["08:30", "17:30"]] for d in range(7)}
    return Calendar(zone=NEW_YORK, weekly=weekly_from(hours), country="US")


def london() -> Calendar:
    hours = {d: [["01:15", "02:45"], ["09:00", "17:00"]] for d in range(6)}
    return Calendar(
        zone=LONDON,
        weekly=weekly_from(hours),
        closed=frozenset({date(2027, 3, 1)}),
        extra_working_days=frozenset({date(2027, 3, 7)}),  # a Sunday
    )


def always() -> Calendar:
    return Calendar(zone=TOKYO, always_open=True)


class Reference:
    """The same calendar, asked minute by minute."""

    def __init__(self, calendar: Calendar, weekly: dict, holiday_country: str = ""):
        self.cal = calendar
        self.weekly = {int(k): [(_m(a), _m(b)) for a, b in v] for k, v in weekly.items()}
        self.holidays = holidays.country_holidays(holiday_country) if holiday_country else {}

    def open(self, ts: int) -> bool:
        wall = datetime.fromtimestamp(ts, self.cal.zone)
        day = wall.date()
        minute = wall.hour * 60 + wall.minute
        if day in self.cal.extra_working_days:
            ranges = self.cal.extra_day_hours
        elif day in self.cal.closed or (day.month, day.day) in self.cal.closed_yearly:
            return False
        elif day in self.holidays:
            return False
        else:
            ranges = self.weekly.get(day.weekday(), ())
        return any(a <= minute < b for a, b in ranges)

    def add(self, t: datetime, minutes: int) -> datetime:
        if minutes == 0:
            return t
        ts, count = int(t.timestamp()), 0
        while True:
            if self.open(ts):
                count += 1
                if count == minutes:
                    return datetime.fromtimestamp(ts + 60, self.cal.zone)
            ts += 60

    def between(self, a: datetime, b: datetime) -> int:
        return sum(self.open(ts) for ts in range(int(a.timestamp()), int(b.timestamp()), 60))


def _m(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


CASES = {
    "japan": (japan, WEEKDAYS_WITH_LUNCH, "JP"),
    "new_york": (new_york, {d: [["00:00", "03:00"], ["08:30", "17:30"]] for d in range(7)}, "US"),
    "london": (london, {d: [["01:15", "02:45"], ["09:00", "17:00"]] for d in range(6)}, ""),
    "always": (always, {d: [["00:00", "24:00"]] for d in range(7)}, ""),
}
# Minutes from 2026-01-01 to 2028-12-31: the Golden Week, year-ends and both clock changes.
SPAN = 3 * 366 * 24 * 60
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
instants = st.integers(0, SPAN).map(lambda m: EPOCH + timedelta(minutes=m))


class AgainstTheReferenceTests(SimpleTestCase):
    calendars = {
        name: (make(), Reference(make(), weekly, country))
        for name, (make, weekly, country) in CASES.items()
    }

    @settings(max_examples=60, deadline=None)
    @given(name=st.sampled_from(sorted(CASES)), t=instants, minutes=st.integers(0, 3000))
    def test_adding_business_minutes(self, name, t, minutes):
        cal, ref = self.calendars[name]
        self.assertEqual(cal.add(t, minutes), ref.add(t, minutes))

    @settings(max_examples=60, deadline=None)
    @given(name=st.sampled_from(sorted(CASES)), a=instants, span=st.integers(0, 12 * 24 * 60))
    def test_business_minutes_between(self, name, a, span):
        cal, ref = self.calendars[name]
        b = a + timedelta(minutes=span)
        self.assertEqual(cal.minutes_between(a, b), ref.between(a, b))
        self.assertEqual(cal.minutes_between(b, a), -ref.between(a, b))

    @settings(max_examples=200, deadline=None)
    @given(name=st.sampled_from(sorted(CASES)), t=instants)
    def test_open_or_closed(self, name, t):
        cal, ref = self.calendars[name]
        self.assertEqual(cal.is_open(t), ref.open(int(t.timestamp())))

    @settings(max_examples=60, deadline=None)
    @given(name=st.sampled_from(sorted(CASES)), t=instants, minutes=st.integers(1, 3000))
    def test_adding_then_measuring_gives_the_minutes_back(self, name, t, minutes):
        cal, _ref = self.calendars[name]
        self.assertEqual(cal.minutes_between(t, cal.add(t, minutes)), minutes)


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class JapaneseCalendarTests(SimpleTestCase):
    def setUp(self):
        self.cal = japan()

    def test_a_saturday_evening_request_is_answered_on_monday_morning(self):
        # Four business hours from Saturday 16:54: Monday 09:00 plus three hours, lunch skipped.
        self.assertEqual(self.cal.add(tokyo(2026, 12, 5, 16, 54), 240), tokyo(2026, 12, 7, 14, 0))

    def test_friday_evening_before_a_monday_holiday_is_tuesday(self):
        # 2027-03-22 is a substitute holiday (Vernal Equinox Day fell on a Sunday).
        self.assertEqual(self.cal.add(tokyo(2027, 3, 19, 19, 0), 60), tokyo(2027, 3, 23, 10, 0))

    def test_the_year_end_closing_and_new_year_are_skipped(self):
        self.assertEqual(self.cal.add(tokyo(2026, 12, 28, 17, 30), 60), tokyo(2027, 1, 4, 9, 30))

    def test_lunch_is_not_business_time(self):
        self.assertFalse(self.cal.is_open(tokyo(2026, 12, 7, 12, 30)))
        self.assertEqual(self.cal.add(tokyo(2026, 12, 7, 11, 30), 60), tokyo(2026, 12, 7, 13, 30))

    def test_a_result_on_closing_time_is_that_closing_time(self):
        self.assertEqual(self.cal.add(tokyo(2026, 12, 7, 17, 0), 60), tokyo(2026, 12, 7, 18, 0))

    def test_business_minutes_over_a_weekend(self):
        self.assertEqual(
            self.cal.minutes_between(tokyo(2026, 12, 4, 17, 0), tokyo(2026, 12, 7, 10, 0)), 120
        )

    def test_questions_years_apart_are_answered(self):
        far = self.cal.add(tokyo(2026, 12, 7, 9, 0), 480 * 245 * 3)
        self.assertEqual(self.cal.minutes_between(tokyo(2026, 12, 7, 9, 0), far), 480 * 245 * 3)
        self.assertTrue(self.cal.is_open(tokyo(2031, 6, 2, 10, 0)))
        self.assertFalse(self.cal.is_open(tokyo(2019, 5, 1, 10, 0)))  # the enthronement holiday


class ClockChangeTests(SimpleTestCase):
    def test_the_night_the_clocks_go_forward_is_an_hour_shorter(self):
        cal = new_york()
        night = (
            datetime(2027, 3, 14, 0, 0, tzinfo=NEW_YORK),
            datetime(2027, 3, 14, 4, 0, tzinfo=NEW_YORK),
        )
        self.assertEqual(cal.minutes_between(*night), 120)  # 00:00–03:00 with 02:00–03:00 skipped

    def test_the_night_the_clocks_go_back_is_an_hour_longer(self):
        cal = new_york()
        start = datetime(2027, 11, 7, 0, 0, tzinfo=NEW_YORK)
        self.assertEqual(cal.minutes_between(start, start + timedelta(hours=5)), 240)


class BadCalendarTests(SimpleTestCase):
    def test_what_is_wrong_is_said(self):
        cases = [
            (lambda: Calendar(zone=TOKYO, weekly={}), "no working hours"),
            (lambda: parse_ranges([["09:00", "12:00"], ["11:00", "13:00"]]), "overlap"),
            (lambda: parse_ranges([["18:00", "09:00"]]), "ends before it starts"),
            (lambda: parse_ranges([["9:00", "12:00"]]), "is not a time like 09:00"),
            (lambda: parse_ranges([["０９:00", "12:00"]]), "is not a time like 09:00"),
            (lambda: parse_ranges([["09:00", "24:01"]]), "is not a time of day"),
            (lambda: weekly_from({"7": [["09:00", "18:00"]]}), "is not a weekday"),
            (
                lambda: Calendar(zone=TOKYO, weekly=weekly_from(WEEKDAYS_WITH_LUNCH), country="XX"),
                "is not a country",
            ),
        ]
        for make, message in cases:
            with self.subTest(message=message), self.assertRaisesMessage(CalendarError, message):
                make()

    def test_negative_minutes_and_naive_times_are_refused(self):
        cal = japan()
        with self.assertRaises(CalendarError):
            cal.add(tokyo(2026, 12, 7, 9, 0), -1)
        with self.assertRaises(CalendarError):
            cal.add(datetime(2026, 12, 7, 9, 0), 10)
