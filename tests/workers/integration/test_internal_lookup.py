"""The reverse lookup other services use for an SMS from a number they never texted: by the keyed hash or by
the number, service token required, ids only, a shared family phone answers every active worker."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.workers.helpers import SERVICE, make_household, make_site, make_worker, new_phone


def _hash(phone: str) -> str:
    from workers.pii import phone_hash

    return phone_hash(phone)


def test_lookup_by_phone_hash_and_by_phone(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phone = new_phone()
    w = make_worker(workers_client, household["id"], phone=phone)
    url = f"/internal/v1/workers/by-phone-hash/{_hash('+86' + phone)}"
    expected = {"workers": [{"worker_id": w["id"], "site_id": site, "household_id": household["id"]}]}

    r = workers_client.get(url, headers=SERVICE)
    assert r.status_code == 200, r.text
    assert r.json() == expected
    assert phone not in r.text
    by_phone = workers_client.post("/internal/v1/workers/by-phone", json={"phone": phone}, headers=SERVICE)
    assert by_phone.json() == expected

    # Nobody uses this number: an empty answer, not an error.
    nobody = workers_client.get(
        f"/internal/v1/workers/by-phone-hash/{_hash('+8613000000000')}", headers=SERVICE
    )
    assert nobody.status_code == 200 and nobody.json() == {"workers": []}


def test_lookup_needs_the_service_token_and_a_well_formed_hash(workers_client: TestClient) -> None:
    url = f"/internal/v1/workers/by-phone-hash/{'a' * 64}"
    assert workers_client.get(url).status_code == 401
    assert workers_client.get(url, headers={"X-Anju-Service-Token": "nope"}).status_code == 401
    assert (
        workers_client.post("/internal/v1/workers/by-phone", json={"phone": new_phone()}).status_code == 401
    )
    bad = workers_client.get("/internal/v1/workers/by-phone-hash/13812345678", headers=SERVICE)
    assert bad.status_code == 422 and "phone_hash" in bad.text
    bad_phone = workers_client.post("/internal/v1/workers/by-phone", json={"phone": "hello"}, headers=SERVICE)
    assert bad_phone.status_code == 422 and "body.phone" in bad_phone.text


def test_a_family_phone_answers_every_active_worker_and_a_deactivated_one_drops_out(
    workers_client: TestClient,
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phone = new_phone()
    first = make_worker(workers_client, household["id"], phone=phone)
    second = make_worker(workers_client, household["id"], phone=phone, name="王小明")
    url = f"/internal/v1/workers/by-phone-hash/{_hash('+86' + phone)}"
    ids = [w["worker_id"] for w in workers_client.get(url, headers=SERVICE).json()["workers"]]
    assert ids == [first["id"], second["id"]]
    r = workers_client.post(f"/api/v1/workers/{second['id']}/deactivate", json={"reason": "moved_away"})
    assert r.status_code in (200, 204), r.text
    ids = [w["worker_id"] for w in workers_client.get(url, headers=SERVICE).json()["workers"]]
    assert ids == [first["id"]]
