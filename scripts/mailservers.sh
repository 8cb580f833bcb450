#!/usr/bin/env bash
# Real mail servers for the test suite, on loopback only.
#
#   scripts/mailservers.sh install      Dovecot (IMAP) and swaks (an SMTP/LMTP client) from
#                                       Debian's packages, when missing; no system-wide daemon
#                                       is left running.
#   scripts/mailservers.sh start DIR    a private Dovecot with its config, certificate, users and
#                                       Maildirs under DIR, on two free loopback ports; prints
#                                       "imap=PORT imaps=PORT" (IMAP with STARTTLS, IMAP over TLS).
#   scripts/mailservers.sh stop DIR     stops the Dovecot started in DIR.
#   scripts/mailservers.sh adduser DIR USER PASSWORD   adds a mail user (no restart needed;
#                                       Dovecot rereads the user list at most once a second).
#
# Users are listed in DIR/users ("name:{PLAIN}password" lines); a file written there before
# "start" is kept.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd_install() {
  local missing=()
  [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
  command -v swaks >/dev/null 2>&1 || missing+=(swaks)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  [ ${#missing[@]} -eq 0 ] && return 0
  "$(dirname "$0")/debian-install.sh" "${missing[@]}"
}

cmd_start() {
  local dir="${1:?usage: mailservers.sh start DIR}"
  if [ ! -x /usr/sbin/dovecot ]; then
    echo "Dovecot is not installed (/usr/sbin/dovecot); scripts/test.sh installs it" \
      "(or run: scripts/mailservers.sh install)." >&2
    exit 2
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  # Dovecot never gives mail access to root: as root, mail belongs to "nobody"; otherwise
  # every Dovecot process runs as the current user.
  local mail_user login_user internal_user
  if [ "$(id -u)" = 0 ]; then
    mail_user=nobody login_user=dovenull internal_user=dovecot
    chown nobody: "$dir/mail"
  else
    mail_user="$(id -un)" login_user="$(id -un)" internal_user="$(id -un)"
  fi
  # Dovecot's unprivileged login processes must reach their sockets under the directory.
  chmod 755 "$dir"
  local uid gid
  uid="$(id -u "$mail_user")" gid="$(id -g "$mail_user")"

  if [ ! -e "$dir/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
    chmod 600 "$dir/key.pem"
  fi
  touch "$dir/users"
  chmod 644 "$dir/users"
  echo "$uid:$gid" >"$dir/mailowner"

  local imap_port imaps_port
  imap_port="$(free_port)"
  imaps_port="$(free_port)"
  while [ "$imaps_port" = "$imap_port" ]; do imaps_port="$(free_port)"; done

  cat >"$dir/dovecot.conf" <<EOF
# A private Dovecot for tests: loopback only, its own state, never the system's.
base_dir = $dir/run
state_dir = $dir/state
instance_name = kizuna-test-$(basename "$dir")
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = $login_user
default_internal_user = $internal_user
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
# Loopback only, so plain passwords are allowed without TLS (the tests also try TLS).
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose; no need to make them wait.
auth_failure_delay = 0
mail_location = maildir:$dir/mail/%u
first_valid_uid = $uid
last_valid_uid = $uid
mail_plugins =
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service anvil {
  chroot =
  # No growing delay after failed logins (tests fail logins on purpose): the auth process
  # cannot reach the penalty socket.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  chroot =
}
EOF
  # Its own output goes to the log: a caller waiting for this script's output must not wait
  # for the daemon.
  /usr/sbin/dovecot -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1
  # Ready when both ports accept connections.
  local i
  for i in $(seq 1 100); do
    if python3 - "$imap_port" "$imaps_port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
for port in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
PY
    sleep 0.1
  done
  echo "imap=$imap_port imaps=$imaps_port" | tee "$dir/ports"
}

cmd_adduser() {
  local dir="${1:?usage: mailservers.sh adduser DIR USER PASSWORD}" user="${2:?}" password="${3:?}"
  echo "$user:{PLAIN}$password" >>"$dir/users"
}

cmd_stop() {
  local dir="${1:?usage: mailservers.sh stop DIR}"
  dir="$(cd "$dir" && pwd)"
  [ -e "$dir/dovecot.conf" ] || return 0
  /usr/sbin/dovecot -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  adduser) shift; cmd_adduser "$@" ;;
  *) echo "usage: $0 install | start DIR | stop DIR | adduser DIR USER PASSWORD" >&2; exit 2 ;;
esac
