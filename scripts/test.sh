#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine and runs the whole suite:
# Python packages into .venv, Chromium (browser tests), PostgreSQL's client programs (backup
# tests) and nginx (scale-out test) from Debian's packages, then lint, a migrations check and
# pytest on both cores.
# Extra arguments go to pytest.
# KIZUNA_DATABASE_URL=postgres://… runs the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
# pg_dump and pg_restore: `kizuna backup` and `kizuna restore` on PostgreSQL.
command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
# nginx and openssl: the scale-out test runs the shipped proxy configuration (docs/deploy/);
# systemd-analyze lints the shipped units.
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
scripts/debian-install.sh "${missing[@]}"
# Dovecot (IMAP) and swaks (SMTP/LMTP client) for the mail tests, when missing.
scripts/mailservers.sh install

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

export KIZUNA_BROWSER="${KIZUNA_BROWSER:-/usr/bin/chromium}"
.venv/bin/ruff check .
# Model changes without a migration fail the run (checked against a throwaway SQLite file).
KIZUNA_DATABASE_URL= KIZUNA_HOME="$(mktemp -d)" .venv/bin/python -m kizuna makemigrations --check --dry-run >/dev/null \
  || { echo "Model changes without a migration: run 'kizuna makemigrations'." >&2; exit 1; }
.venv/bin/pytest -n 2 "$@"
