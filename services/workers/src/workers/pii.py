"""Personal fields of a worker: encryption under rotating keys, keyed lookup hashes, decryption."""

from __future__ import annotations

from typing import Any

from anju_common.crypto import FieldCipher
from sqlmodel import Session

from workers import repository as repo
from workers.config import get_settings
from workers.models import Worker

PHONE_CTX = "worker.phone"
ID_CTX = "worker.id_number"


def cipher() -> FieldCipher:
    """The field cipher of the current settings."""
    return get_settings().cipher()


def phone_hash(e164: str) -> str:
    """Keyed lookup hash of a normalised phone."""
    return cipher().blind_index(e164, context="phone")


def id_number_hash(id_number: str) -> str:
    """Keyed lookup hash of a normalised ID number."""
    return cipher().blind_index(id_number, context="id_number")


def phone_name_hash(e164: str, name: str) -> str:
    """Natural key of a worker without an ID number."""
    return cipher().blind_index(f"{e164}|{name}", context="phone_name")


def phone_last4_hash(last4: str) -> str:
    """Keyed hash of a phone's last four digits (the office searches by them; they are never stored)."""
    return cipher().blind_index(last4, context="phone_last4")


def id_last4_hash(last4: str) -> str:
    """Keyed hash of an ID number's last four characters (X upper case)."""
    return cipher().blind_index(last4.upper(), context="id_last4")


def sealed_phone(e164: str) -> dict[str, str]:
    """Columns that hold a phone: ciphertext and lookup hashes."""
    return {
        "phone_enc": cipher().encrypt(e164, context=PHONE_CTX),
        "phone_hash": phone_hash(e164),
        "phone_last4_hash": phone_last4_hash(e164[-4:]),
    }


def sealed_id_number(id_number: str | None) -> dict[str, str | None]:
    """Columns that hold an ID number (all null when there is none)."""
    if not id_number:
        return {"id_number_enc": None, "id_number_hash": None, "id_last4_hash": None}
    return {
        "id_number_enc": cipher().encrypt(id_number, context=ID_CTX),
        "id_number_hash": id_number_hash(id_number),
        "id_last4_hash": id_last4_hash(id_number[-4:]),
    }


def sealed_fields(data: Any) -> dict[str, str | None]:
    """Ciphertexts and keyed hashes of a new worker's phone and ID number (the natural key among them)."""
    return {
        **sealed_phone(data.phone),
        **sealed_id_number(data.id_number),
        "phone_name_hash": None if data.id_number else phone_name_hash(data.phone, data.name),
    }


def decrypt_phone(worker: Worker) -> str | None:
    """The worker's E.164 phone (internal use only)."""
    return cipher().decrypt(worker.phone_enc, context=PHONE_CTX) if worker.phone_enc else None


def decrypt_id_number(worker: Worker) -> str | None:
    """The worker's ID number (internal use only)."""
    return cipher().decrypt(worker.id_number_enc, context=ID_CTX) if worker.id_number_enc else None


def reencrypt_batch(session: Session, limit: int = 500) -> int:
    """Re-seal phones and ID numbers written under an older key; returns how many workers changed."""
    c = cipher()
    rows = repo.workers_needing_rotation(session, c.active_kid, limit)
    for w in rows:
        if w.phone_enc and c.needs_rotation(w.phone_enc):
            w.phone_enc = c.encrypt(c.decrypt(w.phone_enc, context=PHONE_CTX), context=PHONE_CTX)
        if w.id_number_enc and c.needs_rotation(w.id_number_enc):
            w.id_number_enc = c.encrypt(c.decrypt(w.id_number_enc, context=ID_CTX), context=ID_CTX)
        session.add(w)
    session.flush()
    return len(rows)
