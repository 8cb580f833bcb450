"""The service cycle as data (P1, P10): which status may follow which, and what a change must carry.

This module is the one place these rules live. The desk, the portal, the API, email and the
shell all change a ticket's status through `services.ticket_transition`, which asks
`check_transition` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.lib import timefmt
from kizuna.lib.text import is_blank, text_problem
from kizuna.tickets.models import CloseReason, Resolved, Status

S = Status

# Which status may follow which. Resolved tickets may be reopened by returning to
# investigating; closed is final (a customer who writes again opens a new request).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(
        {
            S.ACKNOWLEDGED,
            S.INVESTIGATING,
            S.WAITING_CUSTOMER,
            S.WAITING_THIRD_PARTY,
            S.RESOLVED,
            S.CLOSED,
        }
    ),
    S.ACKNOWLEDGED: frozenset(
        {S.INVESTIGATING, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CLOSED}
    ),
    S.INVESTIGATING: frozenset({S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CLOSED}),
    S.WAITING_CUSTOMER: frozenset({S.INVESTIGATING, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CLOSED}),
    S.WAITING_THIRD_PARTY: frozenset({S.INVESTIGATING, S.WAITING_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.INVESTIGATING, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Closing a ticket that was never resolved needs one of these recorded reasons (P10).
CLOSE_WITHOUT_RESOLUTION = frozenset(
    {CloseReason.DUPLICATE, CloseReason.SPAM, CloseReason.WITHDRAWN}
)

# When a customer writes, these statuses go back to active work without an agent's hand:
# a reply to a resolved ticket (or to a closed one, within its team's reopen window) reopens
# it, an answer we were waiting for resumes it.
CUSTOMER_REPLY_RESUMES = {
    S.RESOLVED: S.INVESTIGATING,
    S.CLOSED: S.INVESTIGATING,
    S.WAITING_CUSTOMER: S.INVESTIGATING,
}
# Closed for these reasons, a request the customer answers soon after is taken up again;
# closed as spam or a duplicate, an answer always opens a new request.
REOPENABLE_CLOSE_REASONS = frozenset({CloseReason.RESOLVED, CloseReason.WITHDRAWN})

OPEN_STATUSES = tuple(s for s in Status.values if s != S.CLOSED)

# What an agent may say a message is; the reply checker adds that purpose's rules (P2, P10, P11).
MESSAGE_PURPOSES = ("any", "update", "bad-news", "resolution", "closing")


class TicketError(ValueError):
    """Input that a ticket service refuses; `message` says what is wrong, `field` where."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionError(TicketError):
    """A status change that the service cycle does not allow."""

    def __init__(self, message: str, *, field: str = "status"):
        super().__init__(message, field=field)


@dataclass(frozen=True)
class Transition:
    to_status: str
    customer_note: str
    checkpoint: datetime | None
    close_reason: str


def allowed_next(status: str) -> list[str]:
    """The statuses that may follow `status`, in the order of the cycle."""
    return [s for s in Status.values if s in TRANSITIONS.get(status, ())]


def check_transition(
    *,
    from_status: str,
    to_status: str,
    customer_note: str = "",
    checkpoint: datetime | None = None,
    close_reason: str = "",
    now: datetime | None = None,
) -> Transition:
    """Validate a status change and return it normalised, or raise TransitionError.

    Every change except closing carries a customer-visible note and a next checkpoint in
    the future (P1). Closing comes after resolved, or directly with a recorded reason.
    """
    now = now or timezone.now()
    if to_status not in Status.values:
        raise TransitionError(
            _("Unknown status “%(status)s”. Known statuses: %(known)s.")
            % {"status": to_status, "known": ", ".join(Status.values)}
        )
    if to_status == from_status:
        raise TransitionError(
            _("The ticket is already “%(status)s”.") % {"status": Status(to_status).label}
        )
    if to_status not in TRANSITIONS.get(from_status, ()):
        allowed = ", ".join(allowed_next(from_status)) or _("none: the ticket is closed")
        raise TransitionError(
            _("A ticket cannot go from “%(from)s” to “%(to)s”. Allowed next: %(allowed)s.")
            % {"from": Status(from_status).label, "to": Status(to_status).label, "allowed": allowed}
        )
    note = (customer_note or "").strip()
    if to_status == S.CLOSED:
        reason = close_reason or (CloseReason.RESOLVED if from_status == S.RESOLVED else "")
        if from_status != S.RESOLVED and reason not in CLOSE_WITHOUT_RESOLUTION:
            raise TransitionError(
                _(
                    "Only a resolved ticket can simply be closed. To close it now, give a reason: %(reasons)s."
                )
                % {"reasons": ", ".join(sorted(CLOSE_WITHOUT_RESOLUTION))},
                field="close_reason",
            )
        if reason not in CloseReason.values:
            raise TransitionError(
                _("Unknown close reason “%(reason)s”.") % {"reason": reason}, field="close_reason"
            )
        return Transition(to_status, note, None, reason)
    if not note:
        raise TransitionError(
            _("Tell the customer what is happening: a status change needs a customer note (P1)."),
            field="customer_note",
        )
    check_checkpoint(checkpoint, now=now, error=TransitionError)
    if close_reason:
        raise TransitionError(_("A close reason only goes with closing."), field="close_reason")
    return Transition(to_status, note, checkpoint, "")


def check_checkpoint(
    checkpoint: datetime | None, *, now: datetime, error: type[TicketError] = TicketError
) -> None:
    """A next checkpoint must be given, carry a time zone and lie in the future (P1)."""
    if checkpoint is None:
        raise error(
            _(
                "Give the date and time of the next update: a status change needs a checkpoint (P1)."
            ),
            field="checkpoint",
        )
    if timezone.is_naive(checkpoint):
        raise error(_("The checkpoint needs a time zone."), field="checkpoint")
    if not timefmt.in_range(checkpoint):
        raise error(checkpoint_range_message(checkpoint), field="checkpoint")
    if checkpoint <= now:
        raise error(
            _("The next checkpoint must be in the future; %(when)s has passed.")
            % {"when": timefmt.localtime_or_utc(checkpoint).strftime("%Y-%m-%d %H:%M %Z")},
            field="checkpoint",
        )


def checkpoint_range_message(checkpoint: datetime) -> str:
    return _(
        "The checkpoint %(when)s is out of range: give a date and time between %(first)s and "
        "%(last)s."
    ) % {
        "when": checkpoint.isoformat(timespec="minutes"),
        "first": timefmt.EARLIEST.year,
        "last": timefmt.LATEST.year - 1,
    }


# Each answer of a resolution report is read by the customer: a paragraph, not a document.
MAX_ANSWER_CHARS = 5_000


@dataclass(frozen=True)
class ResolutionAnswers:
    """P2's four answers (plus the further help P10 offers), as a resolution carries them."""

    cause: str = ""
    done: str = ""
    fully_resolved: str = ""
    recurrence: str = ""
    further_help: str = ""


def check_resolution(answers: ResolutionAnswers | None) -> ResolutionAnswers:
    """Validate a resolution report and return it with its answers trimmed, or raise
    TransitionError naming every missing or unfit answer (P2)."""
    answers = answers or ResolutionAnswers()
    labels = {
        "cause": _("what caused it"),
        "done": _("what was done and what remains"),
        "fully_resolved": _("whether it is fully resolved"),
    }
    cleaned = {
        name: (getattr(answers, name) or "").strip()
        for name in ("cause", "done", "fully_resolved", "recurrence", "further_help")
    }
    missing = [labels[name] for name in labels if is_blank(cleaned[name])]
    if missing:
        raise TransitionError(
            _(
                "Resolving needs the resolution report (P2). Missing: %(missing)s. Whether it "
                "can happen again, and how to avoid it, is asked too."
            )
            % {"missing": "; ".join(missing)},
            field="resolution",
        )
    if cleaned["fully_resolved"] not in Resolved.values:
        raise TransitionError(
            _("“Fully resolved” is one of %(known)s; got “%(value)s”.")
            % {"known": ", ".join(Resolved.values), "value": cleaned["fully_resolved"][:40]},
            field="resolution.fully_resolved",
        )
    for name, value in cleaned.items():
        problem = text_problem(value)
        if problem is None and len(value) > MAX_ANSWER_CHARS:
            problem = _("It is %(length)s characters long; at most %(limit)s.") % {
                "length": f"{len(value):,}",
                "limit": f"{MAX_ANSWER_CHARS:,}",
            }
        if problem:
            raise TransitionError(problem, field=f"resolution.{name}")
    return ResolutionAnswers(**cleaned)
