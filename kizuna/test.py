"""Shared test personas and builders (named people make tests read like stories)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone

from kizuna.tickets import services
from kizuna.tickets.models import AgentProfile, Contact, EmailDomain, Organization, Team, Ticket

PASSWORD = "correct horse battery staple"


class Personas:
    """An agent and a teammate, a customer organization with a contact, and an outsider
    organization whose contact must never see the first one's tickets."""

    def make_personas(self) -> None:
        User = get_user_model()
        self.agent = User.objects.create_user(
            "sato", "sato@kizuna.example", PASSWORD, first_name="佐藤"
        )
        AgentProfile.objects.create(user=self.agent, timezone="Asia/Tokyo", language="ja")
        self.teammate = User.objects.create_user(
            "alice", "alice@kizuna.example", PASSWORD, first_name="Alice"
        )
        AgentProfile.objects.create(user=self.teammate, timezone="Europe/London", language="en")
        self.team = Team.objects.create(name="Hosting")
        self.team.members.add(self.agent, self.teammate)

        self.org = Organization.objects.create(name="山田商事株式会社")
        EmailDomain.objects.create(organization=self.org, domain="yamada.example.jp")
        self.customer = Contact.objects.create(
            organization=self.org,
            name="山田 太郎",
            email="taro@yamada.example.jp",
            language="ja",
            technical_level="general",
            role="総務部",
        )
        self.other_org = Organization.objects.create(name="Northwind Ltd")
        EmailDomain.objects.create(organization=self.other_org, domain="northwind.example")
        self.outsider = Contact.objects.create(
            organization=self.other_org,
            name="Nancy Davolio",
            email="nancy@northwind.example",
            language="en",
            technical_level="technical",
            role="IT manager",
            timezone="Europe/London",
        )

    def make_ticket(self, **overrides) -> Ticket:
        fields = {
            "requester": self.customer,
            "subject": "メールが送信できない",
            "body": "今朝9時ごろから、社内の全員がメールを送信できません。受信はできています。",
            "priority": "high",
        }
        fields.update(overrides)
        return services.ticket_open(**fields)

    def later(self, **kwargs) -> timezone.datetime:
        return timezone.now() + timedelta(**(kwargs or {"hours": 2}))


class BaseTestCase(Personas, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.make_personas()
