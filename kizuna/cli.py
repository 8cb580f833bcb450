"""The `kizuna` console script: every Django management command, plus Kizuna's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        # The demo serves plain HTTP on loopback with a throwaway key; production defaults
        # (HTTPS-only cookies, redirects) would lock the demo user out of their own browser.
        os.environ.setdefault("KIZUNA_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
