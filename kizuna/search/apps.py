from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kizuna.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # From here on every write of a ticket, message, attachment, contact or organization
        # updates the index in the same transaction (kizuna/search/receivers.py).
        from kizuna.search.receivers import connect

        connect()
