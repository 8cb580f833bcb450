"""Every string a template marks for translation has its Japanese in the catalogue: a label
added in English only fails here, before a Japanese user sees it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils.translation import trans_real
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(ROOT.glob("*/templates/**/*.html")) + sorted(ROOT.glob("templates/**/*.html"))
# A call in Django's own rendering of a template as code, with its string literals.
CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")
LITERAL = re.compile(r"""u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def marked_strings(path: Path) -> list[tuple[str, ...]]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = []
    for call in CALL.finditer(code):
        args, pos = [], call.end()
        while True:
            literal = LITERAL.match(code, pos)
            if not literal:
                break
            args.append(ast.literal_eval(literal.group(1)))
            pos = literal.end()
            sep = re.match(r"\s*,\s*", code[pos:])
            if not sep:
                break
            pos += sep.end()
        if args:
            found.append((call.group(1), *args))
    return found


def catalogue_keys(kind: str, args: tuple[str, ...]) -> list:
    if kind == "gettext":
        return [args[0]]
    if kind == "pgettext":
        return [f"{args[0]}\x04{args[1]}"]
    if kind == "ngettext":
        return [(args[0], 0)]
    return [(f"{args[0]}\x04{args[1]}", 0)]


def test_templates_are_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.relative_to(ROOT).as_posix() for p in TEMPLATES])
def test_every_marked_string_has_its_japanese(path):
    catalogue = trans_real.translation("ja")._catalog
    missing = [
        args[-1] if kind in ("gettext", "pgettext") else args
        for kind, *args in marked_strings(path)
        for key in catalogue_keys(kind, tuple(args))
        if not catalogue.get(key)
    ]
    assert not missing, f"not in the Japanese catalogue: {missing}"
