"""The customer portal (see docs/portal.md): sign-in by one-time link, the organization's
requests with status, current activity and next update (P1), replies, new requests (P9).

Tickets are loaded only through `kizuna.tickets.access`; a ticket of another organization
is a 404, never a 403, so its number cannot even be probed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.intake import services as intake_services
from kizuna.lib.downloads import attachment_response
from kizuna.lib.timefmt import format_when
from kizuna.lib.uploads import incoming_files
from kizuna.portal import services as portal_services
from kizuna.portal.auth import contact_required, current_contact, sign_in, sign_out
from kizuna.portal.forms import NewRequestForm, ReplyForm, SignInForm
from kizuna.sla import selectors as sla_selectors
from kizuna.throttles.client import client_address
from kizuna.tickets import selectors, services
from kizuna.tickets.access import get_ticket_for_contact, messages_for_contact, tickets_for_contact
from kizuna.tickets.models import Status
from kizuna.tickets.workflow import TicketError

RECENTLY_CLOSED = 20


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("portal:home")


# --- Sign-in ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signin(request):
    """Ask for an email address and mail a link. The answer is the same for every address."""
    if request.method == "GET" and current_contact(request) is not None:
        return redirect("portal:home")
    form = SignInForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if portal_services.link_request_throttled(email=email, client=client_address(request)):
            return render(
                request, "portal/signin.html", {"form": form, "throttled": True}, status=429
            )
        next_url = form.cleaned_data["next"]
        if next_url and not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}
        ):
            next_url = ""
        portal_services.portal_link_request(email=email, next_url=next_url)
        return redirect("portal:signin_sent")
    return render(request, "portal/signin.html", {"form": form})


def signin_sent(request):
    return render(
        request, "portal/signin_sent.html", {"minutes": settings.KIZUNA_PORTAL_LINK_MINUTES}
    )


@require_http_methods(["GET", "POST"])
def signin_link(request, token: str):
    """GET shows a button, POST uses the link: mail scanners that open links do not burn it."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "GET":
        link = portal_services.portal_link_find(token)
        if link is None:
            return render(request, "portal/link_invalid.html", status=410)
        return render(
            request, "portal/signin_confirm.html", {"link_contact": link.contact, "next": next_url}
        )
    contact = portal_services.portal_link_claim(token)
    if contact is None:
        return render(request, "portal/link_invalid.html", status=410)
    sign_in(request, contact)
    translation.activate(contact.language)
    response = redirect(_safe_next(request, next_url))
    # The contact's own language from now on; the language switch still overrides it.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        contact.language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@contact_required
@require_POST
def signout(request):
    sign_out(request)
    messages.success(request, _("You have signed out."))
    return redirect("portal:signin")


# --- Requests -----------------------------------------------------------------------------


@contact_required
def home(request):
    """The contact's requests (or, for a contact who may see them, the organization's: tabs
    "Mine" and "All"): open ones first (latest activity on top), then the recently closed."""
    contact = request.contact
    show_all = contact.sees_organization and request.GET.get("show") != "mine"
    qs = tickets_for_contact(contact, whole_organization=show_all)
    open_tickets = list(selectors.open_requests(qs))
    closed_tickets = list(selectors.recently_closed(qs, limit=RECENTLY_CLOSED))
    return render(
        request,
        "portal/home.html",
        {
            "contact": contact,
            "open_tickets": open_tickets,
            "closed_tickets": closed_tickets,
            "tabs": contact.sees_organization,
            "show_all": show_all,
        },
    )


# The status box on a request's page asks for news this often.
STATUS_REFRESH_SECONDS = 30


def _ticket_context(request, ticket, form=None, notice: str = "") -> dict:
    return {
        "contact": request.contact,
        "ticket": ticket,
        "timeline": list(messages_for_contact(ticket)),
        # What an agent promised in their own words; never the service-level clocks.
        "promises": sla_selectors.open_promises(ticket_id=ticket.pk)
        if ticket.status not in (Status.RESOLVED, Status.CLOSED)
        else [],
        "form": form or ReplyForm(),
        # P2's answers, as the customer reads them (the desk's words for the same report).
        "resolution": selectors.latest_resolution(ticket=ticket),
        "can_reopen": services.reply_reopens_closed(ticket, now=timezone.now()),
        "linked": selectors.linked_tickets(ticket=ticket, organization_id=ticket.organization_id),
        "notice": notice,
        "max_mb": settings.KIZUNA_MAX_ATTACHMENT_BYTES // 1048576,
        "status_refresh_seconds": STATUS_REFRESH_SECONDS,
    }


@contact_required
def ticket(request, ticket_id: int):
    ticket = get_ticket_for_contact(request.contact, ticket_id)
    if request.htmx and request.htmx.target == "status-box":
        # The status box refreshes itself: where the request stands, without reloading
        # what the customer may be typing below it.
        return render(request, "portal/_status_box.html", _ticket_context(request, ticket))
    return render(request, "portal/ticket.html", _ticket_context(request, ticket))


@contact_required
@require_POST
def reply(request, ticket_id: int):
    """Add the contact's message (and files) to the ticket. With htmx the ticket's main part
    is returned in place; without it, the browser is sent back to the ticket page."""
    ticket = get_ticket_for_contact(request.contact, ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    was_resolved = ticket.status in (Status.RESOLVED, Status.CLOSED)
    if form.is_valid():
        try:
            services.ticket_customer_reply(
                ticket=ticket,
                contact=request.contact,
                body=form.cleaned_data["body"],
                files=incoming_files(form.cleaned_data["attachments"]),
            )
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if form.errors:
        template = "portal/_ticket_main.html" if request.htmx else "portal/ticket.html"
        return render(request, template, _ticket_context(request, ticket, form))
    if was_resolved and ticket.status != Status.RESOLVED:
        notice = _("Thank you. Your message has been sent and the request has been reopened.")
    else:
        notice = _("Thank you. Your message has been sent.")
    if request.htmx:
        return render(
            request, "portal/_ticket_main.html", _ticket_context(request, ticket, notice=notice)
        )
    messages.success(request, notice)
    return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#latest")


@contact_required
@require_http_methods(["GET", "POST"])
def new_request(request):
    """The intake form (P9). The answers become the first message, with a heading each."""
    contact = request.contact
    form = NewRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with translation.override(contact.language):
            body = form.compose_body()
        try:
            ticket = services.ticket_open(
                requester=contact,
                subject=form.cleaned_data["subject"],
                body=body,
                priority=form.priority,
                channel="portal",
                files=incoming_files(form.cleaned_data["attachments"]),
            )
            # The form's answered questions count as given facts (P9).
            intake_services.facts_record(
                ticket=ticket, message=ticket.request_message, answered=form.answered_facts()
            )
        except TicketError as exc:
            field = {"body": "what_happened"}.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your request is registered as %(ref)s. We will contact you by %(when)s at the latest."
                )
                % {
                    "ref": ticket.reference,
                    "when": format_when(
                        ticket.next_checkpoint,
                        lang=translation.get_language(),
                        tzname=timezone.get_current_timezone_name(),
                    ),
                },
            )
            return redirect("portal:ticket", ticket_id=ticket.pk)
    return render(request, "portal/new_request.html", {"contact": contact, "form": form})


@contact_required
def attachment(request, ticket_id: int, attachment_id: int):
    """Stream a file, only if it belongs to a message this contact may see."""
    ticket = get_ticket_for_contact(request.contact, ticket_id)
    att = selectors.attachment_among(
        attachment_id=attachment_id, messages=messages_for_contact(ticket)
    )
    if att is None:
        raise Http404("No such attachment.")
    # FileResponse writes the name RFC 5987-encoded (filename*=utf-8''…) when it is not ASCII.
    return attachment_response(att)
