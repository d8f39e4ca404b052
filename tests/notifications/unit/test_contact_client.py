"""The contact client against canned answers: one POST per 500 workers, what an answer's gaps mean, and the
per-worker fallback for a workers service without the batch endpoint."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from notifications.contacts import BATCH_SIZE, Contact, ContactClient, ContactUnavailable

Route = Callable[[httpx.Request], httpx.Response]


def _contact(worker_id: uuid.UUID, phone: str = "+8613900000000") -> dict[str, Any]:
    return {
        "worker_id": str(worker_id),
        "site_id": str(uuid.uuid4()),
        "household_id": str(uuid.uuid4()),
        "phone": phone,
        "sms_consent": True,
        "name": "测试",
        "active": True,
    }


def _client(route: Route) -> tuple[ContactClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return route(request)

    client = ContactClient("http://workers.invalid", "token", 1.0, concurrency=2)
    client.http = httpx.Client(base_url="http://workers.invalid", transport=httpx.MockTransport(handler))
    return client, seen


def _directory(known: set[uuid.UUID]) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        ids = [uuid.UUID(i) for i in json.loads(request.content)["worker_ids"]]
        return httpx.Response(
            200,
            json={
                "contacts": [_contact(i) for i in ids if i in known],
                "missing": [str(i) for i in ids if i not in known],
            },
        )

    return route


def _always(answer: httpx.Response) -> Route:
    return lambda _request: answer


def test_a_batch_is_one_post_per_500_workers_and_unknown_workers_come_back_none() -> None:
    known = {uuid.uuid4() for _ in range(BATCH_SIZE + 20)}
    stranger = uuid.uuid4()
    client, seen = _client(_directory(known))
    wanted = [*known, stranger, next(iter(known))]  # a worker twice in one batch is asked for once

    found = client.get_many(wanted)

    assert [r.method for r in seen] == ["POST", "POST"]
    assert [len(json.loads(r.content)["worker_ids"]) for r in seen] == [BATCH_SIZE, 21]
    assert found[stranger] is None
    assert {i: getattr(found[i], "worker_id", None) for i in known} == {i: i for i in known}
    assert len(found) == len(known) + 1


def test_a_failed_or_malformed_answer_leaves_its_workers_unavailable_not_unknown() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    for answer in (
        httpx.Response(503, json={"detail": "down"}),
        httpx.Response(200, json={"contacts": [{"worker_id": "not-a-uuid"}], "missing": []}),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"contacts": [_contact(a)], "missing": []}),  # b neither found nor missing
    ):
        client, _ = _client(_always(answer))
        found = client.get_many([a, b])
        assert isinstance(found[b], ContactUnavailable), answer
        assert isinstance(found[a], ContactUnavailable | Contact)
        assert found[a] is not None


def test_a_broken_connection_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = _client(refuse)
    worker = uuid.uuid4()
    assert isinstance(client.get_many([worker])[worker], ContactUnavailable)
    assert client.batch_endpoint  # a network failure is not an old workers service


def test_an_older_workers_service_is_asked_worker_by_worker_from_then_on() -> None:
    known = uuid.uuid4()
    gone = uuid.uuid4()

    def old_service(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(404, json={"detail": "Not Found"})
        worker_id = uuid.UUID(request.url.path.split("/")[-2])
        return httpx.Response(200, json=_contact(worker_id)) if worker_id == known else httpx.Response(404)

    client, seen = _client(old_service)
    first = client.get_many([known, gone])
    second = client.get_many([known])

    assert isinstance(first[known], Contact) and first[gone] is None
    assert isinstance(second[known], Contact)
    assert [r.method for r in seen].count("POST") == 1
    assert [r.method for r in seen].count("GET") == 3
