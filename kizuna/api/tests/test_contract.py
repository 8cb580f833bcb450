"""The API keeps its own contract: every operation of /api/v1/openapi.json, fed data that the
document allows and data that it does not, never answers 5xx, and every answer is one the
document describes (status code, media type and body schema).

Schemathesis generates the requests from the document the application serves. Each
operation gets a bounded number of examples, derandomized, so a run is short and always the
same. Path ids, the fields of a body that name other rows (requester, organization, team,
assignee, ticket) and the checkpoint are sometimes real ones, so operations reach their real
work and not only their 404 or 400.

Two tokens run the whole document:
- an agent's token, with customers, tickets, messages and files in the database;
- the token of an administrator who has no agent profile, in a database without a single
  customer (no organization, contact or ticket): every list is empty, every lookup misses,
  and writes that name a customer find none.
"""

from __future__ import annotations

import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import TestCase
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kizuna.api.tests.base import make_token
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.services import IncomingFile

# Examples per operation and token: data the document allows, then data it does not (whose
# answer must still be a documented 4xx, in JSON).
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class ContractMixin:
    def setUp(self) -> None:
        super().setUp()
        # Django itself, as a WSGI application, answers the requests. Like Django's test
        # client, it must not close the database connection after each one: that would end
        # the test's transaction.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        self.addCleanup(request_started.connect, close_old_connections)
        self.addCleanup(request_finished.connect, close_old_connections)
        self.schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())

    def known_paths(self) -> dict[str, list]:
        """Path parameters that name real rows, by parameter name."""
        return {}

    def known_fields(self) -> dict[str, list]:
        """Values of body fields that name real rows, by field name."""
        return {}

    def run_contract(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        known = self.known_paths()
        fields = self.known_fields()
        operations = [result.ok() for result in self.schema.get_all_operations()]
        self.assertGreaterEqual(len(operations), 17)
        for operation, mode in [(op, mode) for op in operations for mode in EXAMPLES]:
            names = [p.name for p in operation.path_parameters]
            strategies = [operation.as_strategy(mode)]
            for name in names:
                strategies += [
                    operation.as_strategy(mode, path_parameters={name: value})
                    for value in known.get(name, [])
                ]

            @settings(
                max_examples=EXAMPLES[mode],
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies), data=st.data())
            def check(case, data):
                if isinstance(case.body, dict):
                    for name in sorted(set(case.body) & set(fields)):
                        if data.draw(st.booleans(), label=f"real {name}"):
                            case.body[name] = data.draw(st.sampled_from(fields[name]))
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            with self.subTest(operation=operation.label, data=mode.value):
                check()


class AgentContractTests(ContractMixin, Personas, TestCase):
    def setUp(self) -> None:
        self.make_personas()
        super().setUp()
        self.ticket = self.make_ticket(
            files=[IncomingFile("送信記録.txt", "text/plain", "エラー 550\n".encode())]
        )
        services.ticket_note(ticket=self.ticket, actor_user=self.agent, body="DNS を確認する")
        self.closed = self.make_ticket(subject="Spam", requester=self.outsider)
        services.ticket_transition(
            ticket=self.closed, actor_user=self.agent, to_status="closed", close_reason="spam"
        )

    def known_paths(self) -> dict[str, list]:
        return {
            "ticket": [str(self.ticket.id), self.ticket.reference, self.closed.reference],
            "contact_id": [self.customer.id],
            "organization_id": [self.org.id],
            "attachment_id": [self.ticket.request_message.attachments.get().id],
        }

    def known_fields(self) -> dict[str, list]:
        return {
            "requester": [self.customer.email, self.customer.id],
            "organization": [self.org.id],
            "team": [self.team.id],
            "assignee": ["alice", self.agent.id],
            "ticket": [self.ticket.reference],
            "checkpoint": ["2099-01-05T15:00:00+09:00"],
        }

    def test_every_operation_keeps_the_contract_for_an_agent(self):
        self.run_contract(make_token(self.agent))


class CustomerlessContractTests(ContractMixin, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.admin = get_user_model().objects.create_user(
            "root", "root@kizuna.example", "x", is_staff=True
        )

    def test_every_operation_keeps_the_contract_without_any_customer(self):
        self.run_contract(make_token(self.admin))
