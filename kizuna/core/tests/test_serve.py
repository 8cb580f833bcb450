"""`kizuna serve` and `kizuna worker` as a user runs them: real processes, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from django.test import SimpleTestCase

from kizuna.testbed import free_port


class ServeTestCase(SimpleTestCase):
    def setUp(self):
        self.home = tempfile.TemporaryDirectory(prefix="kizuna-serve-test-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="kizuna.settings",
            KIZUNA_HOME=self.home.name,
            KIZUNA_HTTPS="0",
            KIZUNA_SECRET_KEY="test-only-" + "x" * 40,
        )
        # The suite may run against PostgreSQL; the server under test gets its own SQLite file.

    def tearDown(self):
        self.home.cleanup()

    def kizuna(self, *args, **kwargs):
        return subprocess.run(
            [sys.executable, "-m", "kizuna", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )

    def test_it_refuses_to_start_with_pending_migrations(self):
        result = self.kizuna("serve", "--port", str(free_port()))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("kizuna migrate", result.stderr)

    def test_it_serves_healthz_over_http_and_stops_cleanly(self):
        self.assertEqual(self.kizuna("migrate", "--verbosity", "0").returncode, 0)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "kizuna", "serve", "--port", str(port), "--workers", "1"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            body = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/healthz", timeout=2
                    ) as response:
                        body = json.loads(response.read())
                        break
                except OSError:
                    time.sleep(0.3)
            self.assertEqual(body["status"], "ok")
            self.assertTrue(body["database"]["ok"])
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=30)
        self.assertEqual(server.returncode, 0, output)
        self.assertIn(f"http://127.0.0.1:{port}/", output)

    def test_the_worker_processes_what_is_queued_and_exits_in_batch_mode(self):
        self.assertEqual(self.kizuna("migrate", "--verbosity", "0").returncode, 0)
        result = self.kizuna("worker", "--batch")
        self.assertEqual(result.returncode, 0, result.stderr)
