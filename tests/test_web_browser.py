"""The web view in a real browser, as a researcher uses it: Debian's Chromium driven by Playwright, against
`newsarchive serve` over an archive filled by a real crawl of the demo site.

The browser searches, opens an article, its story, a capture and the sites page, and takes a screenshot of
each; a screenshot must not be blank and must show Chinese glyphs (not the boxes of a missing font).
`NEWSARCHIVE_SCREENSHOTS=docs/screenshots` also copies them there (the README shows them).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_ENV
from tests.web_archive import HOSTILE_TITLE, fill

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
#: a page screenshot whose grey levels vary less than this (standard deviation, 0-255) is blank or nearly so
MIN_PIXEL_STDDEV = 10.0

pytestmark = pytest.mark.slow


def _missing(what: str) -> None:
    message = f"{what}: apt-get install -y chromium fonts-noto-cjk; pip install playwright"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(message + f" ({REQUIRE_ENV} is set, so this is an error)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """`newsarchive demo` crawls the demo site into a fresh archive; `newsarchive serve` serves it."""
    if not CHROMIUM.exists():
        _missing(f"no browser at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright is not installed")
    work = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{work / 'demo.db'}"
    demo = subprocess.run([sys.executable, "-m", "crawler.cli", "--db", url, "demo"], cwd=work, capture_output=True,
                          text=True, timeout=300, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert f"newsarchive --db {url} serve" in demo.stdout, "the demo ends by telling how to browse it"
    ids = fill(url)  # plus the hostile article, stored as a crawl would
    from storage.db import dispose_all

    dispose_all()
    command = [sys.executable, "-m", "crawler.cli", "--db", url, "serve", "--port", "0"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as server:
        try:
            line = server.stdout.readline() if server.stdout else ""
            assert "read-only on http://127.0.0.1:" in line, line
            yield {"base": line.split(" on ", 1)[1].split()[0].rstrip("/"), "ids": ids, "work": work}
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    dialogs: list[str] = []
    opened.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def api(site: dict[str, Any], path: str) -> Any:
    with urllib.request.urlopen(site["base"] + path, timeout=20) as response:
        return json.load(response)


def shoot(page: Any, site: dict[str, Any], name: str) -> bytes:
    """A screenshot of the page, checked not blank, kept as an artefact."""
    from PIL import Image, ImageStat

    png = page.screenshot(full_page=False)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (1200, 900)
    assert ImageStat.Stat(image).stddev[0] > MIN_PIXEL_STDDEV, f"{name}: the screenshot is blank"
    path = site["work"] / f"{name}.png"
    path.write_bytes(png)
    keep = os.environ.get("NEWSARCHIVE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / f"{name}.png")
    return png


def assert_draws_chinese_glyphs(locator: Any) -> None:
    """The element's Chinese characters render as distinct glyphs: with no CJK font every character is the
    same box, so the text and the text reversed would look alike."""
    locator.evaluate("el => { el.textContent = [...el.textContent].filter(c => /[\\u4e00-\\u9fff]/.test(c))"
                     ".slice(0, 12).join('') }")
    forwards = locator.screenshot()
    locator.evaluate("el => { el.textContent = [...el.textContent].reverse().join('') }")
    assert locator.screenshot() != forwards, "Chinese characters all look the same: is a CJK font installed?"


def test_a_researcher_searches_and_reads_the_results_in_chromium(page, site):
    page.goto(site["base"] + "/")
    page.fill("form.search input[name=q]", "平安")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_selector("li.hit")
    first_title = api(site, "/api/search?q=%E5%B9%B3%E5%AE%89")["results"][0]["title"]
    assert first_title in page.inner_text("ol.hits")
    assert page.locator("li.hit mark").first.inner_text() == "平安"
    assert page.locator("aside.facets").inner_text().count("demo") >= 1
    shoot(page, site, "search")
    assert_draws_chinese_glyphs(page.locator("li.hit h2 a").first)


def test_an_article_its_story_and_its_capture_open_from_the_results(page, site):
    copies = [r for r in api(site, "/api/search?site=demo&per=100")["results"] if not r["is_original"]]
    copy = next((r for r in copies if r["contributors"]), copies[0])  # a credited one, for the screenshot
    page.goto(site["base"] + f"/?site=demo&q={copy['title'][:4]}")
    page.click(f"a[href^='/articles/{copy['id']}']")
    page.wait_for_selector("article.article h1")
    assert page.inner_text("article.article h1") == copy["title"]
    assert copy["source"] in page.inner_text("dl.fields")
    shoot(page, site, "article")

    page.click(f"dd a[href='/stories/{copy['story_id']}']")
    page.wait_for_selector("table.timeline")
    timeline = page.inner_text("table.timeline")
    assert "first: the original" in timeline
    assert page.inner_text("p.first-published").startswith("Published first:")
    assert copy["title"] in timeline
    assert page.locator("svg.chart").count() == 1
    shoot(page, site, "story")

    page.goto(site["base"] + f"/articles/{copy['id']}")
    page.click("table.captures a:text('view')")
    page.wait_for_selector("iframe.capture")
    frame = page.frame_locator("iframe.capture")
    assert copy["title"] in frame.locator("body").inner_text()
    shoot(page, site, "capture")
    assert_draws_chinese_glyphs(page.locator("p.meta a").first)


def test_a_contributor_on_an_article_leads_to_a_contributor_search(page, site):
    credited = next(r for r in api(site, "/api/search?site=demo&per=100")["results"] if r["contributors"])
    name = credited["contributors"][0]["name"]
    page.goto(site["base"] + f"/articles/{credited['id']}")
    assert name in page.inner_text("dd.contributors")
    page.click(f"dd.contributors a:text('{name}')")
    page.wait_for_selector("li.hit")
    assert page.input_value("form.search input[name=contributor]") == name
    assert credited["title"] in page.inner_text("ol.hits")
    page.fill("form.search input[name=contributor]", name + "不存在")
    page.press("form.search input[name=contributor]", "Enter")
    page.wait_for_selector("p.count")
    assert "no matching articles" in page.inner_text("p.count")


def test_the_sites_page_draws_its_charts(page, site):
    page.goto(site["base"] + "/sites")
    assert page.locator("svg.chart rect.bar").count() > 0
    assert "demo" in page.inner_text("table.summary")
    assert "finished" in page.inner_text("table.runs")
    shoot(page, site, "sites")


def test_a_hostile_archived_article_runs_nothing_in_the_browser(page, site):
    ids = site["ids"]
    for path in (f"/articles/{ids.hostile}", "/?q=%E6%BC%94%E7%BB%83", f"/captures/{ids.hostile_capture}",
                 f"/articles/{ids.notice}", "/sites"):
        page.goto(site["base"] + path)
        assert page.locator("img").count() == 0, path
        assert page.locator("script").count() == 0, path
    page.goto(site["base"] + f"/articles/{ids.hostile}")
    assert page.inner_text("article.article h1") == HOSTILE_TITLE  # shown as the text it is
    page.goto(site["base"] + f"/captures/{ids.hostile_capture}")
    page.wait_for_selector("iframe.capture")
    assert page.frame_locator("iframe.capture").locator("h1").inner_text().startswith("防汛演练")
    assert page.dialogs == [], "a script from the archive ran"
