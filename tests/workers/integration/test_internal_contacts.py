"""The batch contact endpoint the notifications dispatcher uses: the same answer as /contact per worker,
unknown ids listed as missing, service token required, and a bounded, well-formed body."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.workers.helpers import SERVICE, make_household, make_site, make_worker, new_phone

URL = "/internal/v1/workers/contacts"


def test_many_contacts_in_one_request_match_the_single_answers(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phones = [new_phone() for _ in range(3)]
    workers = [
        make_worker(workers_client, household["id"], phone=p, name=f"王{i}") for i, p in enumerate(phones)
    ]
    left = workers[2]
    r = workers_client.post(f"/api/v1/workers/{left['id']}/deactivate", json={"reason": "moved_away"})
    assert r.status_code in (200, 204), r.text
    stranger = str(uuid.uuid4())
    ids = [w["id"] for w in workers]

    r = workers_client.post(URL, json={"worker_ids": [stranger, *ids, ids[0]]}, headers=SERVICE)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["missing"] == [stranger]
    singles = [workers_client.get(f"/internal/v1/workers/{i}/contact", headers=SERVICE).json() for i in ids]
    assert body["contacts"] == singles
    assert [c["phone"] for c in body["contacts"][:2]] == [f"+86{p}" for p in phones[:2]]
    assert body["contacts"][2]["sms_consent"] is False and body["contacts"][2]["active"] is False


def test_the_batch_needs_the_service_token_and_a_bounded_list_of_ids(workers_client: TestClient) -> None:
    one = {"worker_ids": [str(uuid.uuid4())]}
    assert workers_client.post(URL, json=one).status_code == 401
    assert workers_client.post(URL, json=one, headers={"X-Anju-Service-Token": "nope"}).status_code == 401
    for bad, where in (
        ({"worker_ids": []}, "worker_ids"),
        ({"worker_ids": [str(uuid.uuid4()) for _ in range(501)]}, "worker_ids"),
        ({"worker_ids": ["13812345678"]}, "worker_ids"),
        ({"worker_ids": one["worker_ids"], "phone": "x"}, "phone"),
        ({}, "worker_ids"),
    ):
        r = workers_client.post(URL, json=bad, headers=SERVICE)
        assert r.status_code == 422, (bad, r.text)
        assert where in r.text
