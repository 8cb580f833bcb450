"""Applying the team's standard (P12) to drafts, and editing it (see docs/standard.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna import replycheck
from kizuna.letters.blanks import blanks
from kizuna.replycheck import Result, list_rules
from kizuna.standards.models import CheckOverride, RuleSetting, Severity
from kizuna.tickets.models import Message, Organization, Status, Ticket
from kizuna.tickets.workflow import TicketError


class CheckBlocked(TicketError):
    """The draft has error-level findings and the agent has not chosen to send it anyway."""

    def __init__(self, result: Result):
        errors = [f for f in result.findings if f.severity == "error"]
        super().__init__(
            _(
                "The message breaks %(n)d rule(s) of the team's standard: %(rules)s. Fix it, or send it anyway "
                "with an override (it is recorded)."
            )
            % {
                "n": len(errors),
                "rules": "; ".join(f"{f.message} (“{f.text}”)" for f in errors[:5]),
            },
            field="body",
        )
        self.result = result


def standard_for(organization_id: int | None) -> dict[str, dict]:
    """The overrides the checker takes: the team-wide settings, then the organization's own."""
    overrides: dict[str, dict] = {}
    qs = RuleSetting.objects.filter(organization__isnull=True)
    if organization_id:
        qs = RuleSetting.objects.filter(organization__isnull=True) | RuleSetting.objects.filter(
            organization_id=organization_id
        )
    # Team-wide rows first so that an organization's own setting wins.
    for row in sorted(qs, key=lambda r: r.organization_id is not None):
        overrides[row.rule_id] = {"enabled": row.enabled, "severity": row.severity}
    return overrides


def purpose_for(to_status: str | None) -> str:
    """What a status note is checked as: a resolution report when resolving (P2), a closing
    message when closing (P10). Other notes need no checkpoint rule: Kizuna itself appends
    the date and time of the next update to every status note (P1)."""
    return {Status.RESOLVED: "resolution", Status.CLOSED: "closing"}.get(to_status, "any")


def draft_size_check(text: str, *, field: str) -> None:
    """Refuse a draft longer than KIZUNA_MAX_DRAFT_CHARS (see docs/security.md): a message to
    a customer is read, not searched, and the checker's time grows with the text."""
    limit = settings.KIZUNA_MAX_DRAFT_CHARS
    if len(text) > limit:
        raise TicketError(
            _(
                "The text is %(length)s characters long; a message to a customer may have at "
                "most %(limit)s. Send long logs or documents as attachments."
            )
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"},
            field=field,
        )


def draft_check(*, ticket: Ticket, text: str, purpose: str = "any", field: str = "body") -> Result:
    """Check a draft to this ticket's customer against the standard for their organization,
    at their technical level (P5, P6)."""
    draft_size_check(text, field=field)
    audience = "technical" if ticket.requester.technical_level == "technical" else "general"
    return replycheck.check(
        text,
        lang="auto",
        audience=audience,
        purpose=purpose,
        overrides=standard_for(ticket.organization_id),
    )


def draft_enforce(
    *, ticket: Ticket, text: str, purpose: str, override: bool, field: str = "body"
) -> Result:
    """Raise CheckBlocked when the draft has errors and no override was given, and a
    TicketError when it still has a sample letter's blank to fill ([[…]])."""
    unfilled = blanks(text)
    if unfilled:
        raise TicketError(
            _("Fill in the blanks of the letter before sending: %(blanks)s.")
            % {"blanks": ", ".join(unfilled[:5])},
            field=field,
        )
    result = draft_check(ticket=ticket, text=text, purpose=purpose, field=field)
    if result.has_errors and not override:
        raise CheckBlocked(result)
    return result


def override_record(
    *, ticket: Ticket, message: Message | None, user, result: Result
) -> CheckOverride | None:
    """Record that a message went out despite error findings (counted for managers)."""
    errors = [f for f in result.findings if f.severity == "error"]
    if not errors:
        return None
    return CheckOverride.objects.create(
        ticket=ticket,
        message=message,
        user=user,
        rules=sorted({f.rule for f in errors}),
        findings=[f.to_dict() for f in errors],
    )


class StandardReviewer:
    """The team's standard as the ticket services' reviewer of replies and status notes
    (installed by the app at start, see tickets.services.DraftReviewer)."""

    def check(
        self,
        *,
        ticket: Ticket,
        text: str,
        to_status: str | None,
        field: str,
        override: bool,
        purpose: str | None = None,
    ):
        return draft_enforce(
            ticket=ticket,
            text=text,
            purpose=purpose or purpose_for(to_status),
            override=override,
            field=field,
        )

    def record(self, *, ticket: Ticket, message: Message | None, user, result: Result) -> None:
        override_record(ticket=ticket, message=message, user=user, result=result)


def known_rules() -> dict[str, dict]:
    return {r["id"]: r for r in list_rules()}


@transaction.atomic
def rule_setting_set(
    *, organization: Organization | None, rule_id: str, enabled: bool, severity: str, actor_user
) -> RuleSetting:
    """Switch a rule on or off, or change its severity, team-wide or for one organization."""
    if rule_id not in known_rules():
        raise TicketError(_("There is no rule “%(rule)s”.") % {"rule": rule_id}, field="rule_id")
    if severity not in Severity.values:
        raise TicketError(
            _("Unknown severity “%(s)s”. Use one of: %(known)s.")
            % {"s": severity, "known": ", ".join(Severity.values)},
            field="severity",
        )
    setting, _created = RuleSetting.objects.update_or_create(
        organization=organization,
        rule_id=rule_id,
        defaults={
            "enabled": enabled,
            "severity": severity,
            "updated_at": timezone.now(),
            "updated_by": actor_user,
        },
    )
    return setting


@transaction.atomic
def rule_setting_reset(*, organization: Organization | None, rule_id: str) -> None:
    """Go back to the rule pack's default (team-wide) or to the team's setting (organization)."""
    RuleSetting.objects.filter(organization=organization, rule_id=rule_id).delete()
