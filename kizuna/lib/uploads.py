"""File uploads from forms: several files per field, each within the attachment size limit."""

from __future__ import annotations

from django import forms
from django.conf import settings

from kizuna.lib.upload_limit import file_too_large_message, too_large_message
from kizuna.tickets.services import IncomingFile


class MultipleFileInput(forms.ClearableFileInput):
    """Carries the limits and their refusals, so that kizuna.js checks the chosen files
    before anything is uploaded and says what the server would say."""

    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        per_file = settings.KIZUNA_MAX_ATTACHMENT_BYTES
        total = settings.KIZUNA_MAX_UPLOAD_BYTES
        attrs = {
            **(attrs or {}),
            "data-max-file-bytes": per_file,
            "data-max-total-bytes": total,
            "data-file-too-large": file_too_large_message("{name}", "{size}", per_file),
            "data-total-too-large": too_large_message("{size}", total),
        }
        return super().get_context(name, value, attrs)


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
                [file_too_large_message(f.name, f.size, limit) for f in too_big]
            )
        return [f for f in cleaned if f]


def incoming_files(files) -> list[IncomingFile]:
    return [
        IncomingFile(name=f.name, content_type=getattr(f, "content_type", "") or "", data=f.read())
        for f in files or ()
    ]
