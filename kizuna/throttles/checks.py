"""`kizuna check --deploy`: a proxy in front without trusted proxies named makes every client
one address to the throttles and the sign-in lockout."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies_named(app_configs, **kwargs):
    if settings.SECURE_PROXY_SSL_HEADER and not settings.KIZUNA_TRUSTED_PROXIES:
        return [
            checks.Warning(
                "KIZUNA_BEHIND_PROXY is on but KIZUNA_TRUSTED_PROXIES is empty: sign-in "
                "throttles and lockouts count every client behind the proxy as one address.",
                hint="Set KIZUNA_TRUSTED_PROXIES to the proxy's address (docs/security.md).",
                id="kizuna.W010",
            )
        ]
    return []
