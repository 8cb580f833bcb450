"""Saved queue views: an agent names the queue's current filters and finds them again in one
click. Only the filters the queue knows are kept, rebuilt from their values."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from kizuna.desk.models import SavedView
from kizuna.lib.text import text_problem
from kizuna.tickets.workflow import TicketError

MAX_VIEWS = 20
MAX_NAME = 60
FILTERS = ("status", "assignee", "organization", "due", "q")


def views_for(user) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user))


def filters_query(params: QueryDict) -> str:
    """The query string of the queue's own filters in `params` (empty ones left out)."""
    kept = QueryDict(mutable=True)
    for key in FILTERS:
        value = (params.get(key) or "")[:200]
        if value:
            kept[key] = value
    return kept.urlencode()


def view_save(*, user, name: str, params: QueryDict) -> SavedView:
    """Save (or, under a name already used, replace) a view of the queue."""
    name = " ".join((name or "").split())
    problem = text_problem(name, single_line=True)
    if problem:
        raise TicketError(problem, field="name")
    if not name:
        raise TicketError(_("Give the view a name."), field="name")
    if len(name) > MAX_NAME:
        raise TicketError(
            _("A view's name has at most %(max)d characters.") % {"max": MAX_NAME}, field="name"
        )
    query = filters_query(params)
    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(user=user, name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedView.objects.filter(user=user).count() >= MAX_VIEWS:
            raise TicketError(
                _("You have %(max)d saved views already; delete one first.") % {"max": MAX_VIEWS},
                field="name",
            )
        try:
            with transaction.atomic():
                return SavedView.objects.create(user=user, name=name, query=query)
        except IntegrityError:  # the same name saved at the same moment in another tab
            return SavedView.objects.get(user=user, name=name)


def view_delete(*, user, view_id: int) -> bool:
    """Delete one of the agent's own views; False when there is no such view of theirs."""
    deleted, _rows = SavedView.objects.filter(user=user, pk=view_id).delete()
    return bool(deleted)
