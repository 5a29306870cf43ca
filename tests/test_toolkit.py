"""The toolkit (issue 14, item 7): its data files read through their schemas, the worked
examples computed from the store (checked against the published file read here directly), the
references page, a "How to read this page" link on every HTML page the app declares, and the
printable toolkit per audience read back with a real PDF reader (pypdf) in both languages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from migstat.model import InputError, default_registry
from migstat.web.app import create_app
from migstat.web.views.guide_schema import load
from migstat.web.views.practice import MIN_MOVES
from migstat.web.views.toolkit_schema import (
    AUDIENCES,
    FOLDER,
    Examples,
    PageHelp,
    References,
    Sources,
    page_help,
    sources,
)
from tests.access_states import COORDINATOR_TOKEN
from tests.portal_store import CIS_CSV, available, build_portal_store
from tests.test_access_matrix import RULES

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (pip install -e '.[test]')")

HELP = {"en": "How to read this page", "ru": "Как читать эту страницу"}
COORDINATOR = {"Authorization": f"Bearer {COORDINATOR_TOKEN}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = build_portal_store(tmp_path_factory.mktemp("toolkit") / "portal.db")
    app = create_app(store=store, coordinator_token=COORDINATOR_TOKEN)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    store.close()


# -- the data files ---------------------------------------------------------------------------


def test_every_source_kind_is_there_with_its_tables_and_terms() -> None:
    found = {s.id: s for s in sources().sources}
    assert set(found) == {"census", "register", "survey", "admin", "border", "mirror"}
    registry = default_registry()
    for source in found.values():
        assert all(t in registry.tables for t in source.tables), source.id
        assert set(source.audiences) <= set(AUDIENCES)
    assert found["register"].rule == "permanent"
    assert "A03" in found["admin"].tables and "F02" in found["mirror"].tables


@pytest.mark.parametrize(
    ("name", "schema", "old", "new", "expected"),
    [
        # an unquoted comma cuts the Russian text: the rest becomes a key of its own
        (
            "sources.yaml",
            Sources,
            "name: {en: Population census, ru: Перепись населения}",
            "name: {en: Population census, ru: Перепись, населения}",
            "is cut at a comma",
        ),
        # a text with its Russian left out
        (
            "references.yaml",
            References,
            "title: {en: Data and portals, ru: Данные и порталы}",
            "title: {en: Data and portals}",
            "is missing",
        ),
        # a glossary term that guide.yaml does not have
        (
            "sources.yaml",
            Sources,
            "terms: [Mirror statistics,",
            "terms: [Mirror statistic,",
            "Mirror statistic is not a term",
        ),
        # a page kind pointing at no section
        (
            "pagehelp.yaml",
            PageHelp,
            'section: census\n    routes: ["/flows"]',
            'section: censuses\n    routes: ["/flows"]',
            "points at no section censuses",
        ),
        # an example cut short at its end
        (
            "examples.yaml",
            Examples,
            'en: "A totals-only edition and a detailed one"',
            'en: "A totals-only edition and a detailed one,"',
            "cut short",
        ),
    ],
)
def test_a_broken_toolkit_file_is_refused_with_its_place(
    tmp_path: Path, name: str, schema: Any, old: str, new: str, expected: str
) -> None:
    text = (FOLDER / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    broken = tmp_path / name
    broken.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load(broken, schema)
    assert expected in caught.value.text("en")
    assert caught.value.where is not None and caught.value.where.file == name
    assert caught.value.where.line is not None
    assert caught.value.text("ru") != caught.value.text("en")


# -- the worked examples ----------------------------------------------------------------------


def _widest_mirror_pair() -> tuple[str, str, str, float, float]:
    """Straight from CIS-Stat's file: the corridor whose departures (reported by the origin)
    and arrivals (reported by the destination) are furthest apart, both at least MIN_MOVES."""
    values: dict[tuple[str, str, str, str], float] = {}
    with CIS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind, _, partner = row["item_code"].partition(".")
            if kind in ("ARRIVALS", "DEPARTURES") and len(partner) == 3 and row["value"]:
                values[(row["date"][:4], kind, row["region"], partner)] = float(row["value"])
    best: tuple[float, float, tuple[str, str, str, float, float]] | None = None
    for (year, kind, origin, dest), e in values.items():
        i = values.get((year, "ARRIVALS", dest, origin)) if kind == "DEPARTURES" else None
        if i is None or min(e, i) < MIN_MOVES:
            continue
        rank = (max(e / i, i / e), e + i)
        if best is None or rank > best[:2]:
            best = (*rank, (year, origin, dest, e, i))
    assert best is not None
    return best[2]


def _figures(page: str, example: str) -> list[str]:
    section = page.split(f'id="example-{example}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-raw="([^"]+)"', section)


def test_the_mirror_example_is_the_widest_pair_in_the_data(client: TestClient) -> None:
    year, origin, dest, emigration, immigration = _widest_mirror_pair()
    assert (year, origin, dest) == ("2022", "RUS", "TJK")  # 99,296 against 124 in the file
    for lang, words in (("en", "Tajikistan"), ("ru", "Таджикистан")):
        page = client.get(f"/toolkit/examples?lang={lang}")
        assert page.status_code == 200
        assert [float(v) for v in _figures(page.text, "mirror")] == [emigration, immigration]
        section = page.text.split('id="example-mirror"', 1)[1].split("</section>", 1)[0]
        assert words in section
        assert f"/mirror/corridor?origin={origin}&amp;destination={dest}" in section
        assert f"/explore?table=F02&amp;REF_AREA={origin}&amp;COUNTRY_NEXT_RES={dest}" in section
        factor = round(emigration / immigration)
        assert (f"{factor:,}".replace(",", " " if lang == "ru" else ",")) in section


def test_the_other_examples_show_their_numbers_with_sources(client: TestClient) -> None:
    page = client.get("/toolkit/examples?lang=en").text
    # the Kyrgyz-born in Russia (UN DESA 2019) against Kyrgyzstan's population, same date
    assert _figures(page, "absentees") == ["591211.0", "6415850.0"]
    assert "9.2 %" in page and "2019-07-01" in page
    # the synthetic questionnaire's F01 in detail against CIS-Stat's partner totals
    detail = page.split('id="example-detail"', 1)[1].split("</section>", 1)[0]
    assert "Synthetic" in detail and "CIS-Stat" in detail
    cells = [int(float(v)) for v in _figures(page, "detail")]
    assert cells[0] > 100 * cells[1] > 0
    # Sides with different residence rules: here only the synthetic questionnaire (12
    # months) differs from CIS-Stat (permanent registration), so no figure is shown; the
    # page names the rule the real flows state and what data would show it.
    rules = page.split('id="example-definitions"', 1)[1].split("</section>", 1)[0]
    assert 'class="missing"' in rules and "data-raw" not in rules
    assert "The rules its real flow tables state: permanent registration (CIS-Stat)." in rules
    assert "12-month rule" in rules and "(F01)" in rules and "(F02)" in rules
    ru = client.get("/toolkit/examples?lang=ru").text
    ru_rules = ru.split('id="example-definitions"', 1)[1].split("</section>", 1)[0]
    assert "постоянная регистрация (Статкомитет СНГ)" in ru_rules


def test_the_rule_mismatch_example_reads_a_real_pair(tmp_path: Path) -> None:
    """Armenia's own emigration to Georgia at permanent registration against Georgia's
    immigration from Armenia under the 12-month rule, both real: the example shows them,
    not the larger synthetic pair (Kazakhstan to Tajikistan) whose rules differ too."""
    from migstat.store import Store
    from tests.mirror_stores import flows, put

    store = Store.open(str(tmp_path / "rules.db"))
    try:
        put(
            store,
            flows("ARM", "F02", "ARM", 2020, {"GEO": 4_321.0}, rule="permanent_registration"),
            flows("GEO", "F01", "GEO", 2020, {"ARM": 765.0}),
            flows("KAZ", "F02", "KAZ", 2020, {"TJK": 9_999.0}, synthetic=True),
            flows("TJK", "F01", "TJK", 2020, {"KAZ": 99.0}, synthetic=True, rule=None),
        )
        with TestClient(create_app(store=store)) as fresh:
            for lang, words in (("en", "12 months or more"), ("ru", "12 месяцев и более")):
                page = fresh.get(f"/toolkit/examples?lang={lang}").text
                assert [float(v) for v in _figures(page, "definitions")] == [4_321, 765]
                section = page.split('id="example-definitions"', 1)[1].split("</section>", 1)[0]
                assert words in section and 'class="missing"' not in section
    finally:
        store.close()


def test_an_example_without_its_data_says_what_would_show_it(tmp_path: Path) -> None:
    from migstat.store import Store

    store = Store.open(str(tmp_path / "empty.db"))
    try:
        with TestClient(create_app(store=store)) as empty:
            page = empty.get("/toolkit/examples?lang=ru").text
    finally:
        store.close()
    assert 'class="missing"' in page and "data-raw" not in page
    assert "таблица F02" in page and "таблица F01" in page


def test_references_page_lists_the_brief_in_both_languages(client: TestClient) -> None:
    en = client.get("/toolkit/references?lang=en").text
    ru = client.get("/toolkit/references?lang=ru").text
    for page in (en, ru):
        assert "Report of the Regional Workshop on Strengthening National Capacities" in page
        assert "https://www.doi.org/10.1007/s10680-010-9220-z" in page
        assert 'id="group-workshop"' in page
    assert "Definitions and standards" in en and "Определения и стандарты" in ru
    # The papers the brief names by journal and pages, as their publications give them.
    assert "J. J. Azose" in en and "J. R. Azose" not in en
    assert "Journal of the Royal Statistical Society, Series A 173(4), 797-825" in en
    assert "Demographic Research 28(18), 505-546" in en
    for doi in ("10.1126/science.1248676", "10.1038/s41597-019-0089-3", "10.1073/pnas.1722334116"):
        assert f"https://doi.org/{doi}" in en
    # IMEM's co-authors could not be checked against the article: as the brief gives them.
    assert "J. Raymer et al." in en and "Wiśniowski" not in en


def test_the_guide_api_carries_the_toolkit_in_both_languages(client: TestClient) -> None:
    """``/api/guide`` gives the toolkit as its pages show it: the sources, the worked examples
    with the same numbers read from the store, the references and the printable files."""
    en = client.get("/api/guide").json()["toolkit"]
    ru = client.get("/api/guide?lang=ru").json()["toolkit"]
    for kit in (en, ru):
        assert [p["id"] for p in kit["pages"]] == ["sources", "examples", "references"]
        assert {s["id"] for s in kit["sources"]} == {s.id for s in sources().sources}
        mirror = next(e for e in kit["examples"] if e["id"] == "mirror")
        assert [f["raw"] for f in mirror["figures"]] == [99296.0, 124.0]  # RUS -> TJK, 2022
        works = [w["title"] for g in kit["references"] for w in g["works"]]
        assert any(t.startswith("Report of the Regional Workshop") for t in works)
        assert {a["audience"] for a in kit["printable"]} == set(AUDIENCES)
    census = {s["id"]: s for s in ru["sources"]}["census"]
    assert census["name"] == "Перепись населения" and "Перепись" not in en["sources"][0]["name"]
    assert "Таджикистан" in mirror["title"] + mirror["finding"]
    assert ru["pages"][0]["title"] == "Источники данных"


# -- every page links to its part of the toolkit ----------------------------------------------


def _page_routes(app: Any) -> dict[str, bool]:
    """Every GET route of ``app`` but the schema, the static files and the exempt pages ->
    whether it declares an HTML answer."""
    out: dict[str, bool] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = getattr(context, "path", None) or route.path
        if "GET" in (getattr(route, "methods", None) or {"GET"}):
            out[path] = getattr(route, "response_class", None) is HTMLResponse
    for path in ("/openapi.json", "/static", *page_help().exempt):
        out.pop(path, None)
    return out


def test_every_html_page_route_has_a_toolkit_link(client: TestClient) -> None:
    """Generated from the app's routes: a page route without a kind in pagehelp.yaml fails,
    and so does every page (each address the access matrix probes, in both languages) that
    answers without the link."""
    listed = {r for kind in page_help().kinds for r in kind.routes}
    routes = _page_routes(client.app)
    assert listed <= set(routes), (
        f"pagehelp.yaml lists routes the app has not: {listed - set(routes)}"
    )
    checked = 0
    for path, declared_html in sorted(routes.items()):
        assert not declared_html or path in listed, f"{path} is a page without a kind"
        urls = RULES[("GET", path)].urls if ("GET", path) in RULES else (path,)
        for url in urls:
            for lang in ("en", "ru"):
                sep = "&" if "?" in url else "?"
                answer = client.get(f"{url}{sep}lang={lang}", headers=COORDINATOR)
                html = answer.headers.get("content-type", "").startswith("text/html")
                if answer.status_code != 200 or not html:
                    continue
                assert path in listed, f"{path} answers a page but pagehelp.yaml has no kind for it"
                assert HELP[lang] in answer.text, f"{url} ({lang}) has no toolkit link"
                checked += 1
    assert checked >= 40


def test_every_section_anchor_is_on_its_page(client: TestClient) -> None:
    for name, section in page_help().sections.items():
        path, _, anchor = section.href.partition("#")
        page = client.get(f"{path}?lang=en")
        assert page.status_code == 200, name
        assert f'id="{anchor}"' in page.text, f"{section.href} is not on its page"


# -- the printable toolkit --------------------------------------------------------------------


def _pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_printable_toolkit_reads_back_in_both_languages(client: TestClient) -> None:
    _year, _o, _d, emigration, _i = _widest_mirror_pair()
    headings = {
        "en": (
            "Migration statistics: a toolkit",
            "For journalists",
            "Data sources",
            "Good and not-so-good practice",
            "References and links",
            "99,296",
        ),
        "ru": (
            "Статистика миграции: инструментарий",
            "Для журналистов",
            "Источники данных",
            "Хорошая и не лучшая практика",
            "Литература и ссылки",
            "99 296",
        ),
    }
    for lang, expected in headings.items():
        answer = client.get(f"/toolkit/media.pdf?lang={lang}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert f"migstat-toolkit-media-{lang}.pdf" in answer.headers["content-disposition"]
        assert 10_000 < len(answer.content) < 2_000_000
        text = _pdf_text(answer.content)
        flat = re.sub(r"\s+", " ", text).replace("\u00a0", " ")
        for words in expected:
            assert words in flat, (lang, words)
        assert f"{int(emigration):,}".replace(",", "," if lang == "en" else " ") in flat
    # the same file again: kept per audience, language and data version
    again = client.get("/toolkit/media.pdf?lang=ru")
    assert again.content == client.get("/toolkit/media.pdf?lang=ru").content


def test_each_audience_has_its_own_printable_toolkit(client: TestClient) -> None:
    guide = client.get("/guide?lang=ru").text
    titles = {}
    for audience in AUDIENCES:
        assert f"/toolkit/{audience}.pdf?lang=ru" in guide
        assert f"/toolkit/{audience}.pdf?lang=en" in guide
        text = _pdf_text(client.get(f"/toolkit/{audience}.pdf?lang=en").content)
        titles[audience] = text.splitlines()[1]
    assert len(set(titles.values())) == len(AUDIENCES)
    # statisticians get the survey source, journalists do not (sources.yaml's audiences)
    assert "labour force survey" in _pdf_text(
        client.get("/toolkit/statisticians.pdf?lang=en").content
    )
    unknown = client.get("/toolkit/everyone.pdf?lang=ru")
    assert unknown.status_code == 404 and "everyone" in unknown.text


def test_the_printable_toolkit_follows_the_data(tmp_path: Path) -> None:
    """Kept per data version: the same file (and a 304 to a client that has it) until the data
    change, then made again with the new numbers."""
    from migstat.store import Store
    from tests.mirror_stores import flows, put

    store = Store.open(str(tmp_path / "mirror.db"))
    try:
        put(
            store,
            flows("ARM", "F02", "ARM", 2020, {"GEO": 4_321.0}, rule="permanent_registration"),
            flows("GEO", "F01", "GEO", 2020, {"ARM": 765.0}),
        )
        with TestClient(create_app(store=store)) as fresh:
            first = fresh.get("/toolkit/researchers.pdf?lang=ru")
            etag = first.headers["etag"]
            again = fresh.get("/toolkit/researchers.pdf?lang=ru", headers={"If-None-Match": etag})
            assert again.status_code == 304
            text = re.sub(r"\s+", " ", _pdf_text(first.content)).replace("\u00a0", " ")
            assert "4 321" in text and "765" in text and "Армения" in text
            put(store, flows("GEO", "F01", "GEO", 2020, {"ARM": 432.0}))  # a revision
            second = fresh.get("/toolkit/researchers.pdf?lang=ru", headers={"If-None-Match": etag})
            assert second.status_code == 200 and second.headers["etag"] != etag
            text = re.sub(r"\s+", " ", _pdf_text(second.content)).replace("\u00a0", " ")
            assert "432" in text and "765" not in text
    finally:
        store.close()
