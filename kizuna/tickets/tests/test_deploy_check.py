import os
import secrets
import subprocess
import sys


def test_the_deploy_check_is_clean_under_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIZUNA_")
        and k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        KIZUNA_HOME=str(tmp_path),
        KIZUNA_SECRET_KEY=secrets.token_urlsafe(50),
        KIZUNA_ALLOWED_HOSTS="help.example.com",
    )
    result = subprocess.run(
        [sys.executable, "-m", "kizuna", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_boolean_setting_stops_with_a_clear_error(tmp_path):
    env = dict(
        os.environ,
        KIZUNA_HOME=str(tmp_path),
        KIZUNA_HTTPS="maybe",
        DJANGO_SETTINGS_MODULE="kizuna.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "kizuna", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "KIZUNA_HTTPS='maybe' is not a boolean" in result.stderr
