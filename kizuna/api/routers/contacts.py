"""Customer contacts: who they are, and how to write to them (language, technical level, P5, P6)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from kizuna.api.schemas import (
    ERRORS,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    Id,
    QueryText,
    contact_dict,
)
from kizuna.lib.ids import parse_id
from kizuna.tickets import selectors, services
from kizuna.tickets.models import Contact
from kizuna.tickets.workflow import TicketError

router = Router(tags=["contacts"])


def _contact(contact_id: int) -> Contact:
    pk = parse_id(contact_id)
    contact = selectors.contact_with_organization(contact_id=pk) if pk else None
    if contact is None:
        raise Http404(_("No contact with id %(id)s.") % {"id": contact_id})
    return contact


_ORGANIZATION = Query(None, description="An organization's id.")
_Q = Query("", description="Words in the name or email address.")


@router.get(
    "",
    response={200: ContactPage, **ERRORS},
    url_name="contact_list",
    operation_id="contact_list",
)
def contact_list(
    request,
    organization: Id | None = _ORGANIZATION,
    q: QueryText = _Q,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
):
    """Contacts by name, optionally of one organization."""
    qs = selectors.contacts(organization_id=organization, q=q)
    return paginate(
        request,
        qs,
        limit=limit,
        offset=offset,
        serialize=lambda c: contact_dict(c, tz=request.agent_tz),
    )


@router.post(
    "",
    response={201: ContactOut, **ERRORS},
    url_name="contact_create",
    operation_id="contact_create",
)
def contact_create(request, data: ContactIn):
    org = selectors.organization_by_id(organization_id=data.organization)
    if org is None:
        raise TicketError(
            _("No organization with id %(id)s.") % {"id": data.organization}, field="organization"
        )
    contact = services.contact_create(
        organization=org,
        name=data.name,
        email=data.email,
        language=data.language,
        technical_level=data.technical_level,
        role=data.role,
        timezone_name=data.timezone,
        mail_charset=data.mail_charset,
    )
    return Status(201, contact_dict(contact, tz=request.agent_tz))


@router.get(
    "/{int:contact_id}",
    response={200: ContactOut, **ERRORS},
    url_name="contact_detail",
    operation_id="contact_read",
)
def contact_read(request, contact_id: int):
    return contact_dict(_contact(contact_id), tz=request.agent_tz)


@router.patch(
    "/{int:contact_id}",
    response={200: ContactOut, **ERRORS},
    url_name="contact_update",
    operation_id="contact_update",
)
def contact_update(request, contact_id: int, data: ContactPatch):
    """Change name, language, technical level, role, time zone or mail encoding; fields left
    out stay as they are."""
    contact = _contact(contact_id)
    fields = data.model_dump(exclude_unset=True)
    nulls = [k for k, v in fields.items() if v is None]
    if nulls:
        raise TicketError(_("%(field)s cannot be null.") % {"field": nulls[0]}, field=nulls[0])
    services.contact_update(contact=contact, **fields)
    return contact_dict(contact, tz=request.agent_tz)
