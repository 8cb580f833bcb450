"""Managers' pages for the sample letters (P12): the list, and a letter's editor with a
preview on realistic values and what the reply checker finds in it.

The letters service checks everything at save (template syntax, variables, the sandbox);
a letter that saved always renders when Kizuna or an agent uses it.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from kizuna.desk.composer import findings_context
from kizuna.desk.views import manager_required
from kizuna.letters import selectors, services
from kizuna.letters.models import Letter, Purpose
from kizuna.letters.variables import VARIABLES, sample_values
from kizuna.lib.ids import parse_id
from kizuna.replycheck import check
from kizuna.tickets.models import Language


def syntax_help() -> str:
    return _(
        "Print a variable with %(print)s. Choose text with %(choose)s, and compare with == or "
        "!=, e.g. %(compare)s. Mark what the agent must fill in with %(blank)s: a message that "
        "still holds one is not sent."
    ) % {
        "print": "{{ name }}",
        "choose": "{% if name %} … {% elif … %} … {% else %} … {% endif %}",
        "compare": '{% if fully_resolved == "yes" %}',
        "blank": "[[ … ]]",
    }


class LetterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    body = forms.CharField(
        label=_("Text"), strip=False, widget=forms.Textarea(attrs={"rows": 18, "class": "mono"})
    )
    is_default = forms.BooleanField(
        label=_("Kizuna uses this letter for its purpose and language"), required=False
    )
    is_active = forms.BooleanField(label=_("Offered in the composer"), required=False)


@manager_required
def letter_list(request):
    return render(request, "desk/letters.html", {"letters": selectors.all_letters()})


def _preview(body: str, language: str, purpose: str) -> dict | None:
    """The letter on realistic values, and what the reply checker finds in the result."""
    if services.letter_problems(body):
        return None
    letter = Letter(body=body, language=language, purpose=purpose)
    text = services.render(letter, sample_values(language))
    result = check(text, lang=language, audience="general", purpose=letter.check_purpose)
    return {"text": text, **findings_context(text, result)}


@manager_required
@require_http_methods(["GET", "POST"])
def letter_edit(request, letter_id: str | None = None):
    letter = None
    if letter_id is not None:
        pk = parse_id(letter_id)
        letter = selectors.letter_by_id(letter_id=pk) if pk else None
        if letter is None:
            raise Http404("No such letter.")
    problems: list[str] = []
    if request.method == "POST" and letter is not None and request.POST.get("delete"):
        services.letter_delete(letter=letter)
        return redirect("desk:letters")
    if request.method == "POST" and letter is not None and request.POST.get("reset"):
        services.letter_reset(letter=letter, actor_user=request.user)
        return redirect("desk:letter_edit", letter_id=letter.id)
    if request.method == "POST":
        form = LetterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.letter_save(letter=letter, actor_user=request.user, **data)
                return redirect("desk:letter_edit", letter_id=saved.id)
            except services.LetterError as e:
                problems = e.problems
                form.add_error(
                    e.field if e.field in form.fields and not problems else None, e.message
                )
    elif letter is not None:
        form = LetterForm(
            initial={
                "name": letter.name,
                "language": letter.language,
                "purpose": letter.purpose,
                "body": letter.body,
                "is_default": letter.is_default,
                "is_active": letter.is_active,
            }
        )
    else:
        form = LetterForm(initial={"language": "ja", "purpose": Purpose.UPDATE, "is_active": True})
    body = form["body"].value() or ""
    preview = None
    if body and not problems:
        preview = _preview(body, form["language"].value() or "ja", form["purpose"].value() or "")
    return render(
        request,
        "desk/letter_form.html",
        {
            "letter": letter,
            "form": form,
            "problems": problems,
            "preview": preview,
            "variables": VARIABLES.items(),
            "syntax_help": syntax_help(),
        },
        status=400 if form.errors else 200,
    )
