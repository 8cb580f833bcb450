from django.urls import path

from kizuna.mail import views

app_name = "mail"
urlpatterns = [
    path("", views.inbound_list, name="inbound_list"),
    path("<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
    path("<int:inbound_id>/accept/", views.inbound_accept, name="inbound_accept"),
    path("<int:inbound_id>/place/", views.inbound_place, name="inbound_place"),
    path("<int:inbound_id>/ignore/", views.inbound_ignore, name="inbound_ignore"),
]
