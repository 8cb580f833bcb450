"""Reading sample letters for the desk."""

from __future__ import annotations

from kizuna.letters.models import Letter


def letters_for_composer(*, language: str, purposes=None):
    """The active letters an agent may pick for a ticket in `language`."""
    qs = Letter.objects.filter(language=language, is_active=True)
    if purposes:
        qs = qs.filter(purpose__in=list(purposes))
    return qs.order_by("purpose", "name")


def letter_by_id(*, letter_id: int) -> Letter | None:
    return Letter.objects.filter(pk=letter_id).first()


def all_letters():
    return Letter.objects.select_related("updated_by").order_by("language", "purpose", "name")
