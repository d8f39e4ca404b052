"""Operator commands: re-encrypt stored phone numbers and webhook secrets after a PII key rotation."""

from __future__ import annotations

import argparse

from anju_common.db import make_engine, session_scope

from notifications import repository as repo
from notifications.config import get_settings
from notifications.feed import SECRET_CONTEXT
from notifications.phones import PHONE_CONTEXT


def reencrypt_all(batch: int = 500) -> int:
    """Re-seal every value written under an older key, one committed batch at a time; returns how many."""
    settings = get_settings()
    cipher = settings.cipher()
    engine = make_engine(settings.sqlalchemy_url())
    total = 0
    try:
        while True:
            with session_scope(engine) as session:
                notes = repo.notifications_sealed_under_other_keys(session, cipher.active_kid, batch)
                for note in notes:
                    assert note.phone_enc is not None
                    phone = cipher.decrypt(note.phone_enc, context=PHONE_CONTEXT)
                    note.phone_enc = cipher.encrypt(phone, context=PHONE_CONTEXT)
                    session.add(note)
                subs = repo.subscriptions_sealed_under_other_keys(session, cipher.active_kid, batch)
                for sub in subs:
                    secret = cipher.decrypt(sub.secret_enc, context=SECRET_CONTEXT)
                    sub.secret_enc = cipher.encrypt(secret, context=SECRET_CONTEXT)
                    session.add(sub)
            total += len(notes) + len(subs)
            if len(notes) < batch and len(subs) < batch:
                return total
    finally:
        engine.dispose()


def reencrypt_command(_: argparse.Namespace) -> None:
    """python -m notifications reencrypt: after adding a key to ANJU_PII_KEYS and making it active."""
    total = reencrypt_all()
    print(f"re-encrypted {total} values under key {get_settings().cipher().active_kid}")
