"""`kizuna generate_tickets`: many plausible tickets, fast, for benchmarks (bench/queue.py).

Rows are inserted in bulk, bypassing the services: this makes volume, not history. Never run
it against a database that holds real work.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.tickets.models import (
    AgentProfile,
    Channel,
    CloseReason,
    Contact,
    EmailDomain,
    Message,
    MessageKind,
    Organization,
    Priority,
    Status,
    Ticket,
)

# 60 % open, spread over the working statuses; 40 % closed.
STATUS_MIX = [
    (Status.NEW, 8),
    (Status.ACKNOWLEDGED, 10),
    (Status.INVESTIGATING, 20),
    (Status.WAITING_CUSTOMER, 10),
    (Status.WAITING_THIRD_PARTY, 7),
    (Status.RESOLVED, 5),
    (Status.CLOSED, 40),
]
PRIORITY_MIX = [
    (Priority.LOW, 15),
    (Priority.NORMAL, 60),
    (Priority.HIGH, 20),
    (Priority.URGENT, 5),
]
SUBJECTS = {
    "ja": [
        "メールが送信できない",
        "DNS レコード変更のお願い",
        "SSL 証明書の更新",
        "バックアップからの復元依頼",
        "VPN が頻繁に切断される",
        "ホームページの表示が遅い",
        "ディスク容量の警告",
        "アカウントがロックされた",
        "請求書の内容について",
        "新入社員のアカウント作成",
    ],
    "en": [
        "Mail delivery failure",
        "DNS change request",
        "SSL certificate renewal",
        "Restore from backup",
        "VPN keeps disconnecting",
        "Website is slow",
        "Disk space warning",
        "Account locked out",
        "Question about our invoice",
        "New starter accounts",
    ],
}
# The same working statuses without the resolved and closed ones.
OPEN_MIX = [(s, w) for s, w in STATUS_MIX if s not in (Status.RESOLVED, Status.CLOSED)]
AGENTS = 10
CONTACTS_PER_ORG = 4


def _deadlines(rng: random.Random, ticket: Ticket, now) -> list[Deadline]:
    """An open ticket's clocks: its next update, and a resolution target some days ahead
    (paused while it waits for the customer); closed ones keep none open."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return []
    checkpoint = Deadline(
        ticket_id=ticket.id,
        kind=DeadlineKind.CHECKPOINT,
        started_at=ticket.created_at,
        due_at=ticket.next_checkpoint,
        warn_at=ticket.next_checkpoint - timedelta(minutes=30),
    )
    resolution = Deadline(
        ticket_id=ticket.id,
        kind=DeadlineKind.RESOLUTION,
        started_at=ticket.created_at,
        due_at=ticket.created_at + timedelta(days=rng.randint(3, 30)),
    )
    if ticket.status == Status.WAITING_CUSTOMER:
        resolution.paused_at, resolution.minutes_left = now, float(rng.randint(60, 2400))
    for deadline in (checkpoint, resolution):
        if deadline.paused_at is None and deadline.due_at < now:
            # Passed already: a worker has warned and recorded the breach, as it would have.
            deadline.warned_at = deadline.warn_at
            deadline.breached_at = deadline.due_at + timedelta(minutes=1)
    return [checkpoint, resolution]


def _weighted(rng: random.Random, mix):
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights=weights)[0]


class Command(BaseCommand):
    help = (
        "Bulk-create plausible organizations, contacts, agents and tickets (for benchmarks only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=100_000, help="tickets to create (default 100000)"
        )
        parser.add_argument(
            "--orgs", type=int, default=50, help="organizations to spread them over (default 50)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")
        parser.add_argument(
            "--batch", type=int, default=5000, help="rows per insert (default 5000)"
        )
        parser.add_argument(
            "--all-open",
            action="store_true",
            help="only open tickets (none resolved or closed), each with its deadlines",
        )

    def handle(
        self, *args, count: int, orgs: int, seed: int, batch: int, all_open: bool, **options
    ):
        if count < 0 or orgs < 1 or batch < 1:
            raise CommandError("--count must be ≥ 0, --orgs and --batch ≥ 1.")
        rng = random.Random(seed)
        now = timezone.now()
        agents = self._agents()
        contacts = self._contacts(orgs)
        made = 0
        while made < count:
            size = min(batch, count - made)
            with transaction.atomic():
                tickets = Ticket.objects.bulk_create(
                    [self._ticket(rng, now, contacts, agents, all_open) for _ in range(size)],
                    batch_size=batch,
                )
                Deadline.objects.bulk_create(
                    [d for t in tickets for d in _deadlines(rng, t, now)], batch_size=batch
                )
                Message.objects.bulk_create(
                    [
                        Message(
                            ticket_id=t.id,
                            kind=MessageKind.INBOUND,
                            author_contact_id=t.requester_id,
                            body=f"{t.subject}\n\n(generated)",
                            created_at=t.created_at,
                        )
                        for t in tickets
                    ],
                    batch_size=batch,
                )
            made += size
            if options["verbosity"] > 1:
                self.stdout.write(f"{made}/{count}")
        if options["verbosity"]:
            self.stdout.write(
                f"Created {count} tickets over {len({c.organization_id for c in contacts})} organizations."
            )

    def _agents(self) -> list[int]:
        User = get_user_model()
        ids = []
        for n in range(AGENTS):
            user, created = User.objects.get_or_create(
                username=f"bench-agent-{n:02d}", defaults={"email": f"agent{n:02d}@kizuna.example"}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                AgentProfile.objects.create(user=user, language="ja" if n % 3 else "en")
            ids.append(user.id)
        return ids

    def _contacts(self, orgs: int) -> list[Contact]:
        existing = list(Contact.objects.filter(organization__name__startswith="Bench org "))
        have = {c.organization_id for c in existing}
        if len(have) >= orgs:
            return existing
        start = Organization.objects.filter(name__startswith="Bench org ").count()
        new_orgs = Organization.objects.bulk_create(
            [
                Organization(name=f"Bench org {n:04d}")
                for n in range(start, start + orgs - len(have))
            ]
        )
        new_orgs = list(Organization.objects.filter(name__in=[o.name for o in new_orgs]))
        EmailDomain.objects.bulk_create(
            [EmailDomain(organization=o, domain=f"org{o.id}.bench.example") for o in new_orgs]
        )
        contacts = []
        for o in new_orgs:
            for n in range(CONTACTS_PER_ORG):
                lang = "en" if (o.id + n) % 3 == 0 else "ja"
                contacts.append(
                    Contact(
                        organization=o,
                        name=f"Contact {n} of {o.name}",
                        email=f"c{n}@org{o.id}.bench.example",
                        language=lang,
                        technical_level="technical" if n % 2 else "general",
                    )
                )
        Contact.objects.bulk_create(contacts)
        return list(Contact.objects.filter(organization__name__startswith="Bench org "))

    def _ticket(
        self, rng: random.Random, now, contacts: list[Contact], agents: list[int], all_open: bool
    ) -> Ticket:
        contact = rng.choice(contacts)
        status = _weighted(rng, OPEN_MIX if all_open else STATUS_MIX)
        created = now - timedelta(minutes=rng.randint(10, 90 * 24 * 60))
        ticket = Ticket(
            organization_id=contact.organization_id,
            requester_id=contact.id,
            assignee_id=None if rng.random() < 0.2 else rng.choice(agents),
            subject=rng.choice(SUBJECTS[contact.language]),
            priority=_weighted(rng, PRIORITY_MIX),
            status=status,
            channel=rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.PORTAL, Channel.API]),
            language=contact.language,
            created_at=created,
            updated_at=created,
        )
        if status == Status.CLOSED:
            ticket.closed_at = min(now, created + timedelta(hours=rng.randint(1, 240)))
            ticket.resolved_at = ticket.closed_at - timedelta(hours=rng.randint(0, 48))
            ticket.close_reason = CloseReason.RESOLVED
        else:
            # Checkpoints around now: mostly ahead, some overdue, as in a real queue.
            ticket.next_checkpoint = now + timedelta(minutes=rng.randint(-2 * 24 * 60, 7 * 24 * 60))
            ticket.next_due = ticket.next_checkpoint
            ticket.customer_note = "We are looking into it and will update you by the checkpoint."
            if status != Status.NEW:
                ticket.first_response_at = created + timedelta(minutes=rng.randint(5, 240))
        return ticket
