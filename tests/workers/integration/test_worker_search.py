"""Offices find a worker by part of the name or by the last digits of the phone or the ID number."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.common.lang import assert_field_errors
from tests.workers.helpers import make_household, make_site, make_worker, new_id_number, new_phone

pytestmark = pytest.mark.integration


def _ids(client: TestClient, **params: str) -> set[str]:
    r = client.get("/api/v1/workers", params=params)
    assert r.status_code == 200, r.text
    return {w["id"] for w in r.json()["items"]}


def test_search_by_name_phone_and_id_last_digits(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phone_a, phone_b = new_phone(), new_phone()
    while phone_b[-4:] == phone_a[-4:]:
        phone_b = new_phone()
    id_a = new_id_number(1980)
    id_b = new_id_number(1990)
    while id_b[-4:] == id_a[-4:]:
        id_b = new_id_number(1990)
    a = make_worker(workers_client, household["id"], name="王秀英", phone=phone_a, id_number=id_a)
    b = make_worker(workers_client, household["id"], name="李国强", phone=phone_b, id_number=id_b)
    c = make_worker(workers_client, household["id"], name="王100%_x", id_number=None, birth_year=1990)

    assert _ids(workers_client, site_id=site, q="秀英") == {a["id"]}
    assert _ids(workers_client, site_id=site, q="王") == {a["id"], c["id"]}
    assert _ids(workers_client, site_id=site, q="%") == {c["id"]}  # wildcards are literal
    assert _ids(workers_client, site_id=site, q="_") == {c["id"]}
    assert _ids(workers_client, site_id=site, phone_last4=phone_b[-4:]) == {b["id"]}
    assert _ids(workers_client, site_id=site, id_last4=id_a[-4:].lower()) == {a["id"]}
    assert _ids(workers_client, site_id=site, q="王", phone_last4=phone_b[-4:]) == set()
    # the masked forms show the same last digits the search used
    found = workers_client.get(
        "/api/v1/workers", params={"site_id": site, "phone_last4": phone_a[-4:]}
    ).json()
    assert found["items"][0]["phone_masked"].endswith(phone_a[-4:])


def test_last_digits_follow_a_changed_phone_and_vanish_on_erasure(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    old, new = new_phone(), new_phone()
    while new[-4:] == old[-4:]:
        new = new_phone()
    w = make_worker(workers_client, household["id"], phone=old)
    r = workers_client.patch(f"/api/v1/workers/{w['id']}", json={"phone": new, "version": w["version"]})
    assert r.status_code == 200, r.text
    assert _ids(workers_client, site_id=site, phone_last4=old[-4:]) == set()
    assert _ids(workers_client, site_id=site, phone_last4=new[-4:]) == {w["id"]}
    assert workers_client.post(f"/api/v1/workers/{w['id']}/erase").status_code == 200
    assert _ids(workers_client, site_id=site, phone_last4=new[-4:], active="false") == set()


def test_bad_search_values_are_422_in_chinese(workers_client: TestClient) -> None:
    assert_field_errors(
        workers_client,
        "GET",
        "/api/v1/workers",
        {
            "query.phone_last4": ("string_pattern_mismatch", "格式不符合要求（应匹配 ^[0-9]{4}$）"),
            "query.id_last4": ("string_pattern_mismatch", "格式不符合要求（应匹配 ^[0-9]{3}[0-9Xx]$）"),
            "query.q": ("string_too_long", "最多 100 个字符"),
        },
        params={"phone_last4": "12", "id_last4": "abcd", "q": "名" * 101},
    )


def test_a_page_fetches_the_workers_it_lists_by_id_in_one_call(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    a, b, c = (make_worker(workers_client, household["id"], name=n) for n in ("张一", "张二", "张三"))
    r = workers_client.get("/api/v1/workers", params=[("id", a["id"]), ("id", c["id"]), ("id", a["id"])])
    assert r.status_code == 200, r.text
    assert {w["id"] for w in r.json()["items"]} == {a["id"], c["id"]}
    assert b["id"] not in {w["id"] for w in r.json()["items"]}
    too_many = workers_client.get("/api/v1/workers", params=[("id", a["id"])] * 101)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "query.id"
    bad = workers_client.get("/api/v1/workers", params={"id": "not-a-uuid"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("query.id")
