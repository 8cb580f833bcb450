#!/usr/bin/env bash
# Installs Debian packages for the test suite without starting their daemons:
#   scripts/debian-install.sh PACKAGE...
# Debian starts a server package's daemon on install; a test machine must not get a
# system-wide IMAP server or web server on its public interfaces, so starting services is
# refused while installing. The tests start their own, on loopback.
set -euo pipefail
[ $# -gt 0 ] || exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

echo "Installing from Debian: $*"
policy=/usr/sbin/policy-rc.d created=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
  as_root chmod +x "$policy"
  created=1
fi
trap 'if [ "$created" = 1 ]; then as_root rm -f "$policy"; fi' EXIT
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
# Where there is systemd, a unit may still have been enabled; stop it all the same.
if command -v systemctl >/dev/null 2>&1; then
  for service in dovecot nginx; do
    if systemctl is-active --quiet "$service" 2>/dev/null; then
      as_root systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
fi
