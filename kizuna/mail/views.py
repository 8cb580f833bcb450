"""The desk's pages for mail that needs an administrator (see docs/email.md, "Ingest,
threading and quarantine"): quarantined and held messages, their text, headers and raw
bytes, and the decisions — retry, accept, place the sender, ignore.

Staff only: other agents get a 404, as for anything they may not see.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kizuna.mail import selectors, services
from kizuna.mail.models import InboundMail, InboundState
from kizuna.mail.parsing import parse_message
from kizuna.mail.quoting import split_quoted
from kizuna.tickets import access
from kizuna.tickets import selectors as ticket_selectors
from kizuna.tickets.models import Language
from kizuna.tickets.workflow import TicketError


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.is_admin(request.user):
            raise Http404("Not an administrator.")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def inbound_list(request):
    state = request.GET.get("state", "")
    rows = selectors.inbound_needing_agent(state=state)[:200]
    return render(
        request,
        "mail/inbound_list.html",
        {"rows": rows, "state": state, "counts": selectors.inbound_counts()},
    )


@require_GET
@staff_required
def inbound_detail(request, inbound_id: int):
    inbound = get_object_or_404(selectors.inbound_with_ticket(), pk=inbound_id)
    parsed = parse_message(bytes(inbound.raw))
    new_text, folded = split_quoted(parsed.text)
    return render(
        request,
        "mail/inbound_detail.html",
        {
            "inbound": inbound,
            "parsed": parsed,
            "new_text": new_text,
            "folded": folded,
            "headers": selectors.raw_headers(inbound),
            "organizations": ticket_selectors.organizations_by_name(),
            "language_choices": Language.choices,
            "States": InboundState,
        },
    )


@require_GET
@staff_required
def inbound_raw(request, inbound_id: int):
    inbound = get_object_or_404(InboundMail, pk=inbound_id)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _decide(request, inbound_id: int, action) -> HttpResponse:
    inbound = get_object_or_404(selectors.inbound_without_raw(), pk=inbound_id)
    try:
        result = action(inbound)
    except TicketError as e:
        messages.error(request, e.message)
        return redirect("mail:inbound_detail", inbound_id=inbound.pk)
    state = getattr(result, "outcome", None) or getattr(result, "state", "")
    label = InboundState(state).label if state in InboundState.values else state
    messages.success(request, _("Done: %(outcome)s.") % {"outcome": label})
    return redirect("mail:inbound_detail", inbound_id=inbound.pk)


@require_POST
@staff_required
def inbound_retry(request, inbound_id: int):
    return _decide(
        request, inbound_id, lambda m: services.inbound_retry(inbound=m, actor_user=request.user)
    )


@require_POST
@staff_required
def inbound_accept(request, inbound_id: int):
    return _decide(
        request, inbound_id, lambda m: services.inbound_accept(inbound=m, actor_user=request.user)
    )


@require_POST
@staff_required
def inbound_place(request, inbound_id: int):
    organization = ticket_selectors.organization_by_id(
        organization_id=_int(request.POST.get("organization"))
    )
    if organization is None:
        messages.error(request, _("Choose the organization the sender belongs to."))
        return redirect("mail:inbound_detail", inbound_id=inbound_id)
    language = request.POST.get("language", "")
    if language not in Language.values:
        language = ""
    return _decide(
        request,
        inbound_id,
        lambda m: services.inbound_place(
            inbound=m,
            organization=organization,
            actor_user=request.user,
            name=request.POST.get("name", ""),
            language=language,
        ),
    )


@require_POST
@staff_required
def inbound_ignore(request, inbound_id: int):
    return _decide(
        request, inbound_id, lambda m: services.inbound_ignore(inbound=m, actor_user=request.user)
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
