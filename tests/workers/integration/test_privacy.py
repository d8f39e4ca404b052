"""PIPL on real PostgreSQL: nothing raw at rest or in logs, erasure destroys personal fields, keys rotate."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from anju_common.crypto import DEV_KEYS
from anju_common.outbox import pending_count
from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.workers.helpers import SERVICE, make_household, make_site, make_worker, new_id_number, new_phone

pytestmark = pytest.mark.integration
K2 = "k2:" + "A" * 43  # 32 zero-ish bytes, base64url


def _dump_database(url: str) -> str:
    """Every row of every table of the service's database, as JSON text."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        lines = []
        for table in tables:
            lines += [r[0] for r in conn.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')]  # noqa: S608
    return "\n".join(lines)


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """The service's rendered log lines (same formatter as its stdout handler)."""
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _secrets(phone: str, id_number: str) -> list[str]:
    return [phone, f"+86{phone}", phone[3:], id_number, id_number[6:14], id_number[:17]]


def test_phone_and_id_never_reach_logs(workers_client: TestClient, captured_logs: io.StringIO) -> None:
    phone, id_number = new_phone(), new_id_number(1980)
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = make_worker(workers_client, household["id"], phone=phone, id_number=id_number)
    workers_client.get(f"/api/v1/workers/{w['id']}")
    workers_client.get("/api/v1/workers", params={"site_id": site, "skill": phone})
    workers_client.get(f"/internal/v1/workers/{w['id']}/contact", headers=SERVICE)
    workers_client.post("/internal/v1/workers/lookup", json={"phone": phone}, headers=SERVICE)
    workers_client.post(
        "/api/v1/workers",
        json={
            "household_id": household["id"],
            "phone": phone + "1",
            "id_number": id_number[:-1] + "0",
            "name": "x",
        },
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["户编号", "姓名", "身份证号", "手机号", "就业类型"])
    ws.append(["L1", "甲", id_number, phone, "local"])  # an existing worker
    ws.append(["L1", "乙", id_number[:-1] + "0", phone + "1", "local"])  # bad on both counts
    buf = io.BytesIO()
    wb.save(buf)
    r = workers_client.post(
        "/api/v1/workers/import", files={"file": ("x.xlsx", buf.getvalue())}, data={"site_id": site}
    )
    assert r.status_code == 200 and r.json()["rejected"] == 1
    workers_client.post(f"/api/v1/workers/{w['id']}/erase")
    text = captured_logs.getvalue()
    assert text.count("http.request") >= 8
    for secret in _secrets(phone, id_number):
        assert secret not in text, secret


def test_phone_and_id_are_ciphertext_at_rest(workers_client: TestClient, workers_db: str) -> None:
    phone, id_number = new_phone(), new_id_number(1985)
    site = make_site(workers_client)
    make_worker(workers_client, make_household(workers_client, site)["id"], phone=phone, id_number=id_number)
    dump = _dump_database(workers_db)
    assert "王秀英" in dump  # the dump does read the rows
    for secret in _secrets(phone, id_number):
        assert secret not in dump, secret


def test_erasure_leaves_no_personal_field_readable(workers_client: TestClient, workers_db: str) -> None:
    phone, id_number, name = new_phone(), new_id_number(1979), "欧阳娜仁"
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = make_worker(
        workers_client,
        household["id"],
        phone=phone,
        id_number=id_number,
        name=name,
        birth_year=1979,
        language_notes="只会说苗语",
        physical_limitations=["腰伤"],
        home_county="望谟县",
    )
    from workers.models import event_tables
    from workers.pii import cipher

    runtime: Any = workers_client.app.state.runtime  # type: ignore[attr-defined]
    assert wait_for(lambda: pending_count(runtime.engine, event_tables) == 0)
    before = _dump_database(workers_db)
    assert name in before and "只会说苗语" in before
    hashes = [
        cipher().blind_index(f"+86{phone}", context="phone"),
        cipher().blind_index(id_number, context="id_number"),
    ]
    r = workers_client.post(f"/api/v1/workers/{w['id']}/erase")
    assert r.status_code == 200
    erased = r.json()
    assert erased["erased"] is True and erased["active"] is False and erased["name"] is None
    assert erased["phone_masked"] is None and erased["id_number_masked"] is None
    after = _dump_database(workers_db)
    for secret in [*_secrets(phone, id_number), name, "只会说苗语", "腰伤", "望谟县", *hashes]:
        assert secret not in after, secret
    # Anonymous statistics remain: the row still counts by livelihood type, no longer as labour force.
    assert w["id"] in after
    stats = workers_client.get(f"/api/v1/sites/{site}/stats").json()
    assert stats["households"] == 1 and stats["labour_force"] == 0
    assert (
        workers_client.patch(f"/api/v1/workers/{w['id']}", json={"name": "x", "version": 3}).status_code
        == 409
    )
    contact = workers_client.get(f"/internal/v1/workers/{w['id']}/contact", headers=SERVICE).json()
    assert contact["phone"] is None and contact["name"] is None and contact["active"] is False
    assert workers_client.post(
        "/internal/v1/workers/lookup", json={"phone": phone}, headers=SERVICE
    ).json() == {"worker_ids": []}


def test_key_rotation_reencrypts_and_lookups_keep_working(
    workers_client: TestClient, workers_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.config import get_settings
    from workers.maintenance import reencrypt_all

    phone, id_number = new_phone(), new_id_number(1990)
    site = make_site(workers_client)
    w = make_worker(
        workers_client,
        make_household(workers_client, site)["id"],
        phone=phone,
        id_number=id_number,
        birth_year=1990,
    )

    def tokens() -> tuple[str, str]:
        with psycopg.connect(workers_db.replace("postgresql+psycopg://", "postgresql://")) as conn:
            row = conn.execute(
                "SELECT phone_enc, id_number_enc FROM worker WHERE id = %s", (w["id"],)
            ).fetchone()
        assert row is not None
        return row[0], row[1]

    assert all(t.startswith("dev1:") for t in tokens())
    try:
        monkeypatch.setenv("ANJU_PII_KEYS", f"{DEV_KEYS},{K2}")
        monkeypatch.setenv("ANJU_PII_ACTIVE_KEY", "k2")
        get_settings.cache_clear()
        assert reencrypt_all() >= 1
        assert all(t.startswith("k2:") for t in tokens())
        contact = workers_client.get(f"/internal/v1/workers/{w['id']}/contact", headers=SERVICE).json()
        assert contact["phone"] == f"+86{phone}"
        found = workers_client.post(
            "/internal/v1/workers/lookup", json={"phone": phone}, headers=SERVICE
        ).json()
        assert found == {"worker_ids": [w["id"]]}
        # Back to the original key, so the rest of the run reads everything with the default settings.
        monkeypatch.setenv("ANJU_PII_ACTIVE_KEY", "dev1")
        get_settings.cache_clear()
        assert reencrypt_all() >= 1
        assert all(t.startswith("dev1:") for t in tokens())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
