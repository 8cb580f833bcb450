from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from kizuna.monitoring import views as monitoring

urlpatterns = [
    path("", lambda request: redirect("portal:home"), name="home"),
    path("healthz", monitoring.healthz, name="healthz"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/mail/", include("kizuna.mail.urls")),
    path("desk/", include("kizuna.desk.urls")),
    path("portal/", include("kizuna.portal.urls")),
    path("api/v1/", include("kizuna.api.urls")),
    path("admin/", admin.site.urls),
]
