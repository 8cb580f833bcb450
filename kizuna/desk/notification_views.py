"""The agent's notifications: warnings before promised times, missed ones, escalations."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kizuna.desk.views import agent_required
from kizuna.notifications import selectors
from kizuna.notifications.services import notifications_read


@require_GET
@agent_required
def notifications(request):
    return render(
        request,
        "desk/notifications.html",
        {"notifications": selectors.recent(user=request.user)},
    )


@require_POST
@agent_required
def notifications_mark_read(request):
    """Mark one notification read (`id`), or all of them; ids of other agents change nothing."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    if raw and ids is None:
        ids = []  # not an id: nothing to mark
    notifications_read(user=request.user, ids=ids)
    return redirect("desk:notifications")
