"""The office console as a real process in front of the e2e stack, a small demo site, and a real browser."""

from __future__ import annotations

import json
import random
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from anju_common.testing import free_port

from scripts import demo as demo_script
from tests.e2e.harness import ROOT, Proc, Stack, _spawn, admin_headers, wait_ready

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def build_assets() -> None:
    """The console's browser libraries, installed from the npm registry by the project's own script."""
    subprocess.run(["bash", str(ROOT / "console" / "build.sh")], check=True, timeout=600)


def start_console(stack: Stack, workdir: Path) -> Proc:
    """Start `python -m console` on a free port, talking to the stack's gateway only."""
    build_assets()
    port = free_port()
    env = {
        **stack.env,
        "CONSOLE_PORT": str(port),
        "CONSOLE_GATEWAY_URL": stack.gateway,
        "CONSOLE_SESSION_SECRET": secrets.token_urlsafe(32),
    }
    log = workdir / "console.log"
    proc = Proc("console", port, log, _spawn("console", env, log), env)
    wait_ready(proc)
    return proc


@dataclass
class World:
    """A small resettlement site with its office account, households, workers and jobs."""

    site: dict[str, Any]
    username: str
    password: str
    names: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def staff(self, stack: Stack) -> httpx.Client:
        """An API client logged in as the office account."""
        token = httpx.post(
            f"{stack.gateway}/api/v1/auth/token",
            data={"username": self.username, "password": self.password},
            timeout=30,
        ).json()["access_token"]
        return httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def build_world(stack: Stack, households: int = 24, seed: int = 13) -> World:
    """A site built the way `make demo` builds one (its own functions), with an office account we can log in
    with, and the jobs' proposals ready."""
    admin = httpx.Client(base_url=stack.gateway, headers=admin_headers(stack), timeout=60)
    demo = demo_script.Demo(gateway=stack.gateway, rng=random.Random(seed))
    demo.admin = admin
    stamp = uuid.uuid4().hex[:6]
    demo.site = demo.call(
        admin, "POST", "/api/v1/sites", 201, json={**demo_script.SITE, "name": f"王家社区安置点 {stamp}"}
    )
    username, password = f"office-{stamp}", secrets.token_urlsafe(14)
    demo.call(
        admin,
        "POST",
        "/api/v1/users",
        201,
        json={
            "username": username,
            "password": password,
            "role": "office_staff",
            "site_ids": [demo.site["id"]],
        },
    )
    demo.staff = demo_script.login(stack.gateway, username, password)
    demo_script.register_households(demo, households)
    demo_script.post_jobs_and_courses(demo)
    world = World(
        site=demo.site,
        username=username,
        password=password,
        names=dict(demo.names),
        phones=dict(demo.phones),
        jobs=demo.jobs,
    )
    deadline = time.monotonic() + 90
    staff = demo.staff
    while time.monotonic() < deadline:
        ready = [j for j in world.jobs if staff.get(f"/api/v1/jobs/{j['id']}/matches").json().get("matches")]
        if ready:
            return world
        time.sleep(1)
    raise AssertionError(f"no proposals after 90 s\n{stack.tails()}")


def make_browser(performance_log: bool = True) -> Any:
    """Debian's chromium, headless, 1366×768, driven by Selenium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,768",
        "--lang=zh-CN",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(arg)
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def browser_available() -> bool:
    """Whether Debian's chromium and chromedriver are installed (deploy/local/install.sh installs them)."""
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists() and shutil.which("chromium") is not None


def requested_hosts(driver: Any) -> set[str]:
    """Every host:port the page asked for since the last call (from Chrome's DevTools network log)."""
    hosts: set[str] = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome"):
            continue
        hosts.add(parts.netloc)
    return hosts


def print_failure(stack: Stack, console: Proc) -> None:
    """The logs a failing browser test needs."""
    print(stack.tails(), file=sys.stderr)
    print(f"===== console =====\n{console.tail(80)}", file=sys.stderr)
