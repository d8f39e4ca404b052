"""After a PII key rotation `python -m notifications reencrypt` re-seals stored webhook secrets and phones."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable

from anju_common.crypto import DEV_KEYS
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.notifications.conftest import Stage, engine_of


def test_reencrypt_reseals_webhook_secrets_under_the_active_key(
    stage_factory: Callable[..., Stage], run_app: Callable[[Stage], TestClient]
) -> None:
    from notifications.config import get_settings
    from notifications.feed import SECRET_CONTEXT
    from notifications.maintenance import reencrypt_all
    from notifications.models import WebhookSubscription

    client = run_app(stage_factory())
    site = uuid.uuid4()
    created = client.post(
        f"/api/v1/offices/{site}/webhooks", json={"url": "https://93.184.215.14/hook"}
    ).json()
    client.post(f"/api/v1/offices/{site}/webhooks/{created['id']}/disable")

    def sealed() -> str:
        with Session(engine_of(client)) as session:
            row = session.exec(
                select(WebhookSubscription).where(WebhookSubscription.id == uuid.UUID(created["id"]))
            )
            return row.one().secret_enc

    assert sealed().startswith("dev1:")
    k2 = base64.urlsafe_b64encode(os.urandom(32)).decode()
    os.environ["ANJU_PII_KEYS"] = f"{DEV_KEYS},k2:{k2}"  # run_app restores the environment afterwards
    get_settings.cache_clear()
    assert reencrypt_all() >= 1
    assert sealed().startswith("k2:")
    assert get_settings().cipher().decrypt(sealed(), context=SECRET_CONTEXT) == created["secret"]
    assert reencrypt_all() == 0  # nothing left under the old key
