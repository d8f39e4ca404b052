"""Console page-speed benchmark (not part of the test suite).

    .venv/bin/python -m bench.console [--households 240] [--rounds 20] [--browser-rounds 5]
    .venv/bin/python -m bench.console --console http://127.0.0.1:8005 --username U --password P

By default it starts its own stack as the browser tests do (every service, the gateway and the console on
free ports, private databases and topics on the local PostgreSQL/Kafka/Redis), loads a site the size of
`make demo` through the public API, waits for the proposals, then times each main page: the full answer
of the console to a signed-in GET, i.e. every gateway call that page makes plus the rendering; then the
same pages in Debian's chromium at 1366×768 (navigation timing: response start, DOM ready, load, and
whether the page is wider than the window). With --console it measures a console that is already running
(`make up` then `make demo`) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.e2e.harness import Stack

TARGET_MS = 1000.0


def pages(client: httpx.Client) -> dict[str, str]:
    """The main pages, with real ids taken from the console's own lists."""
    sites = client.get("/")
    sites.raise_for_status()
    jobs = client.get("/jobs").text
    job_id = worker_id = ""
    # a job with proposals, and a worker of them: one the matching service knows, with proposals shown
    for part in jobs.split('href="/jobs/')[1:]:
        job_id = part.split('"', 1)[0]
        job = client.get(f"/jobs/{job_id}").text
        if 'href="/workers/' in job:
            worker_id = job.split('href="/workers/', 1)[1].split('"', 1)[0]
            break
    if not worker_id:
        raise SystemExit("no job with proposals yet")
    return {
        "dashboard": "/",
        "households": "/households",
        "workers": "/workers",
        "workers, name search": "/workers?q=%E7%8E%8B",  # 王
        "workers, skill search": "/workers?skill=%E7%BC%9D%E7%BA%AB",  # 缝纫, read through the vocabulary
        "worker": f"/workers/{worker_id}",
        "jobs": "/jobs",
        "job with ranking": f"/jobs/{job_id}",
        "job, why not": f"/jobs/{job_id}/explain?worker_id={worker_id}",
        "import": "/import",
        "feed": "/feed",
        "downloads": "/downloads",
    }


def percentiles(times: list[float]) -> dict[str, float]:
    """p50, p95 and max of a list of milliseconds."""
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
    }


def measure(client: httpx.Client, rounds: int) -> dict[str, dict[str, float]]:
    """Milliseconds per page: p50, p95 and max over the rounds (after one warm-up request each)."""
    out: dict[str, dict[str, float]] = {}
    for name, path in pages(client).items():
        assert client.get(path).status_code == 200, path
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1e3)
            assert response.status_code == 200, (path, response.status_code)
        out[name] = percentiles(times)
    return out


NAVIGATION = """
const n = performance.getEntriesByType('navigation')[0];
return [n.responseStart, n.domContentLoadedEventEnd, n.loadEventEnd,
        document.documentElement.scrollWidth, window.innerWidth];
"""


def measure_browser(
    console: str, username: str, password: str, paths: dict[str, str], rounds: int
) -> dict[str, dict[str, Any]]:
    """Each page in chromium at 1366×768: milliseconds from navigation start to the first byte, DOM ready
    and load (p50/p95 over the rounds, after one warm-up), and whether it scrolls sideways."""
    from selenium.webdriver.common.by import By

    from tests.console.harness import browser_available, make_browser

    if not browser_available():
        print("chromium/chromedriver not installed: no browser timings", file=sys.stderr)
        return {}
    driver = make_browser(performance_log=False)
    try:
        driver.get(f"{console}/login")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "login-button").click()
        deadline = time.monotonic() + 60
        while not driver.find_elements(By.ID, "fig-labour-force"):
            if time.monotonic() > deadline:
                raise SystemExit("browser login failed")
            time.sleep(0.2)
        out: dict[str, dict[str, Any]] = {}
        for name, path in paths.items():
            driver.get(console + path)
            first, ready, load = [], [], []
            widest = 0
            for _ in range(rounds):
                driver.get(console + path)
                response_start, dom_ready, loaded, scroll_width, inner_width = driver.execute_script(
                    NAVIGATION
                )
                first.append(float(response_start))
                ready.append(float(dom_ready))
                load.append(float(loaded))
                widest = max(widest, int(scroll_width) - int(inner_width))
            out[name] = {
                "first_byte": percentiles(first),
                "dom_ready": percentiles(ready),
                "load": percentiles(load),
                "wider_than_window_px": widest,
            }
        return out
    finally:
        driver.quit()


def signed_in(console: str, username: str, password: str) -> httpx.Client:
    """A client holding the console's session cookie."""
    client = httpx.Client(base_url=console, timeout=60, follow_redirects=True)
    answer = client.post("/login", data={"username": username, "password": password, "next": "/"})
    if "fig-labour-force" not in answer.text:
        raise SystemExit(f"login to {console} failed: {answer.status_code}")
    return client


def _patient_with_unavailable() -> None:
    """Registering a demo-sized site on a loaded machine can meet a gateway 503 (the service did not take
    the connection): wait and send again, as an office would, instead of stopping the whole run."""
    from scripts import demo as demo_script

    polite = demo_script.polite

    def patient(send: Any) -> httpx.Response:
        response: httpx.Response = polite(send)
        for attempt in range(8):
            if response.status_code != 503:
                break
            time.sleep(1.0 + attempt)
            response = polite(send)
        return response

    demo_script.polite = patient


def _started(start: Callable[[int], Stack]) -> Stack:
    """The stack, started again (up to three times) when a step of it times out: on a loaded machine a
    one-off command such as creating the administrator can take longer than the harness waits."""
    for attempt in range(1, 4):
        try:
            return start(attempt)
        except (subprocess.TimeoutExpired, RuntimeError) as exc:
            if attempt == 3:
                raise
            print(f"stack start {attempt} failed ({type(exc).__name__}); again", file=sys.stderr)
    raise AssertionError("unreachable")


@contextmanager
def own_stack(households: int) -> Iterator[tuple[str, str, str, int]]:
    """The stack, the console and a demo-sized site, stopped and dropped afterwards."""
    from anju_common.testing import Infra

    from tests.console.harness import build_world, start_console
    from tests.e2e.harness import start_stack

    _patient_with_unavailable()
    infra = Infra()
    workdir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    stack = _started(lambda attempt: start_stack(infra, workdir / f"stack-{attempt}"))
    console = None
    try:
        console = start_console(stack, workdir)
        started = time.monotonic()
        world = build_world(stack, households=households, seed=random.randrange(1000))
        with world.staff(stack) as api:
            workers = 0
            cursor = None
            while True:
                params: dict[str, Any] = {"site_id": world.site["id"], "limit": 200, "cursor": cursor}
                page = api.get("/api/v1/workers", params={k: v for k, v in params.items() if v}).json()
                workers += len(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    break
        print(f"site loaded in {time.monotonic() - started:.0f} s: {workers} workers", file=sys.stderr)
        yield console.url, world.username, world.password, workers
    finally:
        if console is not None:
            console.stop()
        stack.stop()
        infra.drop_databases()


def main() -> None:
    """Print the per-page table and one JSON line of results."""
    parser = argparse.ArgumentParser(prog="python -m bench.console")
    parser.add_argument("--households", type=int, default=240, help="size of the site (make demo: 240)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--browser-rounds", type=int, default=5, help="0: no chromium timings")
    parser.add_argument("--console", help="measure this running console instead of starting a stack")
    parser.add_argument("--username")
    parser.add_argument("--password")
    args = parser.parse_args()
    load_before = os.getloadavg()
    browser: dict[str, dict[str, Any]] = {}

    def run(url: str, username: str, password: str) -> dict[str, dict[str, float]]:
        nonlocal browser
        client = signed_in(url, username, password)
        results = measure(client, args.rounds)
        if args.browser_rounds > 0:
            browser = measure_browser(url, username, password, pages(client), args.browser_rounds)
        return results

    if args.console:
        results = run(args.console, args.username, args.password)
        workers = None
    else:
        with own_stack(args.households) as (url, username, password, workers):
            results = run(url, username, password)
    load_after = os.getloadavg()
    width = max(map(len, results))
    for name, r in results.items():
        flag = "ok" if r["p95_ms"] < TARGET_MS else "OVER 1 s"
        print(
            f"{name:<{width}}  p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  {flag}",
            file=sys.stderr,
        )
    for name, b in browser.items():
        fits = "fits 1366" if b["wider_than_window_px"] <= 0 else "WIDER THAN 1366"
        print(
            f"{name:<{width}}  chromium load p50 {b['load']['p50_ms']:>7.1f} ms"
            f"  p95 {b['load']['p95_ms']:>7.1f} ms  {fits}",
            file=sys.stderr,
        )
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="minutes"),
                "machine": f"{platform.machine()} {os.cpu_count()} cpus",
                "load_average_1m": [round(load_before[0], 2), round(load_after[0], 2)],
                "households": None if args.console else args.households,
                "workers": workers,
                "rounds": args.rounds,
                "pages": results,
                "browser": browser,
                "all_under_1s_p95": all(r["p95_ms"] < TARGET_MS for r in results.values()),
                "browser_all_under_1s_p95": all(b["load"]["p95_ms"] < TARGET_MS for b in browser.values())
                if browser
                else None,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
