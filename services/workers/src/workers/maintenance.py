"""Operator commands: re-encrypt personal fields after a key rotation."""

from __future__ import annotations

import argparse

from anju_common.db import make_engine, session_scope
from anju_common.logs import get_logger

from workers import pii
from workers.config import get_settings

log = get_logger(__name__)


def reencrypt_all(batch: int = 500) -> int:
    """Re-seal every phone and ID number written under an older key, one committed batch at a time."""
    engine = make_engine(get_settings().sqlalchemy_url())
    total = 0
    try:
        while True:
            with session_scope(engine) as session:
                n = pii.reencrypt_batch(session, batch)
            total += n
            if n < batch:
                return total
    finally:
        engine.dispose()


def reencrypt_command(_: argparse.Namespace) -> None:
    """python -m workers reencrypt: after adding a key to ANJU_PII_KEYS and making it active."""
    total = reencrypt_all()
    log.info("workers.reencrypted", workers=total, active_key=pii.cipher().active_kid)
    print(f"re-encrypted {total} workers under key {pii.cipher().active_kid}")
