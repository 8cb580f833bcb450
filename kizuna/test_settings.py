"""Settings for the test suite: production settings with fast hashing and in-process tasks."""

import os
import tempfile

# Tests never write into a real installation: attachments, outbox and keys go to a temp dir.
os.environ.setdefault("KIZUNA_HOME", tempfile.mkdtemp(prefix="kizuna-test-"))
os.environ.setdefault("KIZUNA_HTTPS", "0")
os.environ.setdefault("KIZUNA_SECRET_KEY", "test-only-key-" + "x" * 40)

from kizuna.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True

if DATABASES["default"]["ENGINE"].endswith(("sqlite", "sqlite3")):  # noqa: F405
    # A file, as in production, rather than a shared in-memory database: concurrent tests then
    # see SQLite's real locking (writers wait on busy_timeout) instead of "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(KIZUNA_HOME / "test.sqlite3")}  # noqa: F405
