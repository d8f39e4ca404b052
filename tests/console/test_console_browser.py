"""The office console in Debian's chromium against the real stack: what an office worker does in a day.

Every test ends by checking, from Chrome's own network log, that no page or asset came from any host but the
console (the browser never talks to the gateway or anything else).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from openpyxl import load_workbook

from tests.console.harness import World, requested_hosts
from tests.e2e.harness import CALLBACK_TOKEN, Proc, Stack, admin_headers

# The first test also starts the whole stack, which takes minutes on a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(1800)]


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def wait_until(check: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    """Poll until check() is truthy."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # the element may not exist yet
            last = exc
        else:
            if last:
                return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def snap(browser: Any, name: str) -> None:
    """Save a screenshot for docs/console.md when ANJU_CONSOLE_SCREENSHOTS names a folder."""
    folder = os.environ.get("ANJU_CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def login(browser: Any, console: Proc, world: World) -> None:
    """Log in through the login page as the site's office account."""
    by = _by()
    browser.get(f"{console.url}/")
    assert "/login" in browser.current_url  # not signed in: the dashboard sends us to log in
    snap(browser, "login")
    browser.find_element(by.ID, "username").send_keys(world.username)
    browser.find_element(by.ID, "password").send_keys(world.password)
    browser.find_element(by.ID, "login-button").click()
    wait_until(lambda: browser.find_elements(by.ID, "fig-labour-force"), what="the dashboard")


def only_console_hosts(browser: Any, console: Proc) -> None:
    """No request of any page went to a host other than the console."""
    own = urlsplit(console.url).netloc
    hosts = requested_hosts(browser)
    assert hosts, "the network log is empty: the check would prove nothing"
    assert hosts <= {own}, hosts


def text(browser: Any, element_id: str) -> str:
    """An element's visible text."""
    return str(browser.find_element(_by().ID, element_id).text).strip()


def test_login_and_the_dashboard_shows_the_apis_figures(
    browser: Any, console: Proc, world: World, stack: Stack
) -> None:
    login(browser, console, world)
    cookie = browser.get_cookie("anju_console")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert browser.execute_script("return document.cookie").find("anju_console") == -1
    with world.staff(stack) as api:
        stats = api.get(f"/api/v1/sites/{world.site['id']}/stats").json()
    assert text(browser, "fig-labour-force") == str(stats["labour_force"])
    assert text(browser, "fig-employed") == str(stats["employed"])
    assert text(browser, "fig-employment-rate") == f"{stats['employment_rate'] * 100:.1f}%"
    assert text(browser, "fig-zero-households") == str(stats["zero_employment_households"])
    assert text(browser, "fig-longest-days") == str(stats["zero_employment_longest_days"])
    by = _by()
    rows = browser.find_elements(by.CSS_SELECTOR, "#by-livelihood tbody tr")
    shown = {r.get_attribute("data-key"): r.find_elements(by.TAG_NAME, "td")[1].text for r in rows}
    assert shown == {g["key"]: str(g["labour_force"]) for g in stats["by_livelihood_type"]}
    cats = browser.find_elements(by.CSS_SELECTOR, "#by-category tbody tr")
    shown = {r.get_attribute("data-key"): r.find_elements(by.TAG_NAME, "td")[2].text for r in cats}
    assert shown == {c["key"]: str(c["zero_employment_households"]) for c in stats["by_monitoring_category"]}
    assert len(browser.find_elements(by.CSS_SELECTOR, "svg.chart")) == 2
    snap(browser, "dashboard")
    assert browser.find_element(by.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "劳动力" in browser.page_source and "零就业户" in browser.page_source
    # usable at 1366×768: nothing wider than the window
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1366
    only_console_hosts(browser, console)


def test_find_a_worker_by_name_and_see_masked_data(browser: Any, console: Proc, world: World) -> None:
    login(browser, console, world)
    by = _by()
    worker_id, name = next((i, n) for i, n in world.names.items() if len(n) >= 2)
    browser.get(f"{console.url}/workers")
    box = browser.find_element(by.ID, "q")
    box.send_keys(name)
    browser.find_element(by.ID, "search-button").click()

    def found() -> dict[str, str]:
        # htmx swaps the results while we type: read them in one go, as text, and retry if they change
        rows = browser.execute_script(
            "return [...document.querySelectorAll('#workers tbody tr[data-worker-id]')]"
            ".map(r => [r.dataset.workerId, r.querySelector('a.worker-link').textContent])"
        )
        shown = {worker: shown_name for worker, shown_name in rows}
        return shown if shown and all(name in n for n in shown.values()) and worker_id in shown else {}

    wait_until(found, what=f"workers named {name}")
    wait_until(lambda: "q=" in browser.current_url, what="the search in the address")  # htmx pushes it
    snap(browser, "workers")
    wait_until(
        lambda: (
            browser.find_element(by.CSS_SELECTOR, f"tr[data-worker-id='{worker_id}'] a.worker-link").click()
            or True
        ),
        what="the worker's link",
    )
    wait_until(lambda: text(browser, "worker-name") == name, what="the worker's page")
    phone = world.phones[worker_id]
    masked = text(browser, "phone-masked")
    assert "****" in masked and masked.endswith(phone[-4:])
    assert phone not in browser.page_source and phone[-11:] not in browser.page_source
    snap(browser, "worker")
    # and by the last digits of the phone
    browser.get(f"{console.url}/workers?phone_last4={phone[-4:]}")
    rows = browser.find_elements(by.CSS_SELECTOR, "#workers tbody tr[data-worker-id]")
    assert worker_id in {r.get_attribute("data-worker-id") for r in rows}
    only_console_hosts(browser, console)


def test_refer_and_hire_from_a_jobs_ranking(browser: Any, console: Proc, world: World, stack: Stack) -> None:
    login(browser, console, world)
    by = _by()
    with world.staff(stack) as api:
        job, match = next(
            (j, m)
            for j in world.jobs
            for m in api.get(f"/api/v1/jobs/{j['id']}/matches").json()["matches"]
            if m["status"] in ("proposed", "notified")
        )
    browser.get(f"{console.url}/jobs/{job['id']}")
    assert text(browser, "job-title") == job["title"]
    ranking = browser.find_elements(by.CSS_SELECTOR, "#ranking tbody tr[data-worker-id]")
    assert ranking, "the live ranking is shown"
    first = ranking[0]
    assert len(first.find_elements(by.CSS_SELECTOR, ".breakdown .bd")) == 5
    assert first.find_elements(by.CSS_SELECTOR, "ul.reasons li")

    def press(action: str, shown: str) -> None:
        row = browser.find_element(by.CSS_SELECTOR, f"#proposals tr[data-match-id='{match['id']}']")
        row.find_element(by.CSS_SELECTOR, f"button[data-action='{action}']").click()
        wait_until(
            lambda: (
                browser.find_element(
                    by.CSS_SELECTOR, f"#proposals tr[data-match-id='{match['id']}'] td.status"
                ).text
                == shown
            ),
            what=f"status {shown}",
        )

    snap(browser, "job")
    press("interested", "有意向")
    press("referred", "已转介")
    press("hired", "已录用")
    assert "已录用" in text(browser, "done")
    with world.staff(stack) as api:
        detail = api.get(f"/api/v1/matches/{match['id']}").json()
    assert detail["status"] == "hired"
    assert [h["to_status"] for h in detail["history"]][-3:] == ["interested", "referred", "hired"]
    only_console_hosts(browser, console)


def test_import_with_bad_rows_shows_each_rows_errors(
    browser: Any, console: Proc, world: World, tmp_path: Path
) -> None:
    login(browser, console, world)
    by = _by()
    rows = [
        "户编号,姓名,出生年份,手机号,就业类型,技能",
        "IMP-1,张桂兰,1982,13912340001,就近就业,缝纫工",
        "IMP-1,张小军,1999,not-a-phone,外出务工,普工",
        "IMP-2,刘芳,1979,13912340003,到处跑,",
        "IMP-2,刘强,1850,13912340004,亦工亦农,",
    ]
    upload = tmp_path / "导入.csv"
    upload.write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    browser.get(f"{console.url}/import")
    browser.find_element(by.ID, "import-file").send_keys(str(upload))
    browser.find_element(by.ID, "import-button").click()
    wait_until(lambda: browser.find_elements(by.ID, "import-report"), what="the import report")
    assert text(browser, "rep-rows") == "4"
    assert text(browser, "rep-rejected") == "3"
    assert text(browser, "rep-created") == "1"
    errors = [
        [td.text for td in tr.find_elements(by.TAG_NAME, "td")]
        for tr in browser.find_elements(by.CSS_SELECTOR, "#import-errors tbody tr")
    ]
    by_row = {int(row): (column, reason) for row, column, reason in errors}
    assert set(by_row) == {3, 4, 5}, errors
    assert by_row[3][0] == "手机号" and "电话号码" in by_row[3][1]
    assert by_row[4][0] == "就业类型" and by_row[4][1].startswith("应为")
    assert by_row[5][0] == "出生年份"
    snap(browser, "import")
    only_console_hosts(browser, console)


def test_switch_to_english_and_back(browser: Any, console: Proc, world: World) -> None:
    login(browser, console, world)
    by = _by()
    browser.find_element(by.ID, "lang-switch").click()
    wait_until(
        lambda: browser.find_element(by.TAG_NAME, "html").get_attribute("lang") == "en", what="English"
    )
    nav = browser.find_element(by.TAG_NAME, "nav").text
    assert "Dashboard" in nav and "Workers" in nav and "概况" not in nav
    assert "Labour force" in browser.page_source
    snap(browser, "dashboard-en")
    browser.get(f"{console.url}/workers?phone_last4=12")  # the API's own error, in English too
    problem = browser.find_element(by.CSS_SELECTOR, ".problem").text
    assert "query.phone_last4" in problem and "String should match pattern" in problem
    browser.find_element(by.ID, "lang-switch").click()
    wait_until(
        lambda: browser.find_element(by.TAG_NAME, "html").get_attribute("lang") == "zh-CN", what="中文"
    )
    problem = browser.find_element(by.CSS_SELECTOR, ".problem").text
    assert "query.phone_last4" in problem and "格式不符合要求" in problem
    only_console_hosts(browser, console)


def test_the_office_feed_updates_live(browser: Any, console: Proc, world: World, stack: Stack) -> None:
    login(browser, console, world)
    by = _by()
    browser.get(f"{console.url}/feed")
    before = len(browser.find_elements(by.CSS_SELECTOR, "#feed li.feed-item"))
    api = world.staff(stack)
    # A number the service has texted: replies from numbers it never texted reach the feed only once the
    # after-the-hire work lands (see the open issue on inbound SMS without an offer).
    texted = wait_until(
        lambda: [
            n["worker_id"]
            for n in api.get("/api/v1/notifications", params={"site_id": world.site["id"]}).json()["items"]
            if n["worker_id"] in world.phones
        ],
        timeout=60,
        what="an SMS to one of the site's workers",
    )
    worker_id = texted[0]
    time.sleep(1)  # the stream is connected
    reply = httpx.post(
        f"{stack.gateway}/api/v1/sms/inbound",
        json={"phone": world.phones[worker_id], "text": "请问在哪里上班"},
        headers={"X-Anju-Callback-Token": CALLBACK_TOKEN},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    wait_until(
        lambda: len(browser.find_elements(by.CSS_SELECTOR, "#feed li.feed-item")) > before,
        timeout=30,
        what="a new feed item without reloading",
    )
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1
    snap(browser, "feed")
    only_console_hosts(browser, console)


def test_reveal_a_phone_with_a_reason_and_see_the_audit_entry(
    browser: Any, console: Proc, world: World, stack: Stack
) -> None:
    login(browser, console, world)
    by = _by()
    worker_id = next(iter(world.phones))
    phone = world.phones[worker_id]
    browser.get(f"{console.url}/workers/{worker_id}")
    assert phone not in browser.page_source
    # placements: the API's answer, or an honest empty state while the service has no such endpoint
    assert browser.find_elements(by.CSS_SELECTOR, "#placements tbody tr")
    reason = f"短信发送失败，电话通知面试 {worker_id[:6]}"
    browser.find_element(by.ID, "reveal-reason").send_keys(reason)
    browser.find_element(by.ID, "reveal-button").click()
    wait_until(lambda: browser.find_elements(by.ID, "audit-entry"), what="the audit entry")
    assert text(browser, "phone-full").endswith(phone[-10:])
    assert text(browser, "audit-reason") == reason
    audit_id = text(browser, "audit-id")
    snap(browser, "worker-reveal")
    admin = httpx.Client(base_url=stack.gateway, headers=admin_headers(stack), timeout=30)
    log = admin.get("/api/v1/pii-reveals", params={"worker_id": worker_id}).json()["items"]
    entry = next(e for e in log if e["id"] == audit_id)
    assert (entry["field"], entry["reason"]) == ("phone", reason)
    # an empty reason is refused by the browser; a short one by the API, in Chinese, and nothing is shown
    browser.get(f"{console.url}/workers/{worker_id}")
    assert phone[-10:] not in browser.page_source
    browser.execute_script("document.getElementById('reveal-reason').removeAttribute('minlength')")
    browser.find_element(by.ID, "reveal-reason").send_keys("看看")
    browser.find_element(by.ID, "reveal-button").click()
    wait_until(lambda: browser.find_elements(by.CSS_SELECTOR, ".problem"), what="the API's refusal")
    assert "body.reason" in browser.find_element(by.CSS_SELECTOR, ".problem").text
    assert phone[-10:] not in browser.page_source
    assert len(admin.get("/api/v1/pii-reveals", params={"worker_id": worker_id}).json()["items"]) == len(log)
    only_console_hosts(browser, console)


def test_why_not_explains_a_worker_missing_from_the_ranking(
    browser: Any, console: Proc, world: World, stack: Stack
) -> None:
    job = world.jobs[0]
    with world.staff(stack) as api:
        ranked = api.get(f"/api/v1/jobs/{job['id']}/matches", params={"include_ranking": "true"}).json()
        shown = {m["worker_id"] for m in ranked["matches"] + (ranked.get("ranking") or [])}
        missing = next((w for w in world.names if w not in shown), next(iter(world.names)))
        probe = api.get(f"/api/v1/jobs/{job['id']}/matches/explain", params={"worker_id": missing})
    if probe.status_code == 404:
        pytest.skip("the explain endpoint is not on this branch yet (GET …/matches/explain answers 404)")
    assert probe.status_code == 200, probe.text
    expected = probe.json()
    login(browser, console, world)
    by = _by()
    browser.get(f"{console.url}/jobs/{job['id']}")
    name = world.names[missing]
    browser.find_element(by.ID, "why-q").send_keys(name)
    browser.find_element(by.ID, "why-button").click()

    def picked() -> bool:
        links = browser.find_elements(by.CSS_SELECTOR, f"#why-candidates a[data-worker-id='{missing}']")
        if links:
            links[0].click()
        return bool(browser.find_elements(by.CSS_SELECTOR, f".explain[data-worker-id='{missing}']"))

    wait_until(picked, what="the explanation")
    verdict = browser.find_element(by.CSS_SELECTOR, ".explain").get_attribute("data-eligible")
    assert verdict == ("true" if expected["eligible"] else "false")
    rows = browser.find_elements(by.CSS_SELECTOR, "#explain-filters tbody tr")
    assert [r.get_attribute("data-code") for r in rows] == [f["code"] for f in expected["filters"]]
    assert [r.find_elements(by.TAG_NAME, "td")[0].text for r in rows] == [
        f["zh"] for f in expected["filters"]
    ]
    snap(browser, "job-why-not")
    browser.find_element(by.ID, "lang-switch").click()
    wait_until(
        lambda: browser.find_element(by.TAG_NAME, "html").get_attribute("lang") == "en", what="English"
    )
    rows = browser.find_elements(by.CSS_SELECTOR, "#explain-filters tbody tr")
    assert [r.find_elements(by.TAG_NAME, "td")[0].text for r in rows] == [
        f["en"] for f in expected["filters"]
    ]
    only_console_hosts(browser, console)


def test_skill_autocomplete_and_the_masked_export(
    browser: Any, console: Proc, world: World, stack: Stack
) -> None:
    login(browser, console, world)
    by = _by()
    browser.get(f"{console.url}/workers")
    browser.find_element(by.ID, "skill").send_keys("缝纫")
    options = wait_until(
        lambda: [
            o.get_attribute("value") for o in browser.find_elements(by.CSS_SELECTOR, "#skill-options option")
        ],
        what="skill suggestions from the vocabulary",
    )
    with world.staff(stack) as api:
        expected = api.get("/api/v1/taxonomy/trades", params={"q": "缝纫"}).json()
    assert options == [o["zh"] for o in expected]
    wait_until(lambda: "skill=" in browser.current_url, what="the skill search")
    href = wait_until(
        lambda: browser.find_element(by.ID, "workers-export").get_attribute("href"), what="the export link"
    )
    assert "skill=" in href
    cookie = browser.get_cookie("anju_console")["value"]
    sheet = httpx.get(href, cookies={"anju_console": cookie}, timeout=60)
    assert sheet.status_code == 200, sheet.text[:500]
    rows = list(
        load_workbook(io.BytesIO(sheet.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][0] == "姓名 name"
    with world.staff(stack) as api:
        listed = api.get(
            "/api/v1/workers", params={"site_id": world.site["id"], "skill": "缝纫", "limit": 200}
        )
    assert {r[-1] for r in rows[1:]} == {w["id"] for w in listed.json()["items"]}
    for r in rows[1:]:
        assert world.phones.get(str(r[-1]), "x" * 11)[-8:] not in " ".join(str(c) for c in r)
    only_console_hosts(browser, console)


def test_gateway_docs_load_nothing_from_other_hosts(browser: Any, stack: Stack) -> None:
    by = _by()
    for page in ("/docs", "/redoc"):
        browser.get(f"{stack.gateway}{page}")
        wait_until(
            lambda: browser.find_elements(by.CSS_SELECTOR, ".swagger-ui .info, .api-info, [role=navigation]"),
            timeout=60,
            what=f"{page} rendered",
        )
        hosts = requested_hosts(browser)
        assert hosts and hosts <= {urlsplit(stack.gateway).netloc}, (page, hosts)


# Each main page with the actions an office worker needs on it (CSS selectors).
MAIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "/": ("#stats-download", "#lang-switch", "nav a[href='/workers']"),
    "/households": ("form.filters button[type=submit]",),
    "/workers": ("#q", "#search-button", "#workers-export"),
    "/worker": ("#reveal-reason", "#reveal-button"),
    "/jobs": ("form.filters button[type=submit]", "#jobs a[href^='/jobs/']"),
    "/job": ("#proposals button.act", "#why-q", "#why-button"),
    "/import": ("#import-file", "#import-button"),
    "/feed": ("#tasks, #tasks-empty", "#feed, #feed-empty"),
    "/downloads": ("#dl-stats", "#dl-standard", "#dl-workers"),
}
REACHABLE = """
const el = arguments[0];
el.scrollIntoView({block: 'center', inline: 'nearest'});
const r = el.getBoundingClientRect();
return [r.left, r.right, r.top, r.bottom, r.width, r.height, window.innerWidth, window.innerHeight,
        document.documentElement.scrollWidth];
"""


def test_main_pages_fit_a_1366_by_768_screen(browser: Any, console: Proc, world: World, stack: Stack) -> None:
    by = _by()
    assert browser.execute_script("return [window.outerWidth, window.outerHeight]") == [1366, 768]
    login(browser, console, world)
    worker_id = next(iter(world.names))
    with world.staff(stack) as api:
        job_id = next(
            j["id"]
            for j in world.jobs
            if any(
                m["status"] in ("proposed", "notified", "interested", "referred")
                for m in api.get(f"/api/v1/jobs/{j['id']}/matches").json()["matches"]
            )
        )
    paths = {"/worker": f"/workers/{worker_id}", "/job": f"/jobs/{job_id}"}
    for page, selectors in MAIN_ACTIONS.items():
        browser.get(console.url + paths.get(page, page))
        assert "/login" not in browser.current_url, page
        wide, inner = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert wide <= inner, f"{page} scrolls sideways: {wide} px wide in a {inner} px window"
        for selector in selectors:
            element = next(
                (e for e in browser.find_elements(by.CSS_SELECTOR, selector) if e.is_displayed()), None
            )
            assert element is not None, f"{page}: {selector} is not shown"
            left, right, top, bottom, width, height, w, h, wide = browser.execute_script(REACHABLE, element)
            assert width > 0 and height > 0, (page, selector)
            assert left >= 0 and right <= w, f"{page}: {selector} is cut off sideways ({left}–{right} of {w})"
            assert top >= 0 and bottom <= h, f"{page}: {selector} cannot be scrolled into view"
            assert wide <= w, page
    only_console_hosts(browser, console)
