"""Accessibility and small screens, in Chromium: axe-core (vendored, tests/assets) finds no
serious or critical WCAG 2.1 A/AA violation on the main pages in English and Russian, and
every page fits a 390 px wide phone screen (only tables scroll, inside their own box). The
country picker's type-ahead finds a country by its name in either language or its code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from migstat.web.app import create_app
from tests.browser import shot
from tests.portal_store import available, build_portal_store

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text(encoding="utf-8")
PAGES = (
    "/",
    "/explore?table=F01",
    "/explore?table=S01&REF_AREA=KGZ",
    "/country/KGZ",
    "/countries",
    "/mirror",
    "/mirror/country/KGZ",
    "/flows?run=1",
    "/region/M49_143",
    "/availability",
    "/guide",
)
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("a11y") / "portal.db")
    yield create_app(store=store)
    store.close()


def _tab(browser: Any, width: int, height: int = 900) -> Iterator[Any]:
    # axe is injected as a script of its own: the portal's CSP (rightly) refuses that, so
    # these tabs bypass it; the portal's own scripts are checked under the CSP elsewhere
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def wide(browser) -> Iterator[Any]:
    yield from _tab(browser, 1300)


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    yield from _tab(browser, 390, 844)


def _settle(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
           .map(v => ({id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_serious_accessibility_violations(wide, base_url, lang) -> None:
    problems = {}
    for path in PAGES:
        url = f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}"
        _settle(wide, url)
        found = _violations(wide)
        if found:
            problems[path] = [(v["id"], v["help"], v["nodes"]) for v in found]
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pages_fit_a_phone_screen(phone, base_url, lang) -> None:
    """No page is wider than 390 px; what is wider (tables, matrices) scrolls in its box."""
    wider = {}
    for path in PAGES:
        url = f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}"
        _settle(phone, url)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            wider[path] = width
        if path.startswith("/explore?table=F01") or path == "/flows?run=1":
            shot(phone, f"phone_{path.strip('/').split('?')[0] or 'home'}_{lang}")
    assert not wider, wider


def test_country_search_in_both_languages(wide, base_url) -> None:
    """Typing in the picker's search box leaves the matching countries (and the chosen
    ones) in the list: "кыргыз" on the English page, "russ" on the Russian, or a code."""
    for lang, typed, wanted in (
        ("en", "кыргыз", "KGZ"),
        ("ru", "russ", "RUS"),
        ("en", "uzb", "UZB"),
    ):
        _settle(wide, f"{base_url}/explore?table=F01&REF_AREA=ARM&lang={lang}")
        box = wide.locator("#s-REF_AREA")
        assert box.is_visible()
        box.fill(typed)
        shown = wide.eval_on_selector_all(
            "#f-REF_AREA option", "os => os.filter(o => !o.hidden).map(o => o.value)"
        )
        assert sorted(shown) == sorted({wanted, "ARM"}), (lang, typed, shown)
    groups = wide.locator("#groups-REF_AREA a[data-group=M49_143]")
    groups.click()
    wide.wait_for_load_state()
    chosen = wide.eval_on_selector_all(
        "#f-REF_AREA option", "os => os.filter(o => o.selected).map(o => o.value)"
    )
    assert chosen == sorted(chosen, key=chosen.index) and set(chosen) == {
        "KAZ",
        "KGZ",
        "TJK",
        "UZB",
    }


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_age_picker_search_all_and_none(wide, base_url, lang) -> None:
    """The age list (longer than twelve) gets a type-ahead box; with "20" typed, "All"
    chooses the age groups in view without leaving the page, and "None" clears the list."""
    _settle(wide, f"{base_url}/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&lang={lang}")
    url = wide.url
    before = wide.eval_on_selector_all(
        "#f-AGE option", "os => os.filter(o => o.selected).map(o => o.textContent)"
    )
    wide.locator("#s-AGE").fill("20")
    shown = wide.eval_on_selector_all(
        "#f-AGE option", "os => os.filter(o => !o.hidden).map(o => o.textContent)"
    )
    # the matches, and what was chosen before (the total) stays in view
    assert "20-24" in shown and all("20" in label or label in before for label in shown), shown
    wide.click("#groups-AGE a[data-group=all]")
    chosen = wide.eval_on_selector_all(
        "#f-AGE option", "os => os.filter(o => o.selected).map(o => o.textContent)"
    )
    assert wide.url == url and sorted(chosen) == sorted(shown), (chosen, shown)
    none = wide.locator("#groups-AGE button[data-select-none]")
    assert none.inner_text() == {"en": "None", "ru": "Снять выбор"}[lang]
    none.click()
    assert (
        wide.eval_on_selector_all("#f-AGE option", "os => os.filter(o => o.selected).length") == 0
    )
    # the sex list is short: no search box, but its "All" and "None" are there
    assert wide.locator("#s-SEX").count() == 0
    assert wide.locator("#groups-SEX button[data-select-none]").is_visible()
    shot(wide, f"pickers_{lang}")


def test_chart_exports_png_and_svg_under_the_csp(browser, base_url) -> None:
    """The export links under a chart give a PNG and an SVG of it, with the portal's
    Content-Security-Policy in force (no eval, no inline script)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    refused: list[str] = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda exc: refused.append(str(exc)))
        _settle(tab, f"{base_url}/explore?table=F01&lang=ru")
        links = tab.locator("#chart + p.chart-export a")
        assert links.all_text_contents() == ["Скачать PNG", "Скачать SVG"]
        images = {}
        for kind in ("png", "svg"):
            with tab.expect_download() as got:
                tab.click(f"#chart + p.chart-export a[data-export={kind}]")
            images[kind] = Path(got.value.path()).read_bytes()
        assert images["png"][:8] == b"\x89PNG\r\n\x1a\n" and len(images["png"]) > 5_000
        svg = images["svg"].decode("utf-8")
        assert svg.startswith("<svg") and "Российская Федерация" in svg
        # the image carries the chart's title and source line
        assert "Источник:" in svg and "Статкомитет СНГ" in svg
        _settle(tab, f"{base_url}/country/KGZ?lang=ru")
        with tab.expect_download() as got:
            tab.click("#stocks + p.chart-export a[data-export=svg]")
        profile = Path(got.value.path()).read_text(encoding="utf-8")
        assert "Источник:" in profile and "ДЭСВ ООН" in profile and "Кыргызстан" in profile
        assert not refused, refused
    finally:
        context.close()


@contextmanager
def _other_site(page_html: str) -> Iterator[str]:
    """Another web site on loopback (another origin than the portal) serving one page."""
    body = page_html.encode("utf-8")

    class Story(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Story)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/story.html"
    finally:
        server.shutdown()
        server.server_close()


def test_embed_view_is_framed_elsewhere_and_the_page_is_not(browser, base_url) -> None:
    """A page of another site frames /embed/explore (chart, title, source line); the
    explorer itself refuses to be framed."""
    embed = f"{base_url}/embed/explore?table=F01&lang=en"
    framed_page = f"{base_url}/explore?table=F01&lang=en"
    story = (
        f'<iframe id="a" src="{embed}" width="720" height="480"></iframe>'
        f'<iframe id="b" src="{framed_page}" width="720" height="480"></iframe>'
    )
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        with _other_site(story) as address:
            tab = context.new_page()
            tab.goto(address)
            frame = tab.frame_locator("#a")
            frame.locator("div.chart[data-rendered=true]").wait_for(timeout=20_000)
            assert frame.locator("#embed-title").inner_text().startswith("Immigration")
            source = frame.locator("#embed-source").inner_text()
            assert "CIS-Stat" in source and "International migration by country" in source
            tab.wait_for_load_state("load")
            refused = tab.frame_locator("#b")
            assert refused.locator("#filters").count() == 0  # Chrome shows its error page
            assert [
                f.url for f in tab.frames if "/explore?" in f.url and "embed" not in f.url
            ] == []
    finally:
        context.close()
