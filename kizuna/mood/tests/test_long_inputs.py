"""Any text finishes, in time proportional to its length."""

import gc
import time

import pytest

from kizuna.mood import assess

pytestmark = pytest.mark.xdist_group("timing-and-processes")

UNITS = {
    "one kana": "あ",
    "one letter": "a",
    "shouting": "URGENT!! ",
    "urgent Japanese": "至急！！",
    "quoted lines": "> URGENT quoted\n",
    "long lines": "x" * 99 + "\n",
    "polite anger": "いつになったら直るのでしょうか。",
    "English complaint": "still waiting, unacceptable. ",
    "control characters": "\x00\x07\x1b[31m",
    "lone surrogates": "\ud800至急\udfff",
    "question marks": "?",
}


def _repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _seconds(text: str) -> float:
    # The collector's full passes scan the whole heap of the test process, whose size has
    # nothing to do with the text: timed without them, the figure is the analysis alone.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        assess(text)
        return time.perf_counter() - started
    finally:
        gc.enable()


@pytest.mark.parametrize("name", list(UNITS))
def test_100000_characters_finish_and_doubling_about_doubles_the_time(name):
    small, large = _repeated(UNITS[name], 100_000), _repeated(UNITS[name], 200_000)
    result = assess(small)
    for cue in result.cues:
        assert small[cue.start : cue.end] == cue.text
    # Each pair timed back to back, the best pair kept: a busy machine slows single runs (and
    # may slow one size and not the other), never every pair alike.
    ratios = []
    for _ in range(7):
        ratios.append(_seconds(large) / max(_seconds(small), 0.005))
        if ratios[-1] < 3:
            break
    assert min(ratios) < 3, (name, ratios)
