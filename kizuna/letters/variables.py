"""The variables a sample letter may use, and their values for one ticket: plain strings,
already in the customer's language and time zone (P1), so a letter needs no logic to show
them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kizuna.lib.names import person_name
from kizuna.lib.timefmt import format_when
from kizuna.tickets import wording
from kizuna.tickets.models import Ticket

VARIABLES: dict[str, str] = {
    "contact_name": _("The contact's name, e.g. 山田 太郎 or Jane Smith."),
    "honorific": _("様 in Japanese letters, nothing in English ones."),
    "organization": _("The contact's organization."),
    "reference": _("The request's reference, e.g. KZ-000123."),
    "subject": _("The request's subject."),
    "status": _("Where the request stands, as the customer reads it."),
    "checkpoint": _("When the customer hears from us next, in their time zone (may be empty)."),
    "agent": _("The agent writing, or the one assigned (may be empty)."),
    "team": _("The team in charge (may be empty)."),
    "cause": _("Resolution report: what caused it."),
    "done": _("Resolution report: what was done and what remains."),
    "fully_resolved": _("Resolution report: yes, partly or no."),
    "recurrence": _("Resolution report: can it recur, and how to avoid it (may be empty)."),
    "further_help": _("Further help the agent offers (may be empty)."),
    "satisfaction_link": _("Link to rate the help and close the request, no sign-in needed."),
    "close_link": _("Link to close the request, no sign-in needed."),
    "portal_link": _("The request in the customer portal."),
    "close_date": _("When an unanswered request will be closed (may be empty)."),
    "questions": _("The questions about the facts the request does not give yet (P9)."),
}

_REPORT_FIELDS = ("cause", "done", "fully_resolved", "recurrence", "further_help")


def ticket_values(
    ticket: Ticket,
    *,
    agent=None,
    report=None,
    links: Mapping[str, str] | None = None,
    close_date: datetime | None = None,
    checkpoint: datetime | None = None,
    questions: str = "",
) -> dict[str, str]:
    """Every variable's value for a letter about `ticket`. `report` is anything with the
    resolution report's attributes; `links` may give satisfaction_link and close_link;
    `checkpoint` is the next update the message itself sets (default: the ticket's)."""
    lang = ticket.language
    checkpoint = checkpoint or ticket.next_checkpoint
    contact = ticket.requester
    who = agent if agent is not None else ticket.assignee
    with translation.override(lang):
        status = str(wording.CUSTOMER_STATUS.get(ticket.status, ticket.status))
    values = {
        "contact_name": contact.name,
        "honorific": "様" if lang == "ja" else "",
        "organization": ticket.organization.name,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": status,
        "checkpoint": (
            format_when(checkpoint, lang=lang, tzname=contact.timezone) if checkpoint else ""
        ),
        "agent": person_name(who) if who is not None else "",
        "team": ticket.team.name if ticket.team_id else "",
        "portal_link": settings.SITE_URL + reverse("portal:ticket", args=[ticket.id]),
        "satisfaction_link": "",
        "close_link": "",
        "close_date": (
            format_when(close_date, lang=lang, tzname=contact.timezone) if close_date else ""
        ),
        "questions": questions,
    }
    for name in _REPORT_FIELDS:
        values[name] = (getattr(report, name, "") or "") if report is not None else ""
    for name, link in (links or {}).items():
        if name in ("satisfaction_link", "close_link"):
            values[name] = link
    return values


def sample_values(lang: str) -> dict[str, str]:
    """Realistic values for a letter's preview in the editor (and for checking the built-in
    letters): what a typical resolved hosting request would fill in."""
    if lang == "ja":
        return {
            "contact_name": "山田 花子",
            "honorific": "様",
            "organization": "株式会社さくら商事",
            "reference": "KZ-000123",
            "subject": "メールが送信できない",
            "status": "対応中",
            "checkpoint": "2026年12月8日(火) 15:00 (JST)",
            "agent": "佐藤 健",
            "team": "ホスティング",
            "cause": "メールサーバーの送信制限の設定値が、先週の更新作業で誤って小さくなっていました。",
            "done": "本日10時に設定値を元に戻し、送信できることを確認いたしました。お客様側での作業は不要です。",
            "fully_resolved": "yes",
            "recurrence": "今後の更新作業では、設定値の変更を二人で確認する手順を追加いたしました。",
            "further_help": "ご希望があれば、送信数の推移を毎月レポートでお送りします。",
            "satisfaction_link": "https://support.example.jp/portal/feedback/abc123/",
            "close_link": "https://support.example.jp/portal/feedback/abc123/",
            "portal_link": "https://support.example.jp/portal/tickets/123/",
            "close_date": "2026年12月15日(火) 18:00 (JST)",
            "questions": "・いつ頃から送信できなくなりましたか。\n・影響を受けている方は何名ほどですか。",
        }
    return {
        "contact_name": "Jane Smith",
        "honorific": "",
        "organization": "Harbour Logistics Ltd",
        "reference": "KZ-000123",
        "subject": "Outgoing mail rejected",
        "status": "Being worked on",
        "checkpoint": "Tue 8 Dec 2026, 15:00 GMT",
        "agent": "Alice Morgan",
        "team": "Hosting",
        "cause": "Last week's maintenance lowered the sending limit on the mail server by mistake.",
        "done": "We restored the limit at 10:00 today and checked that mail goes out again. You do not need to do anything.",
        "fully_resolved": "yes",
        "recurrence": "To prevent this, every change to the limits is now checked by a second engineer.",
        "further_help": "If you like, we can send you a monthly report of your sending volume.",
        "satisfaction_link": "https://support.example.com/portal/feedback/abc123/",
        "close_link": "https://support.example.com/portal/feedback/abc123/",
        "portal_link": "https://support.example.com/portal/tickets/123/",
        "close_date": "Tue 15 Dec 2026, 18:00 GMT",
        "questions": "- When did the problem start?\n- How many people are affected?",
    }
