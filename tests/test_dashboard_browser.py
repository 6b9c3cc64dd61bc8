"""The dashboard in a real browser: start it on 127.0.0.1 as `alliance-sim app` does (its
session token, its origin guard), drive the system Chromium with Playwright.

- moving a lever and running changes the charts; a lever an event shadows names the event;
- two scenarios compare over time; the Mesa tab holds its own controls, and Step after a
  scenario switch advances the new scenario;
- export writes a results folder with its report;
- a page of another origin cannot open the dashboard's websocket, even carrying its cookie.

No browser is downloaded: Playwright launches Debian's `chromium` (installed by `make
browser`, which `make test` runs). Without a browser these tests fail with one line; they
are never skipped. One server serves the whole module (each test has its own browser
session), started in a temporary folder so exports land there.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from sim.app.guard import new_token
from sim.app.levers import levers_for
from sim.app.serve import address, listen, start
from sim.results_io import check_folder
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "baseline.yaml"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_MS = 180_000  # a first ensemble on a busy 2-core machine
CHARTS = ("escalation", "distancing", "network")
pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """(url with the token, the server's working folder, where exports land)."""
    work = tmp_path_factory.mktemp("dashboard")
    log = work / "server.log"
    token = new_token()
    with listen("127.0.0.1", 0) as sock, log.open("w") as out:
        proc = start(SCENARIO, sock, token, stdout=out, stderr=subprocess.STDOUT, cwd=work)
        url = address(sock, token)
    try:
        wait_until_up(url, proc, log)
        yield url, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def browser(tmp_path):
    """A fresh browser session (its own cookies, so its own dashboard session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium(), headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


def opened(browser, url: str):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(url, timeout=WAIT_MS)
    expect(page.locator(".run-label")).to_contain_text("run 1:", timeout=WAIT_MS)
    return page


def chart_images(page) -> dict[str, bytes]:
    return {name: page.locator(f".chart-{name} img").screenshot() for name in CHARTS}


def test_moving_a_lever_and_running_changes_the_charts(dashboard, browser, tmp_path):
    from playwright.sync_api import expect

    url, work = dashboard
    loaded = load_scenario(SCENARIO)
    lever = levers_for(loaded)[0]
    assert not lever.shadowed
    page = opened(browser, url)
    label = page.locator(".run-label")
    expect(label).to_contain_text("as written")
    before = chart_images(page)

    # The evidence behind the lever's value shows on hover.
    page.locator(f".{lever.css}").hover()
    first_id = lever.tooltip.splitlines()[1].split(":")[0]
    expect(page.locator(".v-tooltip__content").first).to_contain_text(first_id)

    # A lever an event replaces at step 0 shows the value that acts and names the event.
    pact = next(lv for lv in levers_for(loaded) if lv.shadowed)
    expect(page.locator(f".{pact.css}")).to_contain_text(f"{pact.value:g} (scenario:")
    expect(page.locator(f".{pact.css} .shadowed")).to_contain_text(pact.event.split()[0])

    # Move the lever to its maximum with the keyboard, as a user can.
    page.locator(f".{lever.css} [role=slider]").focus()
    page.keyboard.press("End")
    expect(page.locator(f".{lever.css}")).to_contain_text(f"{lever.hi:g} (scenario:")

    page.locator(".run-ensemble").click()
    expect(label).to_contain_text("run 2:", timeout=WAIT_MS)
    path_shown = lever.path.split(".", 1)[1]
    expect(label).to_contain_text(re.compile(re.escape(f"{path_shown}={lever.hi:g}")))
    after = chart_images(page)
    expect(page.locator(".effects-table")).to_contain_text("final distancing")
    page.screenshot(path=str(tmp_path / "dashboard.png"))

    # Export: the run's results folder and its report, under the server's results/.
    page.locator(".export").click()
    expect(page.locator(".exported")).to_contain_text("exported to", timeout=WAIT_MS)
    (folder,) = (work / "results" / "dashboard").iterdir()
    assert check_folder(folder)["kind"] == "run"
    assert (folder / "report.html").stat().st_size > 1000

    changed = [name for name in CHARTS if before[name] != after[name]]
    assert {"escalation", "distancing"} <= set(changed), (
        f"unchanged charts: {set(CHARTS) - set(changed)}"
    )


def test_compare_and_mesa_tabs_and_step_after_a_scenario_switch(dashboard, browser):
    from playwright.sync_api import expect

    url, _ = dashboard
    page = opened(browser, url)
    step = page.get_by_role("button", name="Step", exact=True)
    expect(step).to_be_hidden()  # not in the sidebar: the Mesa controls are on the Mesa tab
    page.get_by_role("tab", name=re.compile("single run", re.I)).click()
    title = page.locator(".mesa-title")
    expect(title).to_contain_text("baseline: replication 0")
    step.click()
    expect(page.get_by_text("Step: 1", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("Step: 0", exact=True)).to_be_visible(timeout=30_000)
    step.click()
    expect(page.get_by_text("Step: 1", exact=True)).to_be_visible(timeout=30_000)

    # Compare over time: the sidebar's scenario against another, on one seed.
    other = "china_restrains"
    page.get_by_role("tab", name=re.compile("compare over time", re.I)).click()
    page.locator(".compare-controls .v-select").filter(has_text="Compare with").click()
    page.get_by_role("option", name=re.compile(other)).click()
    page.locator(".run-compare").click()
    expect(page.locator(".compare-label")).to_contain_text(f"baseline vs {other}",
                                                           timeout=WAIT_MS)  # fmt: skip
    expect(page.locator(".chart-compare img")).to_be_visible()
    page.get_by_role("tab", name=re.compile("single run", re.I)).click()

    # Switch the scenario: the Mesa run is the new scenario's, and Step advances it.
    page.locator(".scenario-select").click()
    page.get_by_role("option", name=re.compile(other)).click()
    expect(title).to_contain_text(f"{other}: replication 0", timeout=WAIT_MS)
    expect(page.get_by_text("Step: 0", exact=True)).to_be_visible(timeout=30_000)
    step.click()
    expect(page.get_by_text("Step: 1", exact=True)).to_be_visible(timeout=30_000)
    expect(title).to_contain_text(other)


class _Foreign(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass


PROBE = """async (target) => await new Promise((resolve) => {
    const ws = new WebSocket(target);
    ws.onopen = () => { resolve("open"); ws.close(); };
    ws.onerror = () => resolve("refused");
    setTimeout(() => resolve("timeout"), 20000);
})"""


def test_a_page_of_another_origin_cannot_drive_the_dashboard(dashboard, browser, tmp_path):
    url, _ = dashboard
    page = opened(browser, url)  # the browser now holds the session cookie
    base = url.split("?")[0].replace("http", "ws")
    kernel = f"{base}jupyter/api/kernels/probe/channels?session_id=probe"
    (tmp_path / "evil.html").write_text("<html><body>another site</body></html>")
    handler = lambda *a: _Foreign(*a, directory=str(tmp_path))  # noqa: E731
    foreign = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    try:
        evil = browser.new_page()
        evil.goto(f"http://127.0.0.1:{foreign.server_address[1]}/evil.html")
        assert evil.evaluate(PROBE, kernel) == "refused"
        # The ablation: the same probe from the dashboard's own page opens the websocket.
        assert page.evaluate(PROBE, kernel) == "open"
    finally:
        foreign.shutdown()
