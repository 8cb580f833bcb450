"""`/healthz` for load balancers and monitors, `/metrics` for Prometheus (docs/operations.md)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kizuna.monitoring.health import health_check
from kizuna.monitoring.metrics import metrics_registry


@require_GET
@never_cache
def healthz(request):
    """200 while the database answers ("ok", or "degraded" when the task queue or a mailbox
    lags: this process still serves pages); 503 when it does not."""
    health = health_check()
    return JsonResponse(health.as_json(), status=503 if health.status == "down" else 200)


@require_GET
@never_cache
def metrics(request):
    token = settings.KIZUNA_METRICS_TOKEN
    if not token:
        return HttpResponse(
            "Metrics are off: set KIZUNA_METRICS_TOKEN to turn them on.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode()
    ):
        response = HttpResponse(
            "Send the metrics token: Authorization: Bearer TOKEN\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
