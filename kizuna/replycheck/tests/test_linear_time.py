"""The checker's time grows in proportion to the draft, whatever the draft holds.

A quadratic regex or a per-hit rescan shows as a fourfold time when the draft doubles; linear
work shows as about twice. The test compares the two rather than asserting a duration, which
would depend on the machine.
"""

from __future__ import annotations

import gc
import time

import pytest

from kizuna.replycheck import check
from kizuna.replycheck.tests.long_inputs import UNITS, repeated

pytestmark = pytest.mark.xdist_group("timing-and-processes")

SIZE = 100_000


def _seconds(text: str) -> float:
    # Without the garbage collector: its full passes cost in proportion to everything the
    # test process holds (large after a thousand other tests), not to the draft, and a larger
    # draft triggers more of them.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        check(text, purpose="update")
        return time.perf_counter() - started
    finally:
        gc.enable()


def _growth(unit: str) -> float:
    small, large = repeated(unit, SIZE), repeated(unit, 2 * SIZE)
    # The smaller run is floored at 5 ms so that a near-instant check does not make the ratio
    # meaningless. Each try times the two sizes back to back, under the same load, and the
    # best ratio of up to ten tries counts: a busy machine (the other half of the suite runs
    # beside this) slows single runs at random, never every pair, and a real regression
    # stays fourfold in every one.
    best = float("inf")
    for _ in range(10):
        best = min(best, _seconds(large) / max(_seconds(small), 0.005))
        if best < 3:
            break
    return best


@pytest.mark.parametrize("name", list(UNITS))
def test_doubling_a_draft_of_one_class_about_doubles_the_time(name):
    assert _growth(UNITS[name]) < 3, f"checking grows faster than the draft for {name}"


def test_the_long_pasted_key_from_the_report_is_checked_and_answered():
    # 200,000 characters of a base64 key: findings come back (here: none), no hang.
    result = check("key:\n" + "QUJD" * 50_000)
    assert result.lang in ("en", "ja")
    assert not [f for f in result.findings if f.rule == "en.alarm.shouting"]
