"""Sample letters (P12): saving them (checked in full at save, never at send), the built-in
set, and rendering one for a ticket (see docs/letters.md)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.letters import sandbox
from kizuna.letters.models import Letter, Purpose
from kizuna.letters.variables import VARIABLES
from kizuna.lib.text import is_blank, text_problem
from kizuna.tickets.models import Language
from kizuna.tickets.workflow import TicketError

MAX_LETTER_CHARS = 20_000


class LetterError(TicketError):
    """A letter that cannot be saved: `problems` lists every reason, line by line."""

    def __init__(self, message: str, *, field: str = "body", problems=()):
        super().__init__(message, field=field)
        self.problems = list(problems)


@cache
def builtins() -> tuple[dict, ...]:
    """Kizuna's own letters, as written in defaults.yaml."""
    text = resources.files("kizuna.letters").joinpath("defaults.yaml").read_text("utf-8")
    return tuple(yaml.safe_load(text))


def builtin_letter(purpose: str, language: str) -> Letter:
    """The built-in letter for a purpose and language, as an unsaved Letter."""
    for item in builtins():
        if item["purpose"] == purpose and item["language"] == language:
            return Letter(
                name=item["name"],
                language=language,
                purpose=purpose,
                body=item["body"],
                is_default=True,
                builtin=item["builtin"],
            )
    raise LookupError(f"no built-in letter for {purpose}/{language}")


def letter_problems(body: str) -> list[str]:
    """Everything wrong with `body` as a letter, said for the manager (empty: it is fine)."""
    if is_blank(body or ""):
        return [_("The letter is empty.")]
    if len(body) > MAX_LETTER_CHARS:
        return [
            _("The letter is %(length)s characters long; at most %(limit)s.")
            % {"length": f"{len(body):,}", "limit": f"{MAX_LETTER_CHARS:,}"}
        ]
    problem = text_problem(body)
    if problem:
        return [problem]
    return [str(p) for p in sandbox.problems(body, VARIABLES)]


def _check_fields(*, name: str, language: str, purpose: str, body: str) -> str:
    name = " ".join((name or "").split())
    if is_blank(name) or len(name) > 120:
        raise LetterError(_("Give the letter a name of 1 to 120 characters."), field="name")
    problem = text_problem(name, single_line=True)
    if problem:
        raise LetterError(problem, field="name")
    if language not in Language.values:
        raise LetterError(
            _("Unknown language “%(value)s”; use one of %(known)s.")
            % {"value": language, "known": ", ".join(Language.values)},
            field="language",
        )
    if purpose not in Purpose.values:
        raise LetterError(
            _("Unknown purpose “%(value)s”; use one of %(known)s.")
            % {"value": purpose, "known": ", ".join(Purpose.values)},
            field="purpose",
        )
    found = letter_problems(body)
    if found:
        raise LetterError(
            _("The letter cannot be saved: %(problems)s") % {"problems": " ".join(found)},
            problems=found,
        )
    return name


def letter_save(
    *,
    letter: Letter | None = None,
    name: str,
    language: str,
    purpose: str,
    body: str,
    is_default: bool = False,
    is_active: bool = True,
    actor_user=None,
) -> Letter:
    """Create or change a letter after checking it completely: its template (syntax,
    variables, the sandbox's limits) and its fields. Nothing is saved when anything is
    wrong. Making it the default for its purpose and language unsets the previous one."""
    name = _check_fields(name=name, language=language, purpose=purpose, body=body)
    letter = letter or Letter()
    letter.name = name
    letter.language = language
    letter.purpose = purpose
    letter.body = body.replace("\r\n", "\n")
    letter.is_default = is_default
    letter.is_active = is_active or is_default
    letter.updated_at = timezone.now()
    letter.updated_by = actor_user
    try:
        with transaction.atomic():
            if is_default:
                others = Letter.objects.filter(language=language, purpose=purpose, is_default=True)
                if letter.pk:
                    others = others.exclude(pk=letter.pk)
                others.update(is_default=False)
            letter.save()
    except IntegrityError:
        raise LetterError(
            _("There is already a letter called “%(name)s” in this language.") % {"name": name},
            field="name",
        ) from None
    return letter


def letter_delete(*, letter: Letter) -> None:
    letter.delete()


def letter_reset(*, letter: Letter, actor_user=None) -> Letter:
    """Put a built-in letter's original text back."""
    if not letter.builtin:
        raise LetterError(_("This letter is the team's own; it has no original text."))
    original = builtin_letter(letter.purpose, letter.language)
    letter.body = original.body
    letter.updated_at = timezone.now()
    letter.updated_by = actor_user
    letter.save(update_fields=["body", "updated_at", "updated_by"])
    return letter


def builtins_install(letter_model=Letter) -> int:
    """Add the built-in letters that are missing (by their built-in key); returns how many.
    Used by the migration that sets up a new installation, and by tests."""
    have = set(letter_model.objects.exclude(builtin="").values_list("builtin", flat=True))
    taken = set(letter_model.objects.values_list("language", "name"))
    defaults = set(letter_model.objects.filter(is_default=True).values_list("language", "purpose"))
    added = 0
    for item in builtins():
        if item["builtin"] in have or (item["language"], item["name"]) in taken:
            continue
        letter_model.objects.create(
            name=item["name"],
            language=item["language"],
            purpose=item["purpose"],
            body=item["body"],
            builtin=item["builtin"],
            is_default=(item["language"], item["purpose"]) not in defaults,
        )
        added += 1
    return added


def letter_for(purpose: str, language: str) -> Letter:
    """The letter Kizuna uses for `purpose` in `language`: the team's default, else the
    built-in one."""
    found = Letter.objects.filter(purpose=purpose, language=language, is_default=True).first()
    return found or builtin_letter(purpose, language)


def render(letter: Letter, values: dict[str, str]) -> str:
    """The letter's text with `values` (every variable; see variables.ticket_values)."""
    return sandbox.render(letter.body, values)
