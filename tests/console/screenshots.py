"""Start the stack, the console and a demo site, take the screenshots in docs/console/, then stop.

.venv/bin/python -m tests.console.screenshots [--keep]    (--keep: leave it running and print the URLs)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from anju_common.testing import Infra

from tests.console.harness import build_world, make_browser
from tests.e2e.harness import ROOT, start_stack

OUT = ROOT / "docs" / "console"


def login(driver: object, base: str, username: str, password: str) -> None:
    """Log in through the login page."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "username").send_keys(username)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "password").send_keys(password)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "login-button").click()  # type: ignore[attr-defined]


def main() -> None:
    """Screenshots of the main pages at 1366×768."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from tests.console.harness import start_console

    infra = Infra()
    workdir = Path(tempfile.mkdtemp(prefix="anju-console-"))
    stack = start_stack(infra, workdir)
    try:
        console = start_console(stack, workdir)
        world = build_world(stack, households=40)
        base = console.url
        driver = make_browser(performance_log=False)
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            driver.get(f"{base}/login")
            driver.save_screenshot(str(OUT / "login.png"))
            login(driver, base, world.username, world.password)
            pages = {
                "dashboard": "/",
                "workers": "/workers?q=" + next(iter(world.names.values()))[:1],
                "households": "/households?zero_employment=true",
                "job": f"/jobs/{world.jobs[0]['id']}",
                "feed": "/feed",
            }
            for name, path in pages.items():
                driver.get(base + path)
                time.sleep(0.5)
                driver.save_screenshot(str(OUT / f"{name}.png"))
            worker_id = next(iter(world.names))
            driver.get(f"{base}/workers/{worker_id}")
            driver.save_screenshot(str(OUT / "worker.png"))
            driver.get(f"{base}/lang?to=en&next=/")
            driver.save_screenshot(str(OUT / "dashboard-en.png"))
        finally:
            driver.quit()
        if args.keep:
            print(f"console {base}  gateway {stack.gateway}  login {world.username} / {world.password}")
            while True:
                time.sleep(60)
    finally:
        stack.stop()
        if "console" in locals():
            console.stop()


if __name__ == "__main__":
    main()
