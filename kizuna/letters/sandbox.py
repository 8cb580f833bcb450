"""The template language of sample letters: Jinja2's syntax, in a sandbox narrowed further.

A letter may print its variables (`{{ contact_name }}`), compare them with fixed values and
choose text with `{% if %}`/`{% elif %}`/`{% else %}` — nothing else. Attributes, indexes,
filters, calls, loops, assignments, macros, includes and blocks are refused when the letter
is saved, with the line and what to write instead, as are unknown variables and syntax
errors: a letter that saved always renders. Every value is a plain string, so even a
construct that slipped through could reach nothing beyond the text it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,  # letters are plain text mail
    keep_trailing_newline=False,
    # Tags on a line of their own vanish with their line (see _layout); tags inside a
    # line keep the line break after them.
    trim_blocks=False,
    lstrip_blocks=True,
)
_TAG_LINE = re.compile(r"^([ \t]*\{%(?:(?!%\}).)*%\})[ \t]*\r?\n", re.MULTILINE)

# The constructs a letter may use; everything else is refused at save.
_ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Const,
)
_COMPARISONS = frozenset({"eq", "ne"})


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr):
        return _("“.%(attr)s” reaches an attribute") % {"attr": node.attr}
    if isinstance(node, nodes.Getitem):
        return _("“[…]” reaches into a value")
    if isinstance(node, nodes.Filter):
        return _("the filter “|%(name)s” runs code") % {"name": node.name}
    if isinstance(node, nodes.Test):
        return _("the test “is %(name)s” runs code") % {"name": node.name}
    if isinstance(node, nodes.Call):
        return _("“(…)” calls code")
    if isinstance(node, nodes.For):
        return _("“for” loops are not available")
    if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
        return _("“set” is not available")
    if isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        return _("letters cannot include or import other templates")
    if isinstance(node, (nodes.Macro, nodes.CallBlock, nodes.Block)):
        return _("macros and blocks are not available")
    return _("“%(construct)s” is not available in letters") % {"construct": type(node).__name__}


def problems(source: str, known: Iterable[str]) -> list[Problem]:
    """What is wrong with `source` as a letter using the variables `known` (empty: fine)."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as e:
        return [Problem(e.lineno, _("syntax error: %(error)s") % {"error": e.message or ""})]
    known = frozenset(known)
    found: list[Problem] = []
    hint = _(
        "letters can only print their variables with %(print)s and choose text with %(choose)s"
    ) % {
        "print": "{{ name }}",
        "choose": "{% if name %} … {% endif %}",
    }
    for node in _walk(tree):
        line = getattr(node, "lineno", None)
        if not isinstance(node, _ALLOWED):
            found.append(Problem(line, f"{_describe(node)}; {hint}."))
        elif isinstance(node, nodes.Name) and node.name not in known:
            found.append(
                Problem(
                    line,
                    _("unknown variable “%(name)s”. Known variables: %(known)s.")
                    % {"name": node.name, "known": ", ".join(sorted(known))},
                )
            )
        elif isinstance(node, nodes.Operand) and node.op not in _COMPARISONS:
            found.append(Problem(line, _("only == and != comparisons are available.")))
        elif isinstance(node, nodes.Const) and not isinstance(node.value, (str, int, bool)):
            found.append(Problem(line, _("only text, numbers, true and false are available.")))
    return found


def _walk(node: nodes.Node):
    """Every node once, parents before children; children of refused nodes are not visited."""
    yield node
    if isinstance(node, _ALLOWED):
        for child in node.iter_child_nodes():
            yield from _walk(child)


def _layout(source: str) -> str:
    """Drop the line break after each line that holds only a tag, so that a manager's
    `{% if … %}` on its own line leaves no empty line behind, while `…です。{% endif %}`
    at the end of a line keeps its line break. Only line breaks go: what `problems`
    reported by line still parses the same."""
    return _TAG_LINE.sub(r"\1", source)


@lru_cache(maxsize=512)
def _compiled(source: str):
    return _ENV.from_string(_layout(source))


def render(source: str, values: Mapping[str, str]) -> str:
    """Render a letter that passed `problems` with string values for all its variables."""
    return _compiled(source).render(dict(values)).strip()
