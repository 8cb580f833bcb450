"""Every route, every kind of visitor: the answers are those of the access table in
docs/access.md.

The test enumerates every URL pattern of the site (and every operation of the API's OpenAPI
document), asks each as an anonymous visitor, a customer of another organization, the ticket's
own customer, an agent of another team, the ticket's team lead and a manager, and compares
each answer with the table. A route without a row in the table fails the test, as does a row
that names no route: the table is the documentation and stays true.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from kizuna.api.tests.base import make_token
from kizuna.closing.models import FollowUp, Satisfaction
from kizuna.desk.models import SavedView
from kizuna.letters.models import Letter
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_mail
from kizuna.portal.auth import SESSION_KEY, TZ_SESSION_KEY
from kizuna.sla.models import BusinessCalendar, SlaPolicy
from kizuna.test import Personas
from kizuna.tickets.models import AgentProfile, Attachment, Role, Team

TABLE = Path(__file__).resolve().parents[3] / "docs" / "access.md"
PERSONAS = ("anonymous", "other customer", "customer", "other team", "team lead", "manager")
OUTCOMES = ("ok", "login", "401", "403", "404", "405")
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(GET|POST|PATCH)\s*\|(.+)\|\s*$")


def access_table() -> dict[tuple[str, str], tuple[str, ...]]:
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if not m:
            continue
        cells = tuple(c.strip() for c in m.group(3).split("|"))
        assert len(cells) == len(PERSONAS), f"{line}: one answer per visitor"
        assert set(cells) <= set(OUTCOMES), f"{line}: answers are {OUTCOMES}"
        rows[(m.group(1), m.group(2))] = cells
    return rows


def route_names() -> set[str]:
    """Every named URL pattern (the admin as one: `admin:*`)."""
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    names.add("admin:*")
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


class AccessSweep(Personas, TestCase):
    def setUp(self):
        self.make_personas()
        hosting = self.team  # the Personas' team: sato and alice are members
        network = Team.objects.create(name="Network")
        self.lead = self._agent("lead", Role.LEAD, team=None)
        Team.objects.filter(pk=hosting.pk).update(lead=self.lead)
        self.other_team = self._agent("kato", Role.AGENT, team=network)
        self.manager = self._agent("boss", Role.MANAGER, team=None)
        self.ticket = self.make_ticket(team=hosting)
        message = self.ticket.messages.first()
        self.attachment = Attachment.objects.create(
            message=message,
            file=ContentFile(b"log", name="log.txt"),
            filename="log.txt",
            size=3,
            sha256=Attachment.digest(b"log"),
        )
        rating = Satisfaction.objects.create(ticket=self.ticket, contact=self.customer, rating=1)
        self.follow_up = FollowUp.objects.create(ticket=self.ticket, rating=rating)
        self.view = SavedView.objects.create(user=self.lead, name="mine", query="assignee=me")
        ingest_raw(make_mail(), source="sweep")
        self.inbound = InboundMail.objects.first()
        self.tokens = {
            "other team": make_token(self.other_team),
            "team lead": make_token(self.lead),
            "manager": make_token(self.manager),
        }

    def _agent(self, username, role, *, team):
        user = get_user_model().objects.create_user(username, f"{username}@kizuna.example", "x")
        AgentProfile.objects.create(user=user, role=role)
        if team is not None:
            team.members.add(user)
        return user

    def _args(self) -> dict[str, str]:
        return {
            "ticket_id": str(self.ticket.pk),
            "ticket": self.ticket.reference,
            "attachment_id": str(self.attachment.pk),
            "inbound_id": str(self.inbound.pk),
            "follow_up_id": str(self.follow_up.pk),
            "view_id": str(self.view.pk),
            "letter_id": str(Letter.objects.order_by("pk").first().pk),
            "calendar_id": str(BusinessCalendar.objects.order_by("pk").first().pk),
            "policy_id": str(SlaPolicy.objects.order_by("pk").first().pk),
            "organization_id": str(self.org.pk),
            "contact_id": str(self.customer.pk),
            "token": "not-a-token",
            "path": "nothing-here",
        }

    def _url(self, name: str) -> str:
        """The route's address with this sweep's objects in it."""
        if name == "admin:*":
            return "/admin/"
        pattern = _patterns()[name]
        args = self._args()
        url = "/" + pattern
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: args[m.group(1)], url)
        url = re.sub(r"\^\(\?P<(\w+)>[^)]*\)\$", lambda m: args[m.group(1)], url)
        return url

    def _body(self, url: str) -> dict:
        later = (timezone.now() + timedelta(hours=2)).isoformat()
        bodies = {
            "/transitions": {
                "to_status": "investigating",
                "customer_note": "ログを確認しております。",
                "checkpoint": later,
            },
            "/assignment": {"priority": "high"},
            "/replies": {"body": "ログを確認しました。", "override_check": True},
            "/notes": {"body": "社内メモ"},
            "/api/v1/tickets": {
                "requester": self.customer.email,
                "subject": "件名",
                "body": "本文です。",
            },
            "/api/v1/organizations": {"name": "新しい組織", "domains": []},
            "/api/v1/contacts": {
                "organization": self.org.pk,
                "name": "新しい連絡先",
                "email": "new@yamada.example.jp",
            },
            f"/api/v1/contacts/{self.customer.pk}": {"role": "経理"},
            "/api/v1/replycheck": {"text": "確認いたします。"},
        }
        for suffix, body in bodies.items():
            if url.endswith(suffix):
                return body
        return {}

    def _as(self, persona: str):
        self.client.logout()
        self.client.cookies.clear()
        if persona in ("other customer", "customer"):
            contact = self.outsider if persona == "other customer" else self.customer
            session = self.client.session
            session[SESSION_KEY] = contact.pk
            session[TZ_SESSION_KEY] = contact.timezone
            session.save()
        elif persona != "anonymous":
            user = {"other team": self.other_team, "team lead": self.lead, "manager": self.manager}
            self.client.force_login(user[persona])

    def _answer(self, persona: str, method: str, url: str) -> str:
        self._as(persona)
        headers = {}
        if url.startswith("/api/v1/") and persona in self.tokens:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[persona]}"
        call = {"GET": self.client.get, "POST": self.client.post, "PATCH": self.client.patch}
        kwargs = {}
        if url.startswith("/api/v1/") and method != "GET":
            # A body the operation accepts, so that the answer is about who asks, not about
            # a malformed body (refused before anything is looked up).
            kwargs = {"content_type": "application/json", "data": json.dumps(self._body(url))}
        # Each answer against the same state: what a request changed is rolled back.
        with transaction.atomic():
            response = call[method](url, **kwargs, **headers)
            transaction.set_rollback(True)
        code = response.status_code
        self.assertLess(code, 500, f"{persona} {method} {url}: {code}")
        location = response.get("Location", "")
        if code in (301, 302) and any(
            part in location for part in ("/desk/login/", "/portal/signin/", "/admin/login/")
        ):
            return "login"
        if str(code) in OUTCOMES:
            return str(code)
        return "ok"

    def test_every_route_answers_as_the_table_says(self):
        table = access_table()
        names = route_names()
        documented = {name for name, _ in table}
        self.assertEqual(sorted(names - documented), [], "routes without a row in docs/access.md")
        self.assertEqual(sorted(documented - names), [], "rows in docs/access.md for no route")
        wrong = []
        for (name, method), expected in sorted(table.items()):
            url = self._url(name)
            for persona, want in zip(PERSONAS, expected, strict=True):
                got = self._answer(persona, method, url)
                if got != want:
                    wrong.append(f"{name} {method} as {persona}: {got}, the table says {want}")
        self.assertEqual(wrong, [])

    def test_every_api_operation_has_a_row(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        table = access_table()
        by_path = {}
        for name, pattern in _patterns().items():
            if name.startswith("api:"):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
                by_path.setdefault(path, set()).add(name)
        missing = []
        for path, operations in doc["paths"].items():
            for method in operations:
                names = by_path.get(path, set())
                if not any((n, method.upper()) in table for n in names):
                    missing.append(f"{method.upper()} {path}")
        self.assertEqual(missing, [])


def _patterns() -> dict[str, str]:
    found = {}

    def walk(patterns, namespace, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, p.namespace or namespace, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.setdefault(name, prefix + str(p.pattern))

    walk(get_resolver().url_patterns, None, "")
    return found
