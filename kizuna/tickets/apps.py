from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kizuna.tickets"
    label = "tickets"
