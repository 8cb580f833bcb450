import os
import secrets
import subprocess
import sys


def test_the_deploy_check_is_clean_under_production_settings(tmp_path):
    result = deploy_check(tmp_path)
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


def deploy_check(tmp_path, **settings):
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
        **settings,
    )
    return subprocess.run(
        [sys.executable, "-m", "kizuna", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_proxy_without_trusted_proxies_named_is_reported(tmp_path):
    result = deploy_check(tmp_path, KIZUNA_BEHIND_PROXY="1")
    assert result.returncode != 0
    assert "kizuna.W010" in result.stdout + result.stderr
    assert "KIZUNA_TRUSTED_PROXIES" in result.stdout + result.stderr
    named = deploy_check(tmp_path, KIZUNA_BEHIND_PROXY="1", KIZUNA_TRUSTED_PROXIES="10.0.0.2")
    assert named.returncode == 0, named.stdout + named.stderr


def test_a_trusted_proxy_that_is_no_address_stops_with_a_clear_error(tmp_path):
    result = deploy_check(tmp_path, KIZUNA_TRUSTED_PROXIES="proxy.internal")
    assert result.returncode != 0
    assert "'proxy.internal' is not an IP address or network" in result.stderr
