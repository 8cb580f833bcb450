"""The REST API at /api/v1/ (see docs/api.md): tickets, messages, status transitions,
organizations and contacts, for agents holding an API token.

Every write goes through kizuna.tickets.services, so the rules of the service cycle hold
here exactly as in the desk. Every error is JSON: {"detail": what is wrong, "field": where}.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kizuna.api.auth import AgentToken
from kizuna.api.routers import (
    contacts,
    messages,
    organizations,
    replycheck,
    reports,
    search,
    tickets,
)
from kizuna.standards.services import CheckBlocked
from kizuna.tickets.workflow import TicketError

# The Swagger page loads its scripts from ninja's own static files only when ninja is an
# installed app; otherwise it falls back to a CDN, which breaks offline installations.
_LOCAL_DOCS = "ninja" in settings.INSTALLED_APPS

api = NinjaAPI(
    title="Kizuna API",
    version="1",
    description="Tickets, messages, status changes under the service cycle's rules (P1, P10), "
    "organizations and contacts. Authenticate with `Authorization: Bearer TOKEN` "
    "(create a token with `kizuna apitoken USERNAME`).",
    urls_namespace="api",
    auth=AgentToken(),
    openapi_url="/openapi.json",
    docs_url="/docs" if _LOCAL_DOCS else None,
)

api.add_router("/tickets", tickets.router)
api.add_router("/tickets", messages.router)
api.add_router("/organizations", organizations.router)
api.add_router("/contacts", contacts.router)
api.add_router("/replycheck", replycheck.router)
api.add_router("/attachments", messages.attachments_router)
api.add_router("/reports", reports.router)
api.add_router("/search", search.router)


def error(request, detail: str, *, status: int, field: str = ""):
    body = {"detail": detail}
    if field:
        body["field"] = field
    return api.create_response(request, body, status=status)


@api.exception_handler(TicketError)
def on_ticket_error(request, exc: TicketError):
    return error(request, exc.message, status=400, field=exc.field)


@api.exception_handler(CheckBlocked)
def on_check_blocked(request, exc: CheckBlocked):
    """The team's standard blocked the message: say why, with the findings (P12)."""
    body = {
        "detail": exc.message,
        "field": exc.field,
        "findings": [f.to_dict() for f in exc.result.findings if f.severity == "error"],
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc: RequestDataTooBig):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1048576
    return error(
        request,
        _("The request is larger than %(mb).0f MB; send fewer or smaller attachments at a time.")
        % {"mb": limit},
        status=413,
    )


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return error(request, str(exc) or _("Not found."), status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    response = error(request, exc.message, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    detail = exc.message
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        cause = exc.__cause__
        detail = (
            _("The request body is not valid JSON: %(reason)s.") % {"reason": cause}
            if cause
            else _("The request body is not valid JSON.")
        )
    return error(request, detail, status=exc.status_code)


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


# Where a field accepts one of several types, pydantic adds the type it tried to the error's
# location ("requester.int", "timezone.function-after[...]"); the client named no such thing.
_TYPE_TAGS = {"int", "str", "bool", "float", "none", "list", "dict"}


def _is_type_tag(part) -> bool:
    return isinstance(part, str) and (part in _TYPE_TAGS or any(c in part for c in "[(-"))


def _field(loc) -> str:
    parts = [str(p) for p in loc if not _is_type_tag(p)]
    if parts and parts[0] in _LOCATIONS:
        where = parts.pop(0)
        # A body schema sits under the view's parameter name; the client never sees it.
        if where == "body" and len(parts) > 1:
            parts.pop(0)
        elif where == "body":
            return ""
    return ".".join(parts)


def _body_is_not_an_object(request, err) -> bool:
    if not err.get("loc") or err["loc"][0] != "body":
        return False
    try:
        return not isinstance(json.loads(request.body or b"null"), dict)
    except ValueError:
        return True


def _too_long(err) -> str:
    limit = (err.get("ctx") or {}).get("max_length")
    return _("At most %(limit)s characters.") % {"limit": limit}


# Pydantic's wording where a plainer one helps; any other message is passed on as it is.
_MESSAGES = {
    "missing": lambda err: _("This field is required."),
    "extra_forbidden": lambda err: _(
        "Not a field of this request: unknown, or one that cannot be set here."
    ),
    "string_too_long": _too_long,
    "string_unicode": lambda err: _(
        "It is not valid Unicode text: it holds half of a surrogate pair (such as \\ud800) "
        "on its own."
    ),
}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    """Pydantic's errors, said plainly: which field, and why."""
    problems = []
    for err in exc.errors:
        field = _field(err.get("loc", ()))
        msg = err.get("msg", "")
        if not field or (field and _body_is_not_an_object(request, err)):
            field, msg = "", _("The request body must be a JSON object.")
        else:
            msg = _MESSAGES.get(err.get("type"), lambda e: e.get("msg", ""))(err)
        problems.append({"field": field, "message": msg})
    if any(not p["field"] for p in problems):
        problems = [p for p in problems if not p["field"]][:1]
    first = problems[0] if problems else {"field": "", "message": _("Invalid input.")}
    detail = "; ".join(
        f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems
    )
    response = error(request, detail, status=422, field=first["field"])
    return response
