"""An API client for tests: the agent's token, JSON in and out."""

from __future__ import annotations

import json
import secrets

from kizuna.api.models import ApiToken
from kizuna.test import BaseTestCase


def make_token(user, name: str = "") -> str:
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(token))
    return token


class ApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token = make_token(self.agent)

    def _headers(self, token):
        token = self.token if token is None else token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, url, params=None, *, token=None):
        return self.client.get(url, params or {}, **self._headers(token))

    def post(self, url, data=None, *, token=None, raw: str | None = None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(url, body, content_type="application/json", **self._headers(token))

    def patch(self, url, data=None, *, token=None):
        return self.client.patch(
            url, json.dumps(data or {}), content_type="application/json", **self._headers(token)
        )
