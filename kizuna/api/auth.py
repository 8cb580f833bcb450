"""Bearer-token authentication for the API: per-agent tokens, stored only as SHA-256.

Session cookies never authenticate the API, so a page a signed-in agent visits cannot make
API writes on their behalf; that is also why the API needs no CSRF token.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from kizuna.api.models import ApiToken
from kizuna.api.tokens import forget, forget_tokens, remember, remembered
from kizuna.lib.timefmt import zone
from kizuna.tickets.access import is_agent

# Recording every use would turn each read into a write; a minute's precision is enough
# to tell which tokens are alive.
LAST_USED_PRECISION = timedelta(minutes=1)

__all__ = ["AgentToken", "forget_tokens"]


class AgentToken(HttpBearer):
    def __call__(self, request):
        header = request.headers.get(self.header, "")
        if not header:
            raise AuthenticationError(
                message=_("Authentication required: send the header Authorization: Bearer TOKEN.")
            )
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                message=_("The Authorization header must read: Bearer TOKEN.")
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str):
        digest = ApiToken.hash(token)
        row = remembered(digest) or self._load(digest)
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
        request.api_token = row
        # Dates in answers carry the agent's own offset, as the desk shows them.
        profile = getattr(row.user, "agent_profile", None)
        request.agent_tz = zone(profile.timezone if profile else None)
        return row.user

    @staticmethod
    def _load(digest: str) -> ApiToken:
        try:
            row = ApiToken.objects.select_related("user", "user__agent_profile").get(
                token_hash=digest
            )
        except ApiToken.DoesNotExist:
            row = None
        if row is None or not is_agent(row.user):
            forget(digest)
            raise AuthenticationError(
                message=_("This API token is not valid, or its agent may no longer use the API.")
            )
        remember(digest, row)
        return row
