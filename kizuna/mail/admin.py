from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kizuna.lib.sealed import seal
from kizuna.mail.models import InboundMail, Mailbox, MailReference


class MailboxForm(forms.ModelForm):
    """The password is never sent back to the browser and is stored sealed; left empty, it
    stays as it was."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "team",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "processed_folder",
            "flag_instead_of_move",
            "active",
        ]

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and self.instance.pk:
            return Mailbox.objects.filter(pk=self.instance.pk).values_list("password", flat=True)[0]
        return seal(password)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "address", "host", "folder", "team", "active", "failures", "last_error"]
    list_filter = ["active", "security"]
    # The poller owns these; editing them by hand would skip or repeat mail.
    readonly_fields = [
        "uidvalidity",
        "last_uid",
        "last_error",
        "failures",
        "next_attempt_at",
        "last_polled_at",
    ]


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "state", "from_address", "subject", "ticket", "source"]
    list_filter = ["state"]
    search_fields = ["message_id", "from_address", "subject"]
    exclude = ["raw"]
    # The record of what arrived is evidence: read only. Decisions are made in the desk.
    readonly_fields = [
        "sha256",
        "size",
        "source",
        "mailbox",
        "message_id",
        "dedupe_key",
        "state",
        "reason",
        "from_address",
        "subject",
        "sent_at",
        "ticket",
        "ticket_message",
        "received_at",
        "processed_at",
        "attempts",
        "duplicates",
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")


@admin.register(MailReference)
class MailReferenceAdmin(admin.ModelAdmin):
    list_display = ["message_id", "ticket", "created_at"]
    search_fields = ["message_id"]
    raw_id_fields = ["ticket"]
