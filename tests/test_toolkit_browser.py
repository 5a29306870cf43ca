"""The toolkit in Chromium, in English and Russian: its pages pass axe-core (no serious or
critical WCAG 2.1 A/AA violation) and fit a 390 px phone screen; a page's "How to read this
page" link leads to the section that explains it; the guide's PDF link downloads the printable
toolkit. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migstat.web.app import create_app
from tests.browser import shot
from tests.portal_store import available, build_portal_store
from tests.test_web_a11y import _settle, _tab, _violations

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
PAGES = ("/toolkit/sources", "/toolkit/examples", "/toolkit/references", "/guide")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("toolkit-browser") / "portal.db")
    yield create_app(store=store)
    store.close()


@pytest.fixture
def wide(browser) -> Iterator[Any]:
    yield from _tab(browser, 1300)


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    yield from _tab(browser, 390, 844)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_toolkit_pages_are_accessible_and_fit_a_phone(wide, phone, base_url, lang) -> None:
    problems, wider = {}, {}
    for path in PAGES:
        url = f"{base_url}{path}?lang={lang}"
        _settle(wide, url)
        found = _violations(wide)
        if found:
            problems[path] = [(v["id"], v["help"], v["nodes"]) for v in found]
        shot(wide, f"toolkit_{path.strip('/').replace('/', '_')}_{lang}")
        _settle(phone, url)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            wider[path] = width
        if path == "/toolkit/examples":
            shot(phone, f"phone_toolkit_examples_{lang}")
    assert not problems, problems
    assert not wider, wider


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "How to read this page"), ("ru", "Как читать эту страницу")]
)
def test_a_page_leads_to_the_section_that_explains_it(wide, base_url, lang, words) -> None:
    _settle(wide, f"{base_url}/mirror?lang={lang}")
    link = wide.get_by_role("link", name=words)
    assert link.is_visible()
    link.click()
    wide.wait_for_load_state()
    assert wide.url.endswith("#example-mirror") and "/toolkit/examples" in wide.url
    section = wide.locator("#example-mirror")
    assert section.is_visible()
    # the example's numbers, each with its source line
    values = section.locator("td.value").all_text_contents()
    assert len(values) == 2 and all(v.strip() for v in values)
    sources = section.locator("table.figures td:nth-child(3)").all_text_contents()
    assert all(("CIS-Stat" if lang == "en" else "Статкомитет СНГ") in s for s in sources)
    shot(wide, f"toolkit_from_mirror_{lang}")


def test_the_guide_offers_the_printable_toolkit(browser, base_url) -> None:
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    try:
        tab = context.new_page()
        _settle(tab, f"{base_url}/guide?lang=ru#toolkit")
        row = tab.locator("#toolkit table.pdfs tbody tr", has_text="Для журналистов")
        with tab.expect_download() as got:
            row.locator("a[hreflang=ru]").click()
        body = Path(got.value.path()).read_bytes()
        assert body[:5] == b"%PDF-" and got.value.suggested_filename == (
            "migstat-toolkit-media-ru.pdf"
        )
        shot(tab, "toolkit_guide_pdfs_ru")
    finally:
        context.close()
