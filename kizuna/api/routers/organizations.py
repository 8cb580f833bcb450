"""Customer organizations and the mail domains that identify them."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from kizuna.api.schemas import (
    ERRORS,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    QueryText,
    organization_dict,
)
from kizuna.lib.ids import parse_id
from kizuna.tickets import selectors, services

router = Router(tags=["organizations"])


_Q = Query("", description="Words in the name.")


@router.get(
    "",
    response={200: OrganizationPage, **ERRORS},
    url_name="organization_list",
    operation_id="organization_list",
)
def organization_list(
    request,
    q: QueryText = _Q,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
):
    """Organizations by name."""
    return paginate(
        request,
        selectors.organizations(q=q),
        limit=limit,
        offset=offset,
        serialize=lambda o: organization_dict(o, tz=request.agent_tz),
    )


@router.post(
    "",
    response={201: OrganizationOut, **ERRORS},
    url_name="organization_create",
    operation_id="organization_create",
)
def organization_create(request, data: OrganizationIn):
    """Create an organization; mail from its domains is filed under it."""
    org = services.organization_create(
        name=data.name, domains=data.domains, timezone_name=data.timezone
    )
    return Status(201, organization_dict(org, tz=request.agent_tz))


@router.get(
    "/{int:organization_id}",
    response={200: OrganizationOut, **ERRORS},
    url_name="organization_detail",
    operation_id="organization_read",
)
def organization_read(request, organization_id: int):
    pk = parse_id(organization_id)
    org = selectors.organization_with_domains(organization_id=pk) if pk else None
    if org is None:
        raise Http404(_("No organization with id %(id)s.") % {"id": organization_id})
    return organization_dict(org, tz=request.agent_tz)
