"""POST /api/v1/replycheck: a draft checked against the team's communication standard."""

from __future__ import annotations

from ninja import Router

from kizuna.api.routers.tickets import get_ticket
from kizuna.api.schemas import ERRORS, ReplyCheckIn, ReplyCheckOut
from kizuna.replycheck import check
from kizuna.standards import services as standard
from kizuna.tickets.workflow import TicketError

router = Router(tags=["reply checker"])


@router.post(
    "", response={200: ReplyCheckOut, **ERRORS}, url_name="replycheck", operation_id="replycheck"
)
def replycheck(request, data: ReplyCheckIn):
    """Check a draft (P2–P8, P11) and return its findings with character offsets, as
    `kizuna replycheck --format json` does. With `ticket`, the standard of that ticket's
    organization and the technical level of its contact apply."""
    standard.draft_size_check(data.text, field="text")
    overrides = None
    audience = data.audience
    if data.ticket:
        obj = get_ticket(request, data.ticket)
        overrides = standard.standard_for(obj.organization_id)
        audience = "technical" if obj.requester.technical_level == "technical" else "general"
    try:
        result = check(
            data.text, lang=data.lang, audience=audience, purpose=data.purpose, overrides=overrides
        )
    except ValueError as e:
        raise TicketError(str(e), field="") from None
    return result.to_dict()
