"""GET /api/v1/search: full-text search over tickets, messages, contacts and organizations."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from ninja import Query, Router

from kizuna.api.routers.tickets import _user_id
from kizuna.api.schemas import ERRORS, Id, QueryText, SearchOut, StatusName
from kizuna.search import scope
from kizuna.search.query import MAX_LIMIT, search
from kizuna.search.results import result_dicts
from kizuna.tickets import access
from kizuna.tickets.models import Status
from kizuna.tickets.workflow import TicketError

router = Router(tags=["search"])

_Q = Query(..., description="Words (every one must be found), or a reference.")
_STATUS = Query(None, description="Only tickets in this status.")
_ORGANIZATION = Query(None, description="Only this organization's tickets.")
_ASSIGNEE = Query("", description="An agent's id or username, `me` or `none`.")
_TEAM = Query(None, description="Only this team's tickets.")
_FROM = Query(None, alias="from", description="Opened on or after this day (YYYY-MM-DD).")
_TO = Query(None, alias="to", description="Opened on or before this day (YYYY-MM-DD).")
_LIMIT = Query(20, ge=1, le=MAX_LIMIT)


@router.get("", response={200: SearchOut, **ERRORS}, url_name="search", operation_id="search")
def search_tickets(
    request,
    q: QueryText = _Q,
    status: StatusName | None = _STATUS,
    organization: Id | None = _ORGANIZATION,
    assignee: QueryText = _ASSIGNEE,
    team: Id | None = _TEAM,
    opened_from: date | None = _FROM,
    opened_to: date | None = _TO,
    limit: int = _LIMIT,
):
    """The tickets whose subject, messages (with attachment names), requester or organization
    hold every word of `q`, best first, each with a snippet and where the words are in it;
    Japanese and English. A reference such as KZ-000123 (or 123) puts that ticket first."""
    if not q.strip():
        raise TicketError(_("Give at least one word to search for."), field="q")
    if status and status not in Status.values:
        raise TicketError(
            _("Unknown status “%(status)s”. Known statuses: %(known)s.")
            % {"status": status, "known": ", ".join(Status.values)},
            field="status",
        )
    if opened_from and opened_to and opened_from > opened_to:
        raise TicketError(_("“from” is after “to”."), field="from")
    assignee_id = None
    if assignee == "me":
        assignee_id = request.auth.id
    elif assignee and assignee != "none":
        assignee_id = _user_id(assignee, field="assignee")
    tickets = scope.narrowed(
        access.tickets_for_agent(request.auth),
        status=status or "",
        organization_id=organization,
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        team_id=team,
        opened_from=opened_from,
        opened_to=opened_to,
        tz=request.agent_tz,
    )
    return {"results": result_dicts(search(q, tickets=tickets, limit=limit))}
