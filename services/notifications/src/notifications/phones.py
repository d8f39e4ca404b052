"""Workers' phone numbers as this service keeps them: a keyed hash to match replies, ciphertext to resend."""

from __future__ import annotations

from notifications.config import get_settings

PHONE_CONTEXT = "phone"


def hash_phone(phone: str) -> str:
    """Keyed hash of an E.164 number (matches replies without decrypting)."""
    return get_settings().cipher().blind_index(phone, context=PHONE_CONTEXT)
