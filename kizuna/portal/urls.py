from django.urls import path

from kizuna.portal import feedback_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="signin"),
    path("signin/sent/", views.signin_sent, name="signin_sent"),
    path("signin/<str:token>/", views.signin_link, name="signin_link"),
    path("signout/", views.signout, name="signout"),
    path("feedback/<str:token>/", feedback_views.feedback, name="feedback"),
    path("new/", views.new_request, name="new"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.reply, name="reply"),
    path("tickets/<int:ticket_id>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
