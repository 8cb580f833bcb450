from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness and database reachability, for load balancers and monitors."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", lambda request: redirect("portal:home"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/mail/", include("kizuna.mail.urls")),
    path("desk/", include("kizuna.desk.urls")),
    path("portal/", include("kizuna.portal.urls")),
    path("api/v1/", include("kizuna.api.urls")),
    path("admin/", admin.site.urls),
]
