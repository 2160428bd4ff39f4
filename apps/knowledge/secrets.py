"""Encryption at rest for data-source locations (paths and connection URLs with passwords).

DATACHAT_FIELD_KEY holds one key or several, comma-separated: the first encrypts, every one
decrypts (cryptography's MultiFernet). To rotate, put the new key first and keep the old one after
it, run `manage.py rotate_field_key`, then drop the old key. Each key is any high-entropy string,
stretched to a Fernet key with SHA-256; with none set (local and test settings only) the key is
derived from SECRET_KEY so the embedded demo needs no setup.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_for(material: str) -> Fernet:
    key = base64.urlsafe_b64encode(hashlib.sha256(f"datachat:{material}".encode()).digest())
    return Fernet(key)


def field_keys() -> list[str]:
    """The configured keys, newest (the one that encrypts) first."""
    keys = [k.strip() for k in (settings.DATACHAT_FIELD_KEY or "").split(",") if k.strip()]
    return keys or [settings.SECRET_KEY]


def _fernet() -> MultiFernet:
    return MultiFernet([_fernet_for(key) for key in field_keys()])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "Cannot decrypt a data-source location: none of the keys in DATACHAT_FIELD_KEY "
            "(or SECRET_KEY when it is unset) encrypted it."
        ) from exc


def is_current(token: str) -> bool:
    """Whether `token` is already encrypted with the first (current) key."""
    try:
        _fernet_for(field_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """`token` decrypted with whichever key fits and encrypted again with the first one.

    Raises ValueError when no configured key decrypts it.
    """
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("no key in DATACHAT_FIELD_KEY decrypts this value") from exc


def redact_url(url: str) -> str:
    """A connection URL with its password replaced, for display."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url
