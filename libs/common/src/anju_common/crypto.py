"""Field encryption at rest (AES-256-GCM with key ids, so keys can rotate) and keyed lookup hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Development keys only: every deployment sets ANJU_PII_KEYS and ANJU_PII_HASH_KEY.
DEV_KEYS = "dev1:" + base64.urlsafe_b64encode(hashlib.sha256(b"anju-dev-pii-key").digest()).decode()
DEV_HASH_KEY = "anju-dev-lookup-hash-key"


class DecryptionError(Exception):
    """The ciphertext is corrupt or its key is unknown."""


@dataclass(frozen=True)
class FieldCipher:
    """Encrypts short strings; the output names its key id: '<kid>:<base64(nonce|ciphertext)>'."""

    keys: dict[str, bytes]
    active_kid: str
    hash_key: bytes

    @classmethod
    def from_config(cls, keys: str, hash_key: str, active_kid: str | None = None) -> FieldCipher:
        """Parse 'kid:base64key,kid2:base64key'; the active key is the given one, else the last listed."""
        parsed: dict[str, bytes] = {}
        for item in filter(None, (p.strip() for p in keys.split(","))):
            kid, _, b64 = item.partition(":")
            key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            if len(key) != 32 or not kid:
                raise ValueError(f"PII key {kid!r} must be 32 bytes, base64url encoded")
            parsed[kid] = key
        if not parsed:
            raise ValueError("no PII encryption key configured")
        active = active_kid or list(parsed)[-1]
        if active not in parsed:
            raise ValueError(f"active PII key {active!r} is not among the configured keys")
        return cls(keys=parsed, active_kid=active, hash_key=hash_key.encode())

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt with the active key; context binds the ciphertext to its field (associated data)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active_kid]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.active_kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt with whichever key the token names."""
        kid, _, b64 = token.partition(":")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"unknown key id {kid!r}")
        try:
            raw = base64.urlsafe_b64decode(b64)
            return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:
            raise DecryptionError("ciphertext does not verify") from exc

    def needs_rotation(self, token: str) -> bool:
        """True when the token was sealed with a key other than the active one."""
        return not token.startswith(f"{self.active_kid}:")

    def blind_index(self, value: str, *, context: str = "") -> str:
        """Keyed hash for equality lookups without decrypting (HMAC-SHA256, hex)."""
        return hmac.new(self.hash_key, f"{context}|{value}".encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def cipher_from_config(keys: str, hash_key: str, active_kid: str | None = None) -> FieldCipher:
    """FieldCipher.from_config, parsed once per configuration."""
    return FieldCipher.from_config(keys, hash_key, active_kid)
