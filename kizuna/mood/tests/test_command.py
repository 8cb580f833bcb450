"""`kizuna mood` as PRODUCT.md specifies it: JSON shape, text format, exit status, stdin."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kizuna.mood import assess
from kizuna.mood.management.commands.mood import Command, json_text

KIZUNA = Path(sys.executable).with_name("kizuna")


def _run_in_process(capsys, *args, stdin: bytes = b""):
    """The same argv path as the console script, without starting a process."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            Command().run_from_argv(["kizuna", "mood", *args])
            raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_it_prints_the_json_shape_with_offsets_into_the_input(tmp_path):
    text = "お世話になっております。\n大変困っております。いつになったら直るのでしょうか。\n"
    path = tmp_path / "message.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("mood", str(path), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"mood", "cues"}
    assert data["mood"] == "upset"
    for cue in data["cues"]:
        assert set(cue) == {"text", "start", "end"}
        assert text[cue["start"] : cue["end"]] == cue["text"]


def test_it_reads_standard_input_and_prints_text(capsys):
    code, out, err = _run_in_process(
        capsys, stdin=b"Hi,\n\nthis is the third time. Unacceptable!!\n"
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "upset"
    assert "  3:1 5-27 repeated-problem  this is the third time" in lines


def test_a_calm_message_prints_calm_only(capsys):
    code, out, _ = _run_in_process(capsys, "-", "--format", "text", stdin=b"Thanks, all good.")
    assert (code, out.strip()) == (0, "calm")


def test_lang_is_passed_on(capsys, monkeypatch):
    import kizuna.mood.management.commands.mood as command

    seen = []
    monkeypatch.setattr(command, "assess", lambda text, lang: seen.append(lang) or assess(text))
    for lang in ("ja", "en", "auto"):
        code, out, _ = _run_in_process(capsys, "--lang", lang, "--format", "json", stdin=b"x")
        assert (code, json.loads(out)["mood"]) == (0, "calm")
    assert seen == ["ja", "en", "auto"]


@pytest.mark.parametrize(
    "args, stdin, complaint",
    [
        (["--format", "xml"], b"x", "invalid choice"),
        (["--lang", "fr"], b"x", "invalid choice"),
        (["/nonexistent/message.txt"], b"", "cannot read /nonexistent/message.txt"),
        (["-"], "至急".encode("shift_jis"), "standard input is not valid UTF-8"),
        (["-"], b"\xed\xa0\x80", "standard input is not valid UTF-8"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(capsys, args, stdin, complaint):
    code, out, err = _run_in_process(capsys, *args, stdin=stdin)
    assert code == 2
    assert complaint in err
    assert out == ""


def test_a_directory_is_refused_with_status_2(capsys, tmp_path):
    code, out, err = _run_in_process(capsys, str(tmp_path))
    assert code == 2
    assert f"cannot read {tmp_path}" in err
    assert out == ""


def test_call_command_exits_2_on_unreadable_input(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "mood", str(tmp_path / "missing.txt"), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert exit_info.value.code == 2


def test_any_text_gives_valid_json(capsys):
    text = "\x00\x1b[2J 至急！！\u2028 " + "あ" * 100_000
    code, out, _ = _run_in_process(capsys, "--format", "json", stdin=text.encode())
    assert code == 0
    json.loads(out)


def test_lone_surrogates_are_written_as_escapes():
    # Only the library can be given one (the command reads UTF-8), but the JSON stays valid.
    out = json_text(assess("\ud800URGENT!! the site is down!!"))
    out.encode("utf-8")
    assert json.loads(out)["cues"]


@pytest.mark.skipif(not KIZUNA.exists(), reason="console script not installed")
def test_the_console_script_reads_stdin():
    proc = subprocess.run(
        [str(KIZUNA), "mood", "--format", "json", "-"],
        input=b"Production is down!!! We are losing money. CALL ME.",
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["mood"] == "panicking"
