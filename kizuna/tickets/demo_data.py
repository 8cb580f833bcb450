"""Demo data for `kizuna demo`: three customer organizations, agents in teams, and about thirty
tickets in every status with conversations written the way the principles ask (P1–P14).

The history is made by the real services with historic timestamps, so the audit trail, first
response times and checkpoints are what they would be had the work really happened; times are
relative to the moment of seeding, so the queue always looks current (a few checkpoints are
deliberately overdue). See docs/demo.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kizuna.lib.timefmt import format_when
from kizuna.tickets import services
from kizuna.tickets.demo_scripts import SCRIPTS, Script
from kizuna.tickets.models import (
    AgentProfile,
    Contact,
    EmailDomain,
    Message,
    MessageKind,
    Organization,
    Team,
    Ticket,
)

DEMO_PASSWORD = "kizuna-demo"

ORGANIZATIONS = [
    {"name": "株式会社丸高精工", "timezone": "Asia/Tokyo", "domain": "marutaka-seiko.example.jp"},
    {
        "name": "医療法人 みなと台クリニック",
        "timezone": "Asia/Tokyo",
        "domain": "minatodai-clinic.example.jp",
    },
    {
        "name": "Harbourline Trading Ltd",
        "timezone": "Europe/London",
        "domain": "harbourline.example.com",
    },
]

CONTACTS = [
    # (organization index, name, email, language, technical level, role, time zone)
    (
        0,
        "鈴木 一郎",
        "suzuki@marutaka-seiko.example.jp",
        "ja",
        "general",
        "総務部 課長",
        "Asia/Tokyo",
    ),
    (
        0,
        "高橋 健太",
        "takahashi@marutaka-seiko.example.jp",
        "ja",
        "technical",
        "情報システム担当",
        "Asia/Tokyo",
    ),
    (
        1,
        "中村 由美",
        "nakamura@minatodai-clinic.example.jp",
        "ja",
        "general",
        "事務長",
        "Asia/Tokyo",
    ),
    (
        1,
        "伊藤 拓也",
        "ito@minatodai-clinic.example.jp",
        "ja",
        "technical",
        "医療情報システム担当",
        "Asia/Tokyo",
    ),
    (
        2,
        "Emma Clarke",
        "emma.clarke@harbourline.example.com",
        "en",
        "general",
        "Office manager",
        "Europe/London",
    ),
    (
        2,
        "Raj Patel",
        "raj.patel@harbourline.example.com",
        "en",
        "technical",
        "Head of IT",
        "Europe/London",
    ),
    (
        2,
        "Michael Brown",
        "michael.brown@harbourline.example.com",
        "en",
        "general",
        "Country manager, Japan",
        "Asia/Tokyo",
    ),
]

AGENTS = [
    # (username, first name, last name, language, time zone, teams, staff)
    ("sato", "健", "佐藤", "ja", "Asia/Tokyo", ["Hosting"], False),
    ("tanaka", "美咲", "田中", "ja", "Asia/Tokyo", ["Network"], False),
    ("alice", "Alice", "Morgan", "en", "Europe/London", ["Hosting", "Network"], False),
    ("kimura", "浩", "木村", "ja", "Asia/Tokyo", ["Hosting", "Network"], True),
]


# --- Seeding ----------------------------------------------------------------------------------


@dataclass
class DemoResult:
    created: bool
    tickets: int
    agents: list[str]
    contacts: dict[str, str]  # language → an email address to sign in to the portal with


def demo_exists() -> bool:
    return Organization.objects.filter(name=ORGANIZATIONS[0]["name"]).exists()


def portal_contacts() -> dict[str, str]:
    return {"ja": CONTACTS[0][2], "en": CONTACTS[4][2]}


def _round_up(dt: datetime, minutes: int = 15) -> datetime:
    """Checkpoints people promise fall on round times: 15:00, 15:15, not 15:07."""
    step = minutes * 60
    seconds = math.ceil(dt.timestamp() / step) * step
    return datetime.fromtimestamp(seconds, tz=dt.tzinfo)


def demo_seed(*, now: datetime | None = None) -> DemoResult:
    """Create the demo organizations, people and tickets once; a second call changes nothing.

    Messages made here are marked as already mailed, so the outbox only ever shows the mail
    caused by what the person trying the demo does themselves.
    """
    if demo_exists():
        return DemoResult(False, 0, [a[0] for a in AGENTS], portal_contacts())
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic():
        agents, teams = _people()
        contacts = _contacts()
        tickets = [
            _play(script, now=now, agents=agents, teams=teams, contacts=contacts)
            for script in SCRIPTS
        ]
        # Mail that has just arrived, through the real ingest pipeline (kizuna.mail.demo).
        from kizuna.mail.demo import seed_mail

        tickets += seed_mail()
        # Still inside the transaction: the deliveries queued by the services run after the
        # commit, find every message already mailed, and send nothing.
        Message.objects.filter(ticket__in=tickets).exclude(kind=MessageKind.NOTE).update(
            mailed_at=F("created_at")
        )
    return DemoResult(True, len(tickets), [a[0] for a in AGENTS], portal_contacts())


def _people() -> tuple[dict, dict[str, Team]]:
    User = get_user_model()
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Hosting", "Network")}
    agents = {}
    for username, first, last, lang, tz, team_names, staff in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username,
                f"{username}@kizuna.example",
                DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=staff,
                is_superuser=staff,
            )
        AgentProfile.objects.get_or_create(user=user, defaults={"language": lang, "timezone": tz})
        for name in team_names:
            teams[name].members.add(user)
        agents[username] = user
    return agents, teams


def _contacts() -> dict[str, Contact]:
    orgs = []
    for spec in ORGANIZATIONS:
        org = Organization.objects.create(name=spec["name"], timezone=spec["timezone"])
        EmailDomain.objects.create(organization=org, domain=spec["domain"])
        orgs.append(org)
    contacts = {}
    for org_index, name, email, lang, level, role, tz in CONTACTS:
        contacts[email] = Contact.objects.create(
            organization=orgs[org_index],
            name=name,
            email=email,
            language=lang,
            technical_level=level,
            role=role,
            timezone=tz,
        )
    return contacts


def _play(
    script: Script,
    *,
    now: datetime,
    agents: dict,
    teams: dict[str, Team],
    contacts: dict[str, Contact],
) -> Ticket:
    contact = contacts[script.requester]

    def when(hours: float) -> datetime:
        return now + timedelta(hours=hours)

    ticket = services.ticket_open(
        requester=contact,
        subject=script.subject,
        body=script.body,
        priority=script.priority,
        channel=script.channel,
        now=when(script.at),
    )
    for step in script.steps:
        at = when(step.at)
        agent = agents.get(step.who)
        if step.kind == "assign":
            services.ticket_assign(
                ticket=ticket,
                actor_user=agents["kimura"],
                assignee=agent,
                team=teams[step.team],
                now=at,
            )
        elif step.kind == "status":
            due = _round_up(when(step.due)) if step.due is not None else None
            text = step.text
            if due is not None:
                text = text.replace(
                    "{due}", format_when(due, lang=ticket.language, tzname=contact.timezone)
                )
            services.ticket_transition(
                ticket=ticket,
                actor_user=agent,
                to_status=step.to,
                customer_note=text,
                checkpoint=due,
                close_reason=step.reason,
                now=at,
            )
        elif step.kind == "reply":
            services.ticket_reply(ticket=ticket, actor_user=agent, body=step.text, now=at)
        elif step.kind == "note":
            services.ticket_note(ticket=ticket, actor_user=agent, body=step.text, now=at)
        elif step.kind == "customer":
            services.ticket_customer_reply(ticket=ticket, contact=contact, body=step.text, now=at)
        else:  # pragma: no cover - a typo in the scripts
            raise ValueError(f"unknown step kind {step.kind!r}")
    return ticket
