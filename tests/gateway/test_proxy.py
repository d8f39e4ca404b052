"""Routing, header hygiene, streaming, limits and the circuit breaker, through a recording upstream."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import Upstream, echo, free_port

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/jobs", "jobs"),
        ("/api/v1/jobs/123", "jobs"),
        ("/api/v1/jobs/123/close", "jobs"),
        ("/api/v1/jobs/123/matches", "matching"),
        ("/api/v1/jobs/123/matches/explain", "matching"),
        ("/api/v1/trainings/1/enrolments/2/complete", "jobs"),
        ("/api/v1/employers/1", "jobs"),
        ("/api/v1/trainings", "jobs"),
        ("/api/v1/workers", "workers"),
        ("/api/v1/workers/9/employment", "workers"),
        ("/api/v1/workers/9/matches", "matching"),
        ("/api/v1/sites/1/stats.xlsx", "workers"),
        ("/api/v1/households", "workers"),
        ("/api/v1/departures", "workers"),
        ("/api/v1/departures/1/roster.xlsx", "workers"),
        ("/api/v1/sites/1/service-standard.xlsx", "workers"),
        ("/api/v1/workers/9/service-contacts", "workers"),
        ("/api/v1/matches/1/status", "matching"),
        ("/api/v1/match-preview", "matching"),
        ("/api/v1/notifications", "notifications"),
        ("/api/v1/offices/1/feed", "notifications"),
    ],
)
def test_each_path_goes_to_its_owner(
    gw: TestClient, admin_headers: dict[str, str], path: str, service: str
) -> None:
    seen = echo(gw.get(path, params={"q": "缝纫"}, headers=admin_headers))
    assert seen["service"] == service and seen["path"] == path
    assert "q=" in seen["query"]


def test_unknown_paths_fall_back_to_the_services_documents(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    # /api/v1/match-digests is in no static rule; the matching document declares it.
    assert echo(gw.get("/api/v1/match-digests", headers=admin_headers))["service"] == "matching"
    # Placements belong to workers by the static table, whatever another document says.
    assert echo(gw.get("/api/v1/placements/1", headers=admin_headers))["service"] == "workers"
    missing = gw.get("/api/v1/nothing-here", headers=admin_headers)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/internal/v1/workers/1/contact",
        "/api/v1/../internal/v1/workers/1/contact",
        "/api/v1/jobs/..%2F..%2Finternal%2Fv1%2Fx",
        "/api/v1/jobs/%2e%2e/%2e%2e/internal/v1/x",
        "/api/v1//internal/v1/x",
    ],
)
def test_internal_endpoints_are_never_reachable(
    gw: TestClient, admin_headers: dict[str, str], path: str
) -> None:
    response = gw.get(path, headers={**admin_headers, "Accept-Language": "en"})
    assert response.status_code == 404
    assert "service" not in response.text or "no route" in response.text


def test_principal_is_signed_by_the_gateway_and_client_headers_are_stripped(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    from anju_common.principal import Principal, sign_principal, verify_principal
    from gateway.config import get_settings

    secret = get_settings().internal_token_secret
    forged = sign_principal(Principal(sub="evil", role="admin"), "attacker-secret-that-is-long-enough!!")
    headers = {
        **admin_headers,
        "X-Anju-Principal": forged,
        "X-Anju-Service-Token": "dev-service-token",
        "X-Forwarded-For": "10.0.0.1",
        "Cookie": "session=1",
        "X-Request-ID": "req-abc-123",
        "X-Custom": "kept",
    }
    response = gw.get("/api/v1/workers", headers=headers)
    seen = echo(response)["headers"]
    principal = verify_principal(seen["x-anju-principal"], secret)
    assert principal.role == "admin" and principal.sub.startswith("user:")
    assert "x-anju-service-token" not in seen and "authorization" not in seen and "cookie" not in seen
    assert seen["x-forwarded-for"] != "10.0.0.1"
    assert seen["x-request-id"] == "req-abc-123" and response.headers["x-request-id"] == "req-abc-123"
    assert seen["x-custom"] == "kept"
    generated = gw.get("/api/v1/workers", headers=admin_headers)
    assert echo(generated)["headers"]["x-request-id"] == generated.headers["x-request-id"]
    uuid.UUID(generated.headers["x-request-id"])


def test_unauthenticated_requests_get_401_but_provider_callbacks_pass_without_principal(
    gw: TestClient,
) -> None:
    denied = gw.post("/api/v1/jobs", json={})
    assert denied.status_code == 401 and denied.json()["type"] == "urn:anju:problem:no-credentials"
    inbound = echo(
        gw.post(
            "/api/v1/sms/inbound",
            json={"from": "x", "text": "1"},
            headers={"X-Anju-Callback-Token": "cb", "X-Anju-Principal": "forged"},
        )
    )
    assert inbound["service"] == "notifications" and "x-anju-principal" not in inbound["headers"]
    assert inbound["headers"]["x-anju-callback-token"] == "cb"
    # Only the provider callbacks carry it on.
    assert (
        "x-anju-callback-token"
        not in echo(gw.get("/api/v1/notifications", headers={"X-Anju-Callback-Token": "cb", **_admin(gw)}))[
            "headers"
        ]
    )
    assert echo(gw.post("/api/v1/sms/reports", json={}))["service"] == "notifications"
    assert gw.get("/api/v1/sms/other").status_code == 401


def _admin(gw: TestClient) -> dict[str, str]:
    from tests.gateway.conftest import create_staff, login

    name = f"adm-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    return {"Authorization": f"Bearer {login(gw, name, 'correct horse battery')['access_token']}"}


def test_bodies_methods_and_upstream_errors_pass_through(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    seen = echo(
        gw.patch("/api/v1/jobs/1", json={"title": "缝纫工"}, headers={**admin_headers, "If-Match": 'W/"2"'})
    )
    assert seen["method"] == "PATCH" and "缝纫工" in seen["body"] and seen["headers"]["if-match"] == 'W/"2"'
    boom = gw.get("/api/v1/jobs/1/boom", headers=admin_headers)
    assert boom.status_code == 409 and boom.headers["x-upstream"] == "yes"


def test_streaming_responses_are_relayed(gw: TestClient, admin_headers: dict[str, str]) -> None:
    with gw.stream("GET", "/api/v1/offices/1/stream", headers=admin_headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    assert text.count("data: event") == 3


def test_body_size_limits(gw: TestClient, admin_headers: dict[str, str]) -> None:
    big = b"x" * (1024 * 1024 + 1)
    too_big = gw.post(
        "/api/v1/jobs", content=big, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert too_big.status_code == 413 and too_big.headers["content-type"].startswith(
        "application/problem+json"
    )
    upload = gw.post(
        "/api/v1/workers/import",
        files={"file": ("workers.csv", b"a" * (2 * 1024 * 1024), "text/csv")},
        headers=admin_headers,
    )
    assert echo(upload)["body_length"] > 2 * 1024 * 1024

    def chunks() -> object:
        for _ in range(3):
            yield b"y" * (512 * 1024)

    chunked = gw.post(
        "/api/v1/jobs", content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413


def test_rate_limits_answer_429_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    from tests.gateway.conftest import create_staff, login

    gw = make_client(GATEWAY_RATE_LIMIT_PRINCIPAL="5/minute", GATEWAY_RATE_LIMIT_IP="8/minute")
    name = f"rl-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    headers = {"Authorization": f"Bearer {login(gw, name, 'correct horse battery')['access_token']}"}
    codes = [gw.get("/api/v1/jobs", headers=headers).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    limited = gw.get("/api/v1/jobs", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(limited.headers["Retry-After"]) <= 61
    # The per-IP window is full too now, even without credentials.
    anonymous = [gw.get("/api/v1/jobs").status_code for _ in range(2)]
    assert 429 in anonymous


def test_circuit_breaker_fails_fast_while_a_service_is_down(make_client: Callable[..., TestClient]) -> None:
    from tests.gateway.conftest import create_staff, login

    gw = make_client(
        GATEWAY_MATCHING_URL=f"http://127.0.0.1:{free_port()}",
        GATEWAY_BREAKER_FAILURES="2",
        GATEWAY_BREAKER_OPEN_SECONDS="30",
    )
    name = f"cb-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    headers = {"Authorization": f"Bearer {login(gw, name, 'correct horse battery')['access_token']}"}
    for _ in range(2):
        down = gw.get("/api/v1/matches/1", headers=headers)
        assert down.status_code == 503 and down.json()["service"] == "matching"
    started = time.monotonic()
    fast = gw.get("/api/v1/matches/1", headers=headers)
    assert fast.status_code == 503 and time.monotonic() - started < 0.5
    assert int(fast.headers["Retry-After"]) > 1
    assert gw.get("/readyz").json()["circuits"]["matching"] == "open"
    # Other services are unaffected.
    assert gw.get("/api/v1/jobs", headers=headers).status_code == 200


def test_requests_are_spread_over_replicas_and_skip_one_that_is_down(
    make_client: Callable[..., TestClient], upstream: Upstream
) -> None:
    from tests.gateway.conftest import create_staff, login

    down = f"http://127.0.0.1:{free_port()}"
    replicas = [upstream.url("matching"), down, upstream.url("matching").replace("/matching", "/matching-b")]
    gw = make_client(
        GATEWAY_MATCHING_URL=",".join(replicas),
        GATEWAY_BREAKER_FAILURES="1",
        GATEWAY_BREAKER_OPEN_SECONDS="30",
    )
    name = f"rr-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    headers = {"Authorization": f"Bearer {login(gw, name, 'correct horse battery')['access_token']}"}
    served = []
    for _ in range(6):
        # A POST too: a replica that refused the connection never saw it, so the next one may take it.
        answer = gw.post("/api/v1/matches/1/status", headers=headers, json={"n": 1})
        assert answer.status_code == 200, answer.text
        served.append(answer.json()["service"])
    assert set(served) == {"matching", "matching-b"}
    assert served.count("matching") >= 2 and served.count("matching-b") >= 2
    circuits = gw.get("/readyz").json()["circuits"]
    assert circuits["matching"] == "closed"  # two of three replicas serve


def test_a_hanging_service_times_out_instead_of_hanging(make_client: Callable[..., TestClient]) -> None:
    from tests.gateway.conftest import create_staff, login

    gw = make_client(GATEWAY_READ_TIMEOUT_SECONDS="0.5")
    name = f"to-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    headers = {"Authorization": f"Bearer {login(gw, name, 'correct horse battery')['access_token']}"}
    started = time.monotonic()
    slow = gw.get("/api/v1/jobs/1/slow", headers={**headers, "Accept-Language": "en"})
    # 0.5 s read timeout: well under the 30 s default it would otherwise wait, even on a busy machine.
    assert slow.status_code == 503 and time.monotonic() - started < 10
    assert "in time" in slow.json()["detail"]


def test_odd_characters_in_paths_are_forwarded_encoded_not_500(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    for path in ("/api/v1/jobs/%07%2BK%24g%F0%AA%AE%B5", "/api/v1/jobs/a%20b", "/api/v1/jobs/%C3%B7%0D%0A"):
        response = gw.get(path, headers=admin_headers)
        assert response.status_code == 200, (path, response.text)
        assert echo(response)["service"] == "jobs"
