"""File uploads from forms: several files per field, each within the attachment size limit."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from kizuna.tickets.services import IncomingFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files, each within KIZUNA_MAX_ATTACHMENT_BYTES."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        limit = settings.KIZUNA_MAX_ATTACHMENT_BYTES
        too_big = [f for f in cleaned if f.size > limit]
        if too_big:
            raise forms.ValidationError(
                [
                    _("“%(name)s” is %(size)s MB; attachments may be at most %(limit)s MB each.")
                    % {
                        "name": f.name,
                        "size": f"{f.size / 1048576:.1f}",
                        "limit": f"{limit / 1048576:.0f}",
                    }
                    for f in too_big
                ]
            )
        return [f for f in cleaned if f]


def incoming_files(files) -> list[IncomingFile]:
    return [
        IncomingFile(name=f.name, content_type=getattr(f, "content_type", "") or "", data=f.read())
        for f in files or ()
    ]
