"""The dashboard in a real browser: start `alliance-sim app` on 127.0.0.1, drive the system
Chromium with Playwright, move a lever, run, and check that the charts changed.

No browser is downloaded: Playwright launches Debian's `chromium` (installed by `make
browser`, which `make test` runs). Without a browser this test fails with one line; it is
never skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from sim.app.guard import new_token
from sim.app.levers import levers_for
from sim.app.serve import address, listen, start
from sim.scenario.loader import load_scenario

SCENARIO = Path("scenarios/baseline.yaml")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_MS = 180_000  # a first ensemble on a busy 2-core machine
CHARTS = ("escalation", "distancing", "network")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "no Chromium found: `make browser` installs it (apt-get install chromium)",
            pytrace=False,
        )
    return path


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Until `url` (with the session token) answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the dashboard exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the dashboard did not answer at {url} within {seconds:.0f} s")


@pytest.fixture
def dashboard(tmp_path):
    log = tmp_path / "server.log"
    token = new_token()
    with listen("127.0.0.1", 0) as sock, log.open("w") as out:
        proc = start(SCENARIO, sock, token, stdout=out, stderr=subprocess.STDOUT)
        url = address(sock, token)
    try:
        wait_until_up(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def chart_images(page) -> dict[str, bytes]:
    return {name: page.locator(f".chart-{name} img").screenshot() for name in CHARTS}


def test_moving_a_lever_and_running_changes_the_charts(dashboard, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    browser = chromium()
    lever = levers_for(load_scenario(SCENARIO))[0]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=browser, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        try:
            page = context.new_page()
            page.goto(dashboard, timeout=WAIT_MS)
            label = page.locator(".run-label")
            expect(label).to_contain_text("run 1:", timeout=WAIT_MS)
            expect(label).to_contain_text("as written")
            before = chart_images(page)

            # The evidence behind the lever's value shows on hover.
            page.locator(f".{lever.css}").hover()
            first_id = lever.tooltip.splitlines()[1].split(":")[0]
            expect(page.locator(".v-tooltip__content").first).to_contain_text(first_id)

            # Move the lever to its maximum with the keyboard, as a user can.
            page.locator(f".{lever.css} [role=slider]").focus()
            page.keyboard.press("End")
            expect(page.locator(f".{lever.css}")).to_contain_text(f"{lever.hi:g} (scenario:")

            page.locator(".run-ensemble").click()
            expect(label).to_contain_text("run 2:", timeout=WAIT_MS)
            path_shown = lever.path.split(".", 1)[1]
            expect(label).to_contain_text(re.compile(re.escape(f"{path_shown}={lever.hi:g}")))
            after = chart_images(page)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

            # The teaching run: Mesa's SolaraViz controls step and reset one replication.
            page.get_by_role("tab", name=re.compile("single run", re.I)).click()
            step = page.get_by_role("button", name="Step", exact=True)
            step.click()
            expect(page.get_by_text("Step: 1")).to_be_visible(timeout=30_000)
            step.click()
            expect(page.get_by_text("Step: 2")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.get_by_text("Step: 0")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(tmp_path / "mesa-run.png"))
        finally:
            context.close()
    changed = [name for name in CHARTS if before[name] != after[name]]
    assert {"escalation", "distancing"} <= set(changed), (
        f"unchanged charts: {set(CHARTS) - set(changed)}"
    )
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
