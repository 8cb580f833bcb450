"""`kizuna` with no arguments lists Kizuna's own commands, the README's table, before
Django's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from kizuna.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[3]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(kizuna [^`]+)` \|", text, flags=re.M)
    return [row.replace("\\|", "|") for row in rows if "<django command>" not in row]


def test_the_command_list_is_the_readmes_table():
    assert [usage for usage, _ in COMMANDS] == readme_commands()


def test_every_command_of_kizunas_own_is_listed():
    own = {
        p.stem
        for p in (ROOT / "kizuna").glob("*/management/commands/*.py")
        if not p.stem.startswith("_")
    }
    listed = {usage.split()[1] for usage, _ in COMMANDS}
    assert own == listed


def test_kizuna_without_arguments_prints_its_own_commands_first(tmp_path):
    script = Path(sys.executable).with_name("kizuna")
    env = {**os.environ, "KIZUNA_HOME": str(tmp_path), "KIZUNA_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [str(script)], capture_output=True, text=True, env=env, timeout=60, check=True
    ).stdout
    assert out.startswith("Kizuna's commands:")
    assert "kizuna replycheck [FILE|-]" in out
    assert out.index("kizuna demo") < out.index("Available subcommands:")
    assert "[django]" in out  # Django's own list follows
