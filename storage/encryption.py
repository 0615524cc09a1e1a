"""Tokens at rest: Fernet encryption under the key(s) in SCHEDULEBOT_SECRET_KEY.

Several comma-separated keys make a MultiFernet: the first encrypts, every one decrypts, so a key is
rotated by putting the new one first, re-encrypting (`schedulebot rotate-key`), then dropping the old.
A stored value carries SEALED_PREFIX; one without it was saved before encryption was turned on and is
read as it is, then encrypted the next time it is saved.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Marks a stored value as ciphertext, so plaintext rows from before encryption are told apart.
SEALED_PREFIX = "fernet:"
KEY_VARIABLE = "SCHEDULEBOT_SECRET_KEY"
HOW_TO_MAKE_A_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretKeyError(Exception):
    """The encryption key is missing, malformed, or not the one a stored token was encrypted with."""


class Cipher:
    """Seals and opens stored secrets; never puts a key or a plaintext into a message."""

    def __init__(self, keys: str | None) -> None:
        parts = [part.strip() for part in (keys or "").split(",") if part.strip()]
        if not parts:
            raise SecretKeyError(
                f"{KEY_VARIABLE}: required to encrypt Slack tokens at rest when installing in many workspaces;"
                f" make one with: {HOW_TO_MAKE_A_KEY}"
            )
        self._fernet = MultiFernet([_fernet(part, position) for position, part in enumerate(parts, 1)])

    def seal(self, value: str | None) -> str | None:
        if value is None or is_sealed(value):
            return value
        return SEALED_PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str | None) -> str | None:
        if value is None or not is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value.removeprefix(SEALED_PREFIX).encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise _unknown_key() from None

    def reseal(self, value: str | None) -> str | None:
        """The value encrypted under the first key (plaintext is encrypted; None stays None)."""
        if value is None or not is_sealed(value):
            return self.seal(value)
        try:
            token = self._fernet.rotate(value.removeprefix(SEALED_PREFIX).encode("ascii"))
        except InvalidToken:
            raise _unknown_key() from None
        return SEALED_PREFIX + token.decode("ascii")


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def _unknown_key() -> SecretKeyError:
    return SecretKeyError(
        f"a stored Slack token was encrypted with a key that is not in {KEY_VARIABLE};"
        " put the old key after the new one (comma-separated) until `schedulebot rotate-key` has run"
    )


def _fernet(key: str, position: int) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SecretKeyError(
            f"{KEY_VARIABLE}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes);"
            f" make one with: {HOW_TO_MAKE_A_KEY}"
        ) from None
