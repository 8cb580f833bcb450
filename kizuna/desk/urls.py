from django.contrib.auth import views as auth_views
from django.urls import path

from kizuna.desk import (
    letter_views,
    notification_views,
    report_views,
    search_views,
    sla_views,
    views,
)
from kizuna.desk.signin import DeskLoginView

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", DeskLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
    path("bulk/", views.queue_bulk, name="queue_bulk"),
    path("views/", views.view_save, name="view_save"),
    path("views/<int:view_id>/delete/", views.view_delete, name="view_delete"),
    path("search/", search_views.search_page, name="search"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:ticket_id>/note/", views.ticket_note, name="note"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<int:ticket_id>/cc/", views.ticket_cc, name="cc"),
    path("tickets/<int:ticket_id>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<int:ticket_id>/contact-scope/", views.contact_scope, name="contact_scope"),
    path("tickets/<int:ticket_id>/check/", views.draft_check, name="check"),
    path("follow-ups/<str:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/read/",
        notification_views.notifications_mark_read,
        name="notifications_read",
    ),
    path("standard/", views.standard, name="standard"),
    path("signature/", views.signature, name="signature"),
    path("letters/", letter_views.letter_list, name="letters"),
    path("letters/new/", letter_views.letter_edit, name="letter_new"),
    path("letters/<str:letter_id>/", letter_views.letter_edit, name="letter_edit"),
    path("service-levels/", sla_views.overview, name="service_levels"),
    path("service-levels/calendars/new/", sla_views.calendar_edit, name="calendar_new"),
    path(
        "service-levels/calendars/<str:calendar_id>/",
        sla_views.calendar_edit,
        name="calendar_edit",
    ),
    path("service-levels/policies/new/", sla_views.policy_edit, name="policy_new"),
    path("service-levels/policies/<str:policy_id>/", sla_views.policy_edit, name="policy_edit"),
    path("reports/service-levels/", report_views.sla_report, name="sla_report"),
    path("reports/satisfaction/", report_views.satisfaction_report, name="satisfaction_report"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
