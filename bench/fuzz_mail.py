#!/usr/bin/env python3
"""Mail fuzzing, long run: the mutations of the property tests on many more inputs.

Each input is a corpus message or fixture damaged by one to five mutations
(kizuna/mail/tests/fuzzing.py). Every input is parsed in this process; a share of them also
goes through the whole pipeline (stored raw, then processed, in batches as `kizuna ingest`
does) on a throwaway SQLite database. Prints progress and, at the end (or on Ctrl-C), the
totals: inputs, inputs/s at each level, outcomes by kind, and every failure, each saved as a
reproducer (the .eml and how it was made) in --out.

A failure is: an exception out of the parser or the pipeline, parsed text a database cannot
store (NUL, a lone surrogate), a message stored other than byte for byte, a message left
without an outcome, or a message quarantined because of an internal error.

    python bench/fuzz_mail.py                      # 1,000,000 inputs, 2% through the pipeline
    python bench/fuzz_mail.py 20000 --pipeline-share 0.05 --seed 7
"""

from __future__ import annotations

import os
import sys

# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

# Reasons the pipeline writes itself; any other quarantine reason that names an exception
# class ("KeyError: …") is an internal error. TicketError is a rule of the domain (e.g. a
# deactivated contact), not a bug.
_ERROR_REASON = re.compile(r"^(?!TicketError)[A-Z][A-Za-z]*(?:Error|Exception)\b")


def setup(home: str) -> None:
    """A throwaway installation: its own KIZUNA_HOME, an SQLite database, migrated, and the
    organizations the corpus's senders belong to."""
    os.environ.update(
        KIZUNA_HOME=home,
        KIZUNA_HTTPS="0",
        KIZUNA_SECRET_KEY="bench-only-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="kizuna.settings",
        KIZUNA_LOG_LEVEL="CRITICAL",
    )
    os.environ.pop("KIZUNA_DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from kizuna.tickets.models import EmailDomain, Organization

    for name, domain in (("山田商事", "yamada.example.jp"), ("Northwind", "northwind.example")):
        org = Organization.objects.create(name=name)
        EmailDomain.objects.create(organization=org, domain=domain)
    # Quarantines log their traceback; the run reports them itself.
    logging.disable(logging.CRITICAL)


class Run:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.inputs = 0
        self.parsed = 0
        self.piped = 0
        self.parse_seconds = 0.0
        self.pipe_seconds = 0.0
        self.outcomes: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.saved = 0
        self.slowest: list[tuple[float, str]] = []

    def fail(self, kind: str, case, raw: bytes, detail: str) -> None:
        self.failures[kind] += 1
        if self.failures[kind] > 20:  # enough reproducers of one kind
            return
        self.saved += 1
        stem = self.out / f"{kind}-{self.saved:04d}"
        stem.with_suffix(".eml").write_bytes(raw)
        seed_index, names, mutation_seed = case
        stem.with_suffix(".json").write_text(
            json.dumps(
                {
                    "kind": kind,
                    "seed_index": seed_index,
                    "mutations": names,
                    "mutation_seed": mutation_seed,
                    "detail": detail[-4000:],
                    "replay": "fuzzing.mutate(fuzzing.seeds()[seed_index], mutations, "
                    "mutation_seed)",
                },  # fmt: skip
                ensure_ascii=False,
                indent=1,
            )
        )

    def parse(self, case, raw: bytes) -> None:
        from kizuna.mail.parsing import parse_message
        from kizuna.mail.tests import fuzzing

        started = time.perf_counter()
        try:
            parsed = parse_message(raw)
        except BaseException as exc:  # noqa: BLE001 - the run reports it
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.fail("parser-exception", case, raw, traceback.format_exc())
            return
        finally:
            elapsed = time.perf_counter() - started
            self.parse_seconds += elapsed
            self.parsed += 1
            self._note_slow(elapsed, case)
        bad = [text[:200] for text in fuzzing.text_fields(parsed) if not fuzzing.storable(text)]
        if bad:
            self.fail("unstorable-text", case, raw, repr(bad))
        if any(d.startswith("unparseable") for d in parsed.defects):
            self.fail("unparseable", case, raw, repr(parsed.defects[:3]))

    def pipeline(self, batch: list[tuple[tuple, bytes]]) -> None:
        from kizuna.mail.ingest import ingest_many
        from kizuna.mail.models import InboundMail, InboundState

        started = time.perf_counter()
        items = [(raw, f"fuzz:{self.piped + n}") for n, (_case, raw) in enumerate(batch)]
        try:
            results = list(ingest_many(items, batch_size=len(items)))
        except Exception:  # noqa: BLE001 - find which message it was, one by one
            results = []
            for (case, raw), item in zip(batch, items, strict=True):
                try:
                    results.extend(ingest_many([item]))
                except Exception:  # noqa: BLE001
                    self.fail("pipeline-exception", case, raw, traceback.format_exc())
                    results.append(None)
        self.pipe_seconds += time.perf_counter() - started
        self.piped += len(batch)
        rows = InboundMail.objects.in_bulk([r.inbound_id for r in results if r is not None])
        for (case, raw), result in zip(batch, results, strict=True):
            if result is None:
                continue
            self.outcomes[result.outcome] += 1
            row = rows.get(result.inbound_id)
            if row is None or row.state == InboundState.PENDING:
                self.fail("no-outcome", case, raw, repr(result))
            elif result.outcome != InboundState.DUPLICATE and bytes(row.raw) != raw:
                self.fail("raw-changed", case, raw, f"stored {len(row.raw)} of {len(raw)} bytes")
            if result.outcome == InboundState.QUARANTINED and _ERROR_REASON.match(result.reason):
                self.fail("quarantined-by-error", case, raw, result.reason)

    def _note_slow(self, elapsed: float, case) -> None:
        if len(self.slowest) < 5 or elapsed > self.slowest[-1][0]:
            self.slowest.append((elapsed, f"seed {case[0]}, {case[1]}, {case[2]}"))
            self.slowest = sorted(self.slowest, reverse=True)[:5]

    def progress(self, total: int, started: float) -> str:
        elapsed = time.monotonic() - started
        failures = sum(self.failures.values())
        return (
            f"{self.inputs}/{total} inputs, {self.inputs / max(elapsed, 1e-9):.0f}/s overall, "
            f"{self.piped} through the pipeline, {failures} failures"
        )

    def report(self, total: int, started: float) -> None:
        elapsed = time.monotonic() - started
        print(
            f"\n{self.inputs} inputs in {elapsed:.0f} s = {self.inputs / max(elapsed, 1e-9):.0f}/s"
        )
        print(
            f"  parser: {self.parsed} inputs, "
            f"{self.parsed / max(self.parse_seconds, 1e-9):.0f} inputs/s (parsing alone)"
        )
        print(
            f"  pipeline: {self.piped} inputs, "
            f"{self.piped / max(self.pipe_seconds, 1e-9):.0f} inputs/s (store + process)"
        )
        print("  outcomes: " + (", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
                               or "none"))  # fmt: skip
        print(f"  failures: {sum(self.failures.values())}"
              + "".join(f"\n    {k}: {v}" for k, v in sorted(self.failures.items())))  # fmt: skip
        if self.saved:
            print(f"  reproducers: {self.out}")
        print("  slowest parses: " + "; ".join(f"{s * 1000:.0f} ms ({c})" for s, c in self.slowest))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1, help="of the random generator")
    parser.add_argument(
        "--pipeline-share", type=float, default=0.02,
        help="share of the inputs also sent through the whole pipeline (default 0.02)",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=50, help="pipeline batch size")
    parser.add_argument("--out", default="fuzz-failures", help="directory for reproducers")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between progress lines")
    args = parser.parse_args()
    out = Path(args.out).absolute()
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="kizuna-fuzz-mail-") as home:
        setup(home)
        from kizuna.mail.tests import fuzzing

        seeds = fuzzing.seeds()
        rng = random.Random(args.seed)
        run = Run(out)
        batch: list[tuple[tuple, bytes]] = []
        started = shown = time.monotonic()
        try:
            for _ in range(args.inputs):
                case = fuzzing.random_case(rng)
                raw = fuzzing.mutate(seeds[case[0]], case[1], case[2])
                run.inputs += 1
                run.parse(case, raw)
                if rng.random() < args.pipeline_share:
                    batch.append((case, raw))
                    if len(batch) >= args.batch:
                        run.pipeline(batch)
                        batch = []
                if time.monotonic() - shown >= args.every:
                    shown = time.monotonic()
                    print(run.progress(args.inputs, started), flush=True)
            if batch:
                run.pipeline(batch)
        except KeyboardInterrupt:
            print("\ninterrupted")
        run.report(args.inputs, started)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
