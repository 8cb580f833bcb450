"""`kizuna replycheck` as PRODUCT.md specifies it: JSON shape, offsets, exit status."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kizuna.replycheck.management.commands.replycheck import Command

KIZUNA = Path(sys.executable).with_name("kizuna")


def _run(*args, stdin: bytes = b""):
    return subprocess.run(
        [str(KIZUNA), "replycheck", *args], input=stdin, capture_output=True, timeout=60
    )


def test_it_prints_json_with_offsets_into_the_input(tmp_path):
    text = "山田様\n\n対応しました。ご確認ください。\n"
    path = tmp_path / "draft.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("replycheck", str(path), "--format", "json", stdout=out)
    assert exit_info.value.code == 1
    data = json.loads(out.getvalue())
    assert data["lang"] == "ja"
    (finding,) = data["findings"]
    assert text[finding["start"] : finding["end"]] == finding["text"]


def test_it_exits_zero_when_there_is_no_error(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text("Thank you for your message. We will reply by 15:00 today.", encoding="utf-8")
    out = io.StringIO()
    call_command("replycheck", str(path), stdout=out)
    assert "no findings" in out.getvalue()


@pytest.mark.skipif(not KIZUNA.exists(), reason="console script not installed")
def test_the_console_script_reads_stdin_and_shows_line_and_column():
    draft = "Hi,\n\nThe SPF record is fine. Fixed, please check.\n"
    proc = _run("-", stdin=draft.encode())
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert "<stdin>:3:5: warning [jargon] en.jargon.unexplained-term (P6)" in out
    assert "<stdin>:3:25: error [vague] en.vague.fixed-please-check (P2)" in out
    assert "suggestion:" in out


@pytest.mark.skipif(not KIZUNA.exists(), reason="console script not installed")
def test_the_console_script_rejects_undecodable_input_with_status_2():
    proc = _run("-", stdin="対応しました".encode("shift_jis"))
    assert proc.returncode == 2
    assert "standard input is not valid UTF-8" in proc.stderr.decode()
    assert proc.stdout == b""


def _run_in_process(capsys, *args, stdin: str = ""):
    """The same argv path as the console script, without starting a process."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            Command().run_from_argv(["kizuna", "replycheck", *args])
            raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_it_honours_lang_audience_and_format(capsys):
    draft = "We updated the SPF record."
    _, out, _ = _run_in_process(capsys, "--format", "json", stdin=draft)
    assert [f["category"] for f in json.loads(out)["findings"]] == ["jargon"]
    _, out, _ = _run_in_process(capsys, "--format", "json", "--audience", "technical", stdin=draft)
    assert json.loads(out)["findings"] == []
    _, out, _ = _run_in_process(capsys, "--format", "json", "--lang", "ja", stdin=draft)
    assert json.loads(out)["lang"] == "ja"


@pytest.mark.parametrize(
    "args, complaint",
    [
        (["--purpose", "sales"], "invalid choice"),
        (["--format", "xml"], "invalid choice"),
        (["--lang", "fr"], "invalid choice"),
        (["/nonexistent/draft.txt"], "cannot read /nonexistent/draft.txt"),
    ],
)
def test_it_rejects_bad_arguments_with_status_2(capsys, args, complaint):
    code, out, err = _run_in_process(capsys, *args, stdin="x")
    assert code == 2
    assert complaint in err
    assert out == ""
