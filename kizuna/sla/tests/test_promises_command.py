"""`kizuna promises` as PRODUCT.md specifies it: JSON shape, offsets, --now, --tz, the
calendar it reads in, and exit status 2 for input it cannot use."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from kizuna.sla.models import BusinessCalendar, SlaPolicy

KIZUNA = Path(sys.executable).with_name("kizuna")

REPLY = (
    "山田様\n\n"
    "お問い合わせありがとうございます。明日15時までにご連絡いたします。\n"
    "ログを明日までにお送りいただけますでしょうか。\n\n"
    "Please reply by Monday. We'll update you by 3 pm today.\n"
)


def _run(*args, stdin: bytes = b"", home: Path):
    env = {**os.environ, "KIZUNA_HOME": str(home)}
    return subprocess.run(
        [str(KIZUNA), "promises", *args], input=stdin, capture_output=True, timeout=60, env=env
    )


pytestmark = pytest.mark.skipif(not KIZUNA.exists(), reason="console script not installed")


def test_it_prints_json_with_offsets_into_the_input(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(REPLY, encoding="utf-8")
    proc = _run("--now", "2026-11-20T10:00:00+09:00", "--format", "json", str(path), home=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert list(data) == ["promises"]
    assert data["promises"] == [
        {
            "text": "明日15時までに",
            "start": REPLY.index("明日15時"),
            "end": REPLY.index("明日15時") + 8,
            "due": "2026-11-21T15:00:00+09:00",
        },
        {
            "text": "by 3 pm today",
            "start": REPLY.index("by 3 pm"),
            "end": REPLY.index("by 3 pm") + 13,
            "due": "2026-11-20T15:00:00+09:00",
        },
    ]
    for p in data["promises"]:
        assert REPLY[p["start"] : p["end"]] == p["text"]


def test_tz_sets_the_offset_shown_and_the_zone_of_a_naive_now(tmp_path):
    text = "明日15時までにご連絡します。".encode()
    proc = _run(
        "--now",
        "2026-11-20T10:00:00+09:00",
        "--tz",
        "UTC",
        "--format",
        "json",
        stdin=text,
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["promises"][0]["due"] == "2026-11-21T06:00:00+00:00"
    # 20:00 in New York on Friday is 10:00 on Saturday in Tokyo: "tomorrow" is Sunday there.
    proc = _run(
        "--now",
        "2026-11-20T20:00",
        "--tz",
        "America/New_York",
        "--format",
        "json",
        stdin=text,
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["promises"][0]["due"] == "2026-11-22T01:00:00-05:00"


def test_a_naive_now_is_read_in_the_calendar_zone(tmp_path):
    proc = _run(
        "--now",
        "2026-11-20 19:00",
        "--format",
        "json",
        stdin="本日中にご連絡いたします。".encode(),
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    # 19:00 in Tokyo is after closing time: "today" ends at 23:59.
    assert json.loads(proc.stdout)["promises"][0]["due"] == "2026-11-20T23:59:00+09:00"


def test_the_text_format_gives_line_column_due_and_words(tmp_path):
    proc = _run("--now", "2026-11-20T10:00:00+09:00", "-", stdin=REPLY.encode(), home=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines() == [
        "3:18 2026-11-21T15:00:00+09:00 明日15時までに",
        "6:42 2026-11-20T15:00:00+09:00 by 3 pm today",
    ]


def test_no_promise_prints_nothing_in_text_and_an_empty_list_in_json(tmp_path):
    text = b"Please reply by Monday."
    proc = _run("--now", "2026-11-20T10:00+09:00", stdin=text, home=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"")
    proc = _run("--now", "2026-11-20T10:00+09:00", "--format", "json", stdin=text, home=tmp_path)
    assert json.loads(proc.stdout) == {"promises": []}


@pytest.mark.parametrize(
    "args, stdin, complaint",
    [
        (["--now", "tomorrow"], b"x", "promises: error: --now: “tomorrow” is not an ISO 8601"),
        (["--now", "2026-13-01T10:00"], b"x", "is not an ISO 8601 date and time"),
        (["--tz", "Mars/Olympus"], b"x", "promises: error: --tz: “Mars/Olympus” is not a time"),
        (["-"], "明日ご連絡します".encode("shift_jis"), "standard input is not valid UTF-8"),
        (["/nonexistent/reply.txt"], b"", "cannot read /nonexistent/reply.txt"),
        (["--format", "xml"], b"x", "invalid choice"),
    ],
)
def test_it_rejects_what_it_cannot_use_with_status_2(tmp_path, args, stdin, complaint):
    proc = _run(*args, stdin=stdin, home=tmp_path)
    assert proc.returncode == 2
    assert complaint in proc.stderr.decode()
    assert proc.stdout == b""


# --- in process, against the test database -------------------------------------------------


def _call(*args, stdin: str = "") -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
        call_command("promises", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_reads_in_the_business_hours_calendar():
    BusinessCalendar.objects.filter(name="Business hours").update(
        hours={str(d): [["09:00", "17:30"]] for d in range(5)}, updated_at=timezone.now()
    )
    out = _call(
        "--now", "2026-11-20T10:00+09:00", "--format", "json", stdin="本日中にご連絡いたします。"
    )
    assert json.loads(out)["promises"][0]["due"] == "2026-11-20T17:30:00+09:00"


@pytest.mark.django_db
def test_without_calendars_it_reads_in_weekdays_nine_to_six_in_japan():
    SlaPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    out = _call(
        "--now", "2026-11-20T10:00+09:00", "--format", "json", stdin="週明けにご連絡いたします。"
    )
    # Monday 23 November is a Japanese holiday.
    assert json.loads(out)["promises"][0]["due"] == "2026-11-24T18:00:00+09:00"


@pytest.mark.django_db
def test_errors_in_process_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _call("--tz", "Nowhere/Special", stdin="x")
    assert exit_info.value.code == 2
    assert "promises: error: --tz:" in capsys.readouterr().err
