"""Secrets Kizuna must read back (the passwords of IMAP mailboxes), encrypted at rest.

A database dump or backup alone does not reveal them: they are sealed with a key derived from
KIZUNA_SECRET_KEY (Fernet: AES with an authentication tag). Values stored before sealing was
introduced are read as they are. If the secret key changes, a sealed value can no longer be
opened; `SealBroken` says so, and the administrator enters the password again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "sealed:"


class SealBroken(Exception):
    """A sealed value that this installation's secret key cannot open."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"kizuna sealed values\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    """`value` encrypted for storage ("" stays "")."""
    if not value:
        return ""
    return PREFIX + _fernet().encrypt(value.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """The value `seal` stored; a value stored in clear is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SealBroken(
            "the stored password cannot be decrypted (was KIZUNA_SECRET_KEY changed?); "
            "enter the password again"
        ) from None
