"""What agents are told when a promised time comes near or passes (P12), in the reader's
language and time zone (the caller activates the language)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from kizuna.lib.timefmt import format_when
from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.tickets.models import AgentProfile


def _what(deadline: Deadline) -> str:
    if deadline.kind == DeadlineKind.PROMISE:
        return _("the promise “%(text)s”") % {"text": deadline.text}
    return {
        DeadlineKind.FIRST_RESPONSE: _("the first response"),
        DeadlineKind.CHECKPOINT: _("the next update promised to the customer"),
        DeadlineKind.RESOLUTION: _("the resolution target"),
    }.get(deadline.kind, deadline.kind)


def _when(deadline: Deadline, user, lang: str) -> str:
    zone = AgentProfile.objects.filter(user=user).values_list("timezone", flat=True).first()
    return format_when(deadline.due_at, lang=lang, tzname=zone)


def _ticket(deadline: Deadline) -> str:
    return f"{deadline.ticket.reference} “{deadline.ticket.subject}”"


def warning_text(deadline: Deadline, user, lang: str, now: datetime) -> str:
    minutes = max(int((deadline.due_at - now).total_seconds() // 60), 0)
    return _("%(ticket)s: %(what)s is due by %(when)s (in %(minutes)s min).") % {
        "ticket": _ticket(deadline),
        "what": _what(deadline),
        "when": _when(deadline, user, lang),
        "minutes": minutes,
    }


def breach_text(deadline: Deadline, user, lang: str) -> str:
    return _("%(ticket)s: %(what)s was due by %(when)s and has been missed.") % {
        "ticket": _ticket(deadline),
        "what": _what(deadline),
        "when": _when(deadline, user, lang),
    }


def escalation_text(deadline: Deadline, user, lang: str) -> str:
    assignee = deadline.ticket.assignee
    who = (assignee.get_full_name() or assignee.get_username()) if assignee else _("nobody")
    return _(
        "%(ticket)s: %(what)s was due by %(when)s and has been missed. Assigned to: "
        "%(who)s. Please see that the customer hears from us."
    ) % {
        "ticket": _ticket(deadline),
        "what": _what(deadline),
        "when": _when(deadline, user, lang),
        "who": who,
    }
