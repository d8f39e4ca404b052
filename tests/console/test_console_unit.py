"""The console against a fake gateway: sessions, token refresh, languages, redirects, charts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console.charts import Bar, bar_chart
from console.main import feed_events, highlight, make_app, tables_of
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


# ------------------------------------------------------------ worker page, a job's "why not", exports, feed
WORKER = str(uuid.uuid4())
HOUSEHOLD = str(uuid.uuid4())
JOB = str(uuid.uuid4())
AUDIT = str(uuid.uuid4())


class PageGateway(FakeGateway):
    """FakeGateway plus the worker, job, explain, taxonomy, export and feed answers."""

    def __init__(self) -> None:
        super().__init__()
        self.placements: Any = None  # None: the endpoint is not there (404)
        self.explain: Any = None
        self.retention: Any = None
        self.feed: list[dict[str, Any]] = []
        self.matching_knows_worker = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/api/v1/auth") or path in ("/api/v1/sites", "/api/v1/workers"):
            if path == "/api/v1/workers" and request.url.params.get("q") == "秀英":
                self.calls.append(request)
                return httpx.Response(200, json={"items": [self.worker()], "next_cursor": None})
            return super().__call__(request)
        self.calls.append(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return httpx.Response(401, json={"detail": "expired"})
        if path == f"/api/v1/sites/{SITE}/stats":
            return httpx.Response(
                200, json={**STATS, "retention": self.retention} if self.retention else STATS
            )
        if path == f"/api/v1/workers/{WORKER}":
            return httpx.Response(200, json=self.worker())
        if path == f"/api/v1/households/{HOUSEHOLD}":
            return httpx.Response(
                200,
                json={
                    "id": HOUSEHOLD,
                    "site_id": SITE,
                    "household_ref": "H-1",
                    "monitoring_category": "none",
                    "zero_employment": False,
                    "zero_employment_since": None,
                },
            )
        if path == f"/api/v1/workers/{WORKER}/matches" and not self.matching_knows_worker:
            return httpx.Response(404, json={"detail": "unknown worker"})
        if path == f"/api/v1/workers/{WORKER}/matches":
            return httpx.Response(200, json={"worker_id": WORKER, "matches": [], "training_offers": []})
        if path == f"/api/v1/workers/{WORKER}/placements" and self.placements is not None:
            return httpx.Response(200, json=self.placements)
        if path == "/api/v1/pii-reveals":
            return httpx.Response(403, json={"detail": "只有管理员可以查看审计记录"})
        if path == f"/api/v1/workers/{WORKER}/reveal":
            body = json.loads(request.content)
            if len(body.get("reason", "").strip()) < 4:
                return httpx.Response(
                    422,
                    json={
                        "title": "输入有误",
                        "detail": "body.reason: 至少 4 个字符",
                        "errors": [{"field": "body.reason", "message": "至少 4 个字符"}],
                    },
                )
            return httpx.Response(
                200,
                json={
                    "worker_id": WORKER,
                    "field": body["field"],
                    "value": "+8613912345678",
                    "audit_id": AUDIT,
                },
                headers={"Cache-Control": "no-store"},
            )
        if path == f"/api/v1/jobs/{JOB}":
            return httpx.Response(
                200,
                json={
                    "id": JOB,
                    "title": "缝纫工",
                    "status": "open",
                    "wage_min": 3000,
                    "wage_max": 4000,
                    "headcount": 5,
                    "shift": "day",
                    "location": None,
                },
            )
        if path == f"/api/v1/jobs/{JOB}/matches":
            return httpx.Response(200, json={"job_id": JOB, "matches": [], "ranking": []})
        if path == f"/api/v1/jobs/{JOB}/matches/explain":
            if self.explain is None:
                return httpx.Response(404, json={"title": "未找到", "detail": "没有这个地址"})
            return httpx.Response(200, json=self.explain)
        if path == "/api/v1/taxonomy/trades":
            return httpx.Response(
                200,
                json=[
                    {
                        "trade_id": "sewing",
                        "zh": "缝纫工",
                        "en": "sewing machinist",
                        "matched": "缝纫",
                        "how": "zh",
                    }
                ],
            )
        if path == "/api/v1/workers/export.xlsx":
            return httpx.Response(
                200,
                content=b"PK-xlsx",
                headers={
                    "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "content-disposition": 'attachment; filename="anju-workers-2026-12-01.xlsx"',
                },
            )
        if path == f"/api/v1/offices/{SITE}/feed":
            return httpx.Response(200, json={"items": self.feed, "next_cursor": None})
        return httpx.Response(404, json={"detail": "no route"})

    @staticmethod
    def worker() -> dict[str, Any]:
        return {
            "id": WORKER,
            "household_id": HOUSEHOLD,
            "site_id": SITE,
            "name": "王秀英",
            "phone_masked": "139****5678",
            "id_number_masked": "110105********1234",
            "gender": "female",
            "birth_year": 1985,
            "livelihood_type": "local",
            "skills": [],
            "max_commute_km": 20,
            "expected_wage_min": None,
            "caregiver": False,
            "sms_consent": True,
            "share_consent": True,
            "employment_status": "unemployed",
            "active": True,
            "erased": False,
        }


@pytest.fixture
def pages() -> Iterator[tuple[TestClient, PageGateway]]:
    fake = PageGateway()
    with TestClient(make_app(), follow_redirects=False) as c:
        c.app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://gateway")  # type: ignore[attr-defined]
        _login(c)
        yield c, fake


def test_worker_page_masks_and_says_placements_are_not_there_yet(
    pages: tuple[TestClient, PageGateway],
) -> None:
    client, fake = pages
    page = client.get(f"/workers/{WORKER}")
    assert page.status_code == 200
    assert "139****5678" in page.text and "13912345678" not in page.text
    assert 'id="placements-empty">上岗和回访记录暂未开放' in page.text
    assert 'id="reveal-form"' in page.text and 'id="reveal-log"' not in page.text  # staff do not read the log
    fake.placements = {
        "items": [
            {
                "id": "p1",
                "job_title": "缝纫工",
                "employer_name": "王家车间",
                "started_on": "2026-09-01",
                "status": "active",
                "follow_ups": [{"due_on": "2026-10-01", "month_offset": 1, "status": "overdue"}],
            }
        ]
    }
    shown = client.get(f"/workers/{WORKER}").text
    assert 'data-placement-id="p1"' in shown and "王家车间" in shown and "2026-10-01" in shown
    assert "暂未开放" not in shown


def test_a_worker_matching_does_not_know_yet_has_a_page_without_proposals(
    pages: tuple[TestClient, PageGateway],
) -> None:
    client, fake = pages
    fake.matching_knows_worker = False
    page = client.get(f"/workers/{WORKER}")
    assert page.status_code == 200
    assert 'id="worker-name"' in page.text and 'id="worker-matches"' in page.text


def test_a_pages_concurrent_calls_refresh_an_expired_token_once(
    pages: tuple[TestClient, PageGateway],
) -> None:
    client, fake = pages

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)  # the gateway takes a while: the page's calls are in flight together
        return fake(request)

    client.app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(slow), base_url="http://gateway")  # type: ignore[attr-defined]
    fake.valid_tokens = {"access-2"}  # the session's access-1 has expired
    page = client.get(f"/workers/{WORKER}")
    assert page.status_code == 200 and 'id="worker-name"' in page.text
    assert fake.refreshes == 1  # five calls at once met the 401; one refresh served them all
    sent = [c for c in fake.calls if c.url.path.startswith(f"/api/v1/workers/{WORKER}")]
    assert sent and sent[-1].headers["authorization"] == "Bearer access-2"


def test_reveal_sends_the_reason_and_shows_the_audit_entry(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    short = client.post(f"/workers/{WORKER}/reveal", data={"field": "phone", "reason": "看"})
    assert short.status_code == 422 and "至少 4 个字符" in short.text and "13912345678" not in short.text
    done = client.post(f"/workers/{WORKER}/reveal", data={"field": "phone", "reason": "短信失败，电话通知"})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    sent = [c for c in fake.calls if c.url.path.endswith("/reveal")][-1]
    assert json.loads(sent.content) == {"field": "phone", "reason": "短信失败，电话通知"}
    assert 'id="phone-full" class="revealed">+8613912345678<' in done.text
    assert f'data-audit-id="{AUDIT}"' in done.text and "已记入审计记录" in done.text
    assert 'id="audit-reason">短信失败，电话通知<' in done.text
    again = client.get(f"/workers/{WORKER}")
    assert "13912345678" not in again.text  # shown once, in that answer only


def test_why_not_finds_the_worker_and_shows_each_filter(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    missing = client.get(f"/jobs/{JOB}/explain", params={"q": "秀英"})
    assert missing.status_code == 200 and "没有这个地址" in missing.text  # not there yet: said, not faked
    fake.explain = {
        "job_id": JOB,
        "worker_id": WORKER,
        "eligible": False,
        "score": None,
        "breakdown": {},
        "rank": None,
        "filters": [
            {"code": "skill", "passed": True, "zh": "技能符合", "en": "has the skill"},
            {
                "code": "commute",
                "passed": False,
                "zh": "通勤 35 公里，超过本人最远 20 公里",
                "en": "35 km, over 20",
            },
        ],
        "reasons": [],
        "match": None,
    }
    page = client.get(f"/jobs/{JOB}/explain", params={"q": "秀英"})
    asked = [c for c in fake.calls if c.url.path.endswith("/explain")][-1]
    assert asked.url.params["worker_id"] == WORKER
    assert 'id="explain-name">王秀英<' in page.text and "不符合条件" in page.text
    assert 'data-code="commute" class="failed"' in page.text and "通勤 35 公里" in page.text
    client.get("/lang", params={"to": "en"})
    en = client.get(f"/jobs/{JOB}/explain", params={"worker_id": WORKER})
    assert "35 km, over 20" in en.text and "Not eligible" in en.text


def test_skill_autocomplete_and_the_masked_export(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    options = client.get("/taxonomy/trades", params={"skill": "缝纫"})
    assert '<option value="缝纫工">sewing machinist</option>' in options.text
    assert [c for c in fake.calls if c.url.path == "/api/v1/taxonomy/trades"][-1].url.params["q"] == "缝纫"
    listing = client.get("/workers", params={"q": "秀英", "skill": "缝纫工"})
    assert 'href="/workers/export.xlsx?' in listing.text and "q=%E7%A7%80%E8%8B%B1" in listing.text
    # the skill box's own request must not inherit the search form's hx-select (it would drop the options)
    assert 'hx-disinherit="*"' in listing.text
    xlsx = client.get("/workers/export.xlsx", params={"q": "秀英", "skill": "缝纫工", "bogus": "x"})
    assert xlsx.status_code == 200 and xlsx.content == b"PK-xlsx"
    assert xlsx.headers["content-disposition"] == 'attachment; filename="anju-workers-2026-12-01.xlsx"'
    sent = [c for c in fake.calls if c.url.path == "/api/v1/workers/export.xlsx"][-1]
    assert dict(sent.url.params) == {"q": "秀英", "skill": "缝纫工"}


def test_follow_up_tasks_are_listed_and_streamed_apart(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    task = {
        "id": 7,
        "site_id": SITE,
        "kind": "follow_up_overdue",
        "title": "王秀英 1 个月回访逾期",
        "payload": {"worker_id": WORKER},
        "created_at": "2026-12-01T08:00:00+00:00",
    }
    news = {**task, "id": 8, "kind": "worker_reply", "title": "回复：好的", "payload": {}}
    fake.feed = [news, task]  # newest first, as the API pages
    page = client.get("/feed").text
    tasks = page.split('id="tasks"')[1].split("</ul>")[0]
    assert 'data-id="7"' in tasks and 'data-id="8"' not in tasks and f"/workers/{WORKER}" in tasks
    assert [e.split(b"\n")[1] for e in feed_events(task, "7", "zh")] == [b"event: feed", b"event: task"]
    assert [e.split(b"\n")[1] for e in feed_events(news, "8", "zh")] == [b"event: feed"]


def test_dashboard_shows_retention_when_the_stats_have_it(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    assert 'id="retention-empty"' in client.get("/").text
    fake.retention = {"by_livelihood_type": [{"key": "local", "month_1": 0.9, "month_3": 0.75}]}
    page = client.get("/").text
    assert 'id="retention-empty"' not in page and "90.0%" in page and "75.0%" in page and "就近就业" in page


def test_tables_of_reads_any_grouping() -> None:
    assert tables_of({"1": 0.9, "3": 0.8}) == [{"title": "", "columns": ["1", "3"], "rows": [[0.9, 0.8]]}]
    nested = tables_of({"by_site": [{"key": "a", "rate": 0.5, "detail": {"x": 1}}]})
    assert nested == [{"title": "by_site", "columns": ["key", "rate"], "rows": [["a", 0.5]]}]
    assert tables_of(None) == [] and tables_of([]) == []


def test_feed_kinds_read_as_words_and_an_empty_list_is_empty(pages: tuple[TestClient, PageGateway]) -> None:
    assert (
        label("unparsed_reply", "zh") == "待人工查看的回复"
        and label("unparsed_reply", "en") == "reply to read"
    )
    assert label("wage_arrears", "zh") == "欠薪"  # the shared label wins where there is one
    client, _ = pages
    page = client.get("/feed").text
    assert (
        '<ul id="tasks" class="feed tasks" sse-swap="task" hx-swap="afterbegin"></ul>' in page
    )  # :empty hides it


def test_downloads_list_rosters_and_pass_the_files_through(pages: tuple[TestClient, PageGateway]) -> None:
    client, fake = pages
    assert 'id="departures-empty">组织外出暂未开放' in client.get("/downloads").text  # 404: said, not faked
    departure = str(uuid.uuid4())
    original = fake.__class__.__call__

    def with_departures(self: PageGateway, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/departures":
            self.calls.append(request)
            item = {
                "id": departure,
                "departs_at": "2026-12-20T07:30:00+08:00",
                "employer_name": "宁波电子厂",
                "destination": "浙江宁波",
                "seats": 40,
                "seats_taken": 12,
                "status": "planned",
            }
            return httpx.Response(200, json={"items": [item], "next_cursor": None})
        if request.url.path == f"/api/v1/departures/{departure}/roster.xlsx":
            self.calls.append(request)
            return httpx.Response(200, content=b"PK-roster", headers={"content-disposition": "attachment; x"})
        return original(self, request)

    fake.__class__ = type("WithDepartures", (PageGateway,), {"__call__": with_departures})
    page = client.get("/downloads").text
    assert f'href="/departures/{departure}/roster.xlsx"' in page and "宁波电子厂" in page and "12/40" in page
    assert [c for c in fake.calls if c.url.path == "/api/v1/departures"][-1].url.params["site_id"] == SITE
    roster = client.get(f"/departures/{departure}/roster.xlsx")
    assert roster.status_code == 200 and roster.content == b"PK-roster"
