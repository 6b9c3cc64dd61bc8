"""Regenerate the dashboard screenshots of the README and docs/dashboard.md.

    PYTHONPATH=. python scripts/screenshots.py          # or: make screenshots

Starts `alliance-sim app` on a free port of 127.0.0.1 (the same launcher users run, with
its session token), drives Debian's Chromium through Playwright (no browser download), waits
for the first ensemble, and saves:

    docs/img/dashboard.png       the ensemble tab (levers, charts, effects table)
    docs/img/dashboard-mesa.png  the Mesa tab after ten steps

Nothing is drawn by hand: the pictures are of the page as it runs now.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sim.app.guard import new_token
from sim.app.serve import address, listen, start

SCENARIO = Path("scenarios/baseline.yaml")
OUT = Path("docs/img")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update"]  # fmt: skip
WAIT_MS = 240_000


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"screenshots: the dashboard exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"screenshots: the dashboard did not answer at {url}")


def shoot(url: str, browser: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser, headless=True, args=FLAGS)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=WAIT_MS)
            expect(page.locator(".run-label")).to_contain_text("run 1:", timeout=WAIT_MS)
            expect(page.locator(".effects-table")).to_be_visible()
            ensemble = out / "dashboard.png"
            page.screenshot(path=str(ensemble))
            page.get_by_role("tab", name="Single run (Mesa)").click()
            step = page.get_by_role("button", name="Step", exact=True)
            for k in range(1, 11):
                step.click()
                expect(page.get_by_text(f"Step: {k}", exact=True)).to_be_visible(timeout=30_000)
            mesa = out / "dashboard-mesa.png"
            page.screenshot(path=str(mesa))
            return [ensemble, mesa]
        finally:
            chromium.close()


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("screenshots: no Chromium found (`make browser` installs it)")
    token = new_token()
    with listen("127.0.0.1", 0) as sock:
        proc = start(SCENARIO, sock, token, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = address(sock, token)
    try:
        wait_until_up(url, proc)
        for path in shoot(url, browser, OUT):
            print(path)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
