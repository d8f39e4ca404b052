"""The console against a fake gateway: sessions, token refresh, languages, redirects, charts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from console.charts import Bar, bar_chart
from console.main import highlight, make_app
from console.text import UI, label, t
from fastapi.testclient import TestClient

SITE = str(uuid.uuid4())
STATS = {
    "site_id": SITE,
    "site_name": "王家社区安置点",
    "as_of": "2026-12-01",
    "households": 3,
    "labour_force": 5,
    "employed": 2,
    "employment_rate": 0.4,
    "zero_employment_households": 1,
    "zero_employment_longest_days": 42,
    "zero_employment": [],
    "by_livelihood_type": [{"key": "local", "labour_force": 5, "employed": 2, "employment_rate": 0.4}],
    "by_monitoring_category": [
        {
            "key": "unstable",
            "labour_force": 5,
            "employed": 2,
            "employment_rate": 0.4,
            "households": 3,
            "zero_employment_households": 1,
        }
    ],
}


class FakeGateway:
    """Answers like the gateway; records what the console sent."""

    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.valid_tokens = {"access-1"}
        self.refreshes = 0
        self.refresh_works = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path == "/api/v1/auth/token":
            if b"password=right" in request.content:
                return httpx.Response(200, json={"access_token": "access-1", "refresh_token": "refresh-1"})
            return httpx.Response(401, json={"title": "需要登录", "detail": "用户名或密码不正确"})
        if path == "/api/v1/auth/refresh":
            self.refreshes += 1
            if not self.refresh_works:
                return httpx.Response(401, json={"detail": "no"})
            self.valid_tokens.add("access-2")
            return httpx.Response(200, json={"access_token": "access-2", "refresh_token": "refresh-2"})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return httpx.Response(401, json={"detail": "expired"})
        if path == "/api/v1/auth/me":
            return httpx.Response(200, json={"sub": "u", "role": "office_staff", "site_ids": [SITE]})
        if path == "/api/v1/sites":
            return httpx.Response(
                200, json={"items": [{"id": SITE, "name": "王家社区安置点"}], "next_cursor": None}
            )
        if path == f"/api/v1/sites/{SITE}/stats":
            return httpx.Response(200, json=STATS)
        if path == "/api/v1/workers":
            if request.url.params.get("phone_last4") == "12":
                english = request.headers.get("accept-language") == "en"
                message = "String should match pattern '^[0-9]{4}$'" if english else "格式不符合要求"
                return httpx.Response(
                    422,
                    json={
                        "title": "Validation failed" if english else "输入有误",
                        "detail": f"query.phone_last4: {message}",
                        "errors": [{"field": "query.phone_last4", "message": message, "type": "x"}],
                    },
                )
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(404, json={"detail": "no route"})


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def client(fake: FakeGateway) -> Iterator[TestClient]:
    with TestClient(make_app(), follow_redirects=False) as c:
        c.app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://gateway")  # type: ignore[attr-defined]
        yield c


def _login(client: TestClient) -> httpx.Response:
    response: httpx.Response = client.post(
        "/login", data={"username": "office", "password": "right", "next": "/"}
    )
    return response


def test_pages_need_a_login_and_the_token_stays_in_an_httponly_cookie(client: TestClient) -> None:
    first = client.get("/workers")
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fworkers"
    wrong = client.post("/login", data={"username": "office", "password": "wrong"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    ok = _login(client)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert "anju_console=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "access-1" not in cookie  # signed session data, not the bare token
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="fig-labour-force">5<' in page.text and "40.0%" in page.text
    assert "access-1" not in page.text


def test_an_expired_access_token_is_refreshed_once(client: TestClient, fake: FakeGateway) -> None:
    _login(client)
    fake.valid_tokens = {"nothing-yet"}  # the access token expired
    page = client.get("/")
    assert page.status_code == 200 and fake.refreshes == 1
    assert fake.calls[-1].headers["authorization"] == "Bearer access-2"
    fake.valid_tokens = set()
    fake.refresh_works = False
    again = client.get("/")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_language_switch_and_accept_language_forwarding(client: TestClient, fake: FakeGateway) -> None:
    _login(client)
    zh = client.get("/")
    assert '<html lang="zh-CN">' in zh.text and "劳动力" in zh.text
    assert fake.calls[-1].headers["accept-language"] == "zh-CN"
    switched = client.get("/lang", params={"to": "en", "next": "/workers?phone_last4=12"})
    assert switched.status_code == 303 and switched.headers["location"] == "/workers?phone_last4=12"
    en = client.get("/workers", params={"phone_last4": "12"})
    assert '<html lang="en">' in en.text and "Workers" in en.text
    assert fake.calls[-1].headers["accept-language"] == "en"
    assert "String should match pattern" in en.text and "query.phone_last4" in en.text
    client.get("/lang", params={"to": "zh"})
    zh_error = client.get("/workers", params={"phone_last4": "12"})
    assert "格式不符合要求" in zh_error.text


def test_redirects_stay_on_the_console(client: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        r = client.get("/lang", params={"to": "en", "next": target})
        assert r.headers["location"] == "/"
        login = client.post("/login", data={"username": "office", "password": "right", "next": target})
        assert login.headers["location"] == "/"


def test_every_ui_string_has_both_languages() -> None:
    for key, (zh, en) in UI.items():
        assert zh and en, key
        assert t(key, "zh") == zh and t(key, "en") == en
    assert label("worker_peasant", "zh") == "亦工亦农" and label("worker_peasant", "en") == "worker peasant"


def test_charts_escape_their_text_and_scale_bars() -> None:
    svg = str(bar_chart("就业率 <b>", [Bar("<script>", 0.5, "50%"), Bar("local", 1.0, "100%")], maximum=1.0))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    widths = [part.split('"')[0] for part in svg.split('class="chart-track"/><rect x="150" y="')[1:]]
    assert len(widths) == 2
    assert 'width="160.0"' in svg and 'width="320.0"' in svg  # half and all of the 320-pixel plot


def test_highlight_marks_the_search_and_escapes() -> None:
    assert str(highlight("王<秀>英", "<秀>")) == "王<mark>&lt;秀&gt;</mark>英"
    assert str(highlight("<b>", None)) == "&lt;b&gt;"


def test_chinese_first_whatever_the_browser_asks(client: TestClient) -> None:
    _login(client)
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-CN">' in page.text and "劳动力" in page.text
