"""Who is signed in to the portal: a contact, identified by the session (see docs/portal.md).

Contacts are not Django users. A one-time link puts `portal_contact_id` into a fresh session;
every portal view asks `current_contact` and loads tickets only through `tickets/access.py`.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from kizuna.tickets.models import Contact

SESSION_KEY = "portal_contact_id"
TZ_SESSION_KEY = "portal_tz"


def current_contact(request) -> Contact | None:
    """The signed-in, still active contact, or None. Cached on the request."""
    if hasattr(request, "_portal_contact"):
        return request._portal_contact
    contact = None
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is not None:
        contact = (
            Contact.objects.select_related("organization")
            .filter(pk=contact_id, is_active=True)
            .first()
        )
    request._portal_contact = contact
    return contact


def sign_in(request, contact: Contact) -> None:
    """Start a new session for `contact`: a new key, so a planted session id is worthless."""
    request.session.flush()
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk
    request.session[TZ_SESSION_KEY] = contact.timezone
    request._portal_contact = contact


def sign_out(request) -> None:
    request.session.flush()
    request._portal_contact = None


def contact_required(view):
    """Let signed-in contacts through; send anyone else to the sign-in page and back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact = current_contact(request)
        if contact is None:
            url = reverse("portal:signin")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            return redirect(url)
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper
