"""`kizuna serve`: the web application under gunicorn, a production WSGI server.

Scaling out is more of the same: several `kizuna serve` processes on several machines behind
a load balancer, one PostgreSQL, shared attachment storage (see docs/demo.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication

from kizuna.lib.startup import freeze_startup_objects


def on_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith(("sqlite", "sqlite3"))


def default_workers() -> int:
    """gunicorn's rule of thumb (2 × cores + 1), capped so a big host doesn't open
    dozens of database connections by default. SQLite lets one writer in at a time, and a
    worker more than there are cores takes the processor from the one holding the write
    lock while the others wait for it (measured on 2 cores: 174 tickets/s created with two
    workers, 146 with three), so there it is one worker per core, at least two."""
    cores = os.cpu_count() or 1
    return min(max(cores, 2) if on_sqlite() else 2 * cores + 1, 8)


def default_threads() -> int:
    return 1 if on_sqlite() else 2


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def pending_migrations() -> list[str]:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class KizunaApplication(BaseApplication):
    """gunicorn driven from Python: our options, Kizuna's WSGI application, no config file."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from kizuna.wsgi import application

        return application


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, access_log: bool, timeout: int
) -> dict:
    options = {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        # On SIGTERM, requests in flight get this long to finish before workers are killed.
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "kizuna",
        # Recycle workers now and then so a slow leak cannot grow without bound.
        "max_requests": 5000,
        "max_requests_jitter": 500,
        # No runtime control socket: it lives at one fixed path per user, which two
        # instances on one machine would fight over; signals do the same job.
        "control_socket_disable": True,
        "post_worker_init": _worker_started,
    }
    if os.path.isdir("/dev/shm"):
        # Heartbeat files on tmpfs: a slow disk must not make gunicorn think a worker hangs.
        options["worker_tmp_dir"] = "/dev/shm"
    return options


def _worker_started(worker) -> None:
    """A web worker has loaded the application: what it built stays for its whole life."""
    freeze_startup_objects()


class Command(BaseCommand):
    help = "Serve Kizuna over HTTP with gunicorn (production settings)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="port to listen on (default 8000)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="worker processes (default: 2 × cores + 1, at most 8; cores + 1 on SQLite)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=default_threads(),
            help="threads per worker process (default 2; 1 on SQLite)",
        )
        parser.add_argument(
            "--timeout", type=int, default=30, help="seconds before a stuck worker is restarted"
        )
        parser.add_argument(
            "--access-log", action="store_true", help="log every request to standard output"
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        timeout: int,
        access_log: bool,
        **options,
    ):
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a port number (1–65535).")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"The database needs {len(pending)} migration(s) first ({', '.join(pending[:3])}"
                f"{', …' if len(pending) > 3 else ''}). Run `kizuna migrate`, then start the server again."
            )
        # Static files are served from the installed packages; the directory only has to exist.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        # Workers are forked from this process: they must not share its database connection.
        connections.close_all()
        shown_host = f"[{host}]" if ":" in host else host
        self.stdout.write(
            f"Kizuna at http://{shown_host}:{port}/ — {workers} worker(s) × {threads} thread(s)"
        )
        if settings.HTTPS:
            self.stdout.write(
                "HTTPS-only cookies and redirects are on: put a TLS proxy in front "
                "(KIZUNA_BEHIND_PROXY=1), or set KIZUNA_HTTPS=0 on a trusted network."
            )
        self.stdout.flush()
        app = KizunaApplication(
            gunicorn_options(
                host=host,
                port=port,
                workers=workers,
                threads=threads,
                access_log=access_log,
                timeout=timeout,
            )
        )
        try:
            app.run()
        except SystemExit as exc:
            # gunicorn's arbiter ends with sys.exit(); a clean stop is not an error.
            if exc.code not in (None, 0):
                raise CommandError(f"The web server stopped with status {exc.code}.") from None
