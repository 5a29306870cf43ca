"""A Russian-first reader's pages (issue 14, "Names, not codes"): every HTML page of the app,
generated from its routes, rendered in Russian shows no English a Russian statistician would
trip over (what may stay in Latin letters: :mod:`tests.russian_text`); dataset titles in the
page's language from the curated file, a title it lacks marked as English; the demo's
national definitions in both languages; the estimation methods by name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from migstat.demo.synthetic import AGENCY
from migstat.i18n import gettext_
from migstat.web.app import create_app
from migstat.web.views import method_names
from migstat.web.views.dataset_titles import (
    TITLES_FILE,
    Titles,
    dataset_title,
    foreign,
    mark_foreign,
    titles,
)
from migstat.web.views.guide_schema import load
from migstat.web.views.providers import edition
from tests.access_states import COORDINATOR_TOKEN
from tests.portal_store import available, build_portal_store
from tests.russian_text import english_left
from tests.test_access_matrix import RULES, app_routes

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
COORDINATOR = {**BROWSER, "Authorization": f"Bearer {COORDINATOR_TOKEN}"}
MORE = {
    "/explore": (
        "/explore?table=F01",
        "/explore?table=P01&REF_AREA=KGZ",
        "/explore?table=S01&REF_AREA=XXX",  # the 400 page naming the parameter
    ),
    "/country/{code}": ("/country/RUS", "/country/TJK"),
    "/mirror/corridor": ("/mirror/corridor?origin=KGZ&destination=RUS",),
    "/flows": ("/flows?run=1&start=2015&end=2019",),
    "/region/{code}": ("/region/SOUTH_CAUCASUS", "/region/M49_151"),
}
"""Addresses beyond the access matrix's: pages that show more of the store's text."""
NOT_FOUND = "/no/such/page"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = build_portal_store(tmp_path_factory.mktemp("russian") / "portal.db")
    app = create_app(store=store, coordinator_token=COORDINATOR_TOKEN)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    store.close()


def _addresses(app) -> dict[str, tuple[str, ...]]:
    """Every GET route of the app (as the access matrix enumerates them) -> the addresses
    to ask: the matrix's, then :data:`MORE`."""
    out = {}
    for method, path in sorted(set(app_routes(app))):
        if method != "GET" or path in ("/static", "/openapi.json", "/docs"):
            continue
        urls = RULES[("GET", path)].urls if ("GET", path) in RULES else (path,)
        out[path] = (*urls, *MORE.get(path, ()))
    return out


def test_every_russian_page_is_russian(client: TestClient) -> None:
    """Generated from the app's routes: each HTML answer (error pages included), for the
    public and for the coordinator, rendered with lang=ru, shows no English text outside what
    may stay (codes, names marked lang="en", URLs, numbers, places in files)."""
    left: dict[str, list[str]] = {}
    checked: set[str] = set()
    addresses = _addresses(client.app)
    addresses[NOT_FOUND] = (NOT_FOUND,)
    for path, urls in addresses.items():
        for url in urls:
            for who, headers in (("public", BROWSER), ("coordinator", COORDINATOR)):
                sep = "&" if "?" in url else "?"
                answer = client.get(f"{url}{sep}lang=ru", headers=headers)
                if not answer.headers.get("content-type", "").startswith("text/html"):
                    continue
                assert '<html lang="ru">' in answer.text, f"{url}: not a Russian page"
                checked.add(path)
                found = english_left(answer.text)
                if found:
                    left[f"{url} ({who}, {answer.status_code})"] = sorted(set(found))[:8]
    assert not left, "English on Russian pages:\n" + "\n".join(
        f"{where}: {texts}" for where, texts in left.items()
    )
    # every page route of the portal was seen answering in Russian, errors included
    pages = {
        "/",
        "/accounts",
        "/agreements",
        "/audit",
        "/availability",
        "/country",
        "/country/{code}",
        "/embed/explore",
        "/explore",
        "/flows",
        "/guide",
        "/mappings",
        "/mappings/new",
        "/mappings/{country}/{source}/{codelist}",
        "/mirror",
        "/mirror/corridor",
        "/mirror/country/{country}",
        "/notifications",
        "/region/{code}",
        "/releases",
        "/review",
        "/rounds",
        "/rounds/{round_id}",
        "/signin",
        "/submissions/{submission_id}",
        "/submit",
        "/submit/jobs/{job_id}",
        "/toolkit/examples",
        "/toolkit/references",
        "/toolkit/sources",
        NOT_FOUND,
    }
    assert pages <= checked, f"pages never checked in Russian: {sorted(pages - checked)}"


def test_the_checker_finds_english_and_lets_marked_names_be() -> None:
    """The checker itself, on a page made for it: English prose is found; a marked title, a
    code, a number, a URL and a place in a file are not."""
    page = (
        '<html lang="ru"><body><p>Источник: ДЭСВ ООН, S01, 2019, 591 211.</p>'
        '<p><span lang="en">Migration by region, age, period and sex</span> 2005</p>'
        "<p>См. https://unece.org/info/Statistics и <code>migstat mirror factors</code>.</p>"
        '<p>Table 2!G164: итог меньше суммы.</p><td translate="no">kgz.reporter</td>'
        '<p title="Total population">Население</p><p>Rest of the world</p></body></html>'
    )
    assert english_left(page) == ["Total population", "Rest of the world"]


# -- dataset titles -----------------------------------------------------------------------


def test_every_curated_title_has_both_languages_and_the_store_uses_them(
    client: TestClient,
) -> None:
    assert Titles.model_validate(load(TITLES_FILE, Titles)).titles == titles()
    for key, title in titles().items():
        assert title.en and title.ru and title.ru != title.en, key
    # every import of the test store (UN DESA's two files, CIS-Stat) has its title in Russian
    store = client.app.state.store
    imports = [r for r in store.submissions() if r.provenance]
    assert len(imports) == 3
    for record in imports:
        assert edition(record, "ru") != edition(record, "en"), record.file_name
    assert {edition(r, "ru") for r in imports} >= {
        "Численность международных мигрантов 2019",
        "Международная миграция по странам (прибывшие и выбывшие) 2025",
    }
    profile = client.get("/country/KGZ?lang=ru").text
    assert "Численность международных мигрантов 2019" in profile
    assert "International Migrant Stock" not in profile
    english = client.get("/country/KGZ?lang=en").text
    assert "International Migrant Stock 2019" in english


def test_a_coded_dataflow_keeps_its_id_and_an_unknown_title_is_marked() -> None:
    assert (
        dataset_title("DEMO_PJAN: Population on 1 January by age and sex", "ru")
        == "DEMO_PJAN: Численность населения на 1 января по возрасту и полу"
    )
    assert dataset_title("MIGR_RESFIRST: First permits (title as of 2026)", "en") == (
        "MIGR_RESFIRST: First permits by reason, length of validity and citizenship"
    )
    swedish = "Migration by region, age, period, type and sex"  # Statistics Sweden's PX file
    assert dataset_title(swedish, "ru") == swedish
    line = f"{swedish} 2005, загружено 2026-12-06 <b>"
    assert str(mark_foreign(line)) == (
        f'<span lang="en">{swedish}</span> 2005, загружено 2026-12-06 &lt;b&gt;'
    )
    # a Russian definition on an English page is marked Russian; numbers and dates never
    assert foreign("все постоянные жители", "en") == "все постоянные жители"
    assert str(mark_foreign("Population: все постоянные жители")) == (
        'Population: <span lang="ru">все постоянные жители</span>'
    )
    assert foreign("12", "ru") == "12" and str(mark_foreign("12 месяцев")) == "12 месяцев"


# -- the demo's definitions and the methods -------------------------------------------------


def test_the_demo_definitions_read_in_both_languages(client: TestClient) -> None:
    ru = client.get("/country/KGZ?lang=ru").text
    en = client.get("/country/KGZ?lang=en").text
    for phrase, russian in (
        ("total resident population", "всё постоянное население"),
        ("resident population aged 15 and over", "постоянное население в возрасте 15 лет"),
        ("registered migrants", "зарегистрированные мигранты"),
    ):
        assert phrase in en and phrase not in ru and russian in ru
    assert AGENCY["KGZ"] in en
    assert (
        gettext_(AGENCY["KGZ"], "ru") == "Национальный статистический комитет Кыргызской Республики"
    )
    assert gettext_(AGENCY["KGZ"], "ru") in ru


def test_the_flows_methods_by_name_with_their_descriptions(client: TestClient) -> None:
    ru = client.get("/flows?run=1&start=2015&end=2019&lang=ru").text
    en = client.get("/flows?run=1&start=2015&end=2019&lang=en").text
    for option in ("totals", "model", "fit"):
        for c in method_names.choices(option, "ru"):
            assert f'value="{c["value"]}"' in ru and c["name"] in ru and c["description"] in ru
    assert "Замкнутая система" in ru and "Closed world" in en
    assert ">rescale" not in ru and ">open-dr" not in ru
    # the estimate says which methods made it, by name, the identifier on hover
    method = ru.split('id="options"', 1)[1].split("</ul>", 1)[0]
    assert 'title="birthplace_totals=rescale"' in method and "Минимальная миграция" in method
    mirror = client.get("/mirror?year=2016&lang=ru").text
    assert 'id="mirror-harmonise"' in mirror
    assert "Модель IMEM" in mirror and ">imem_model<" not in mirror


def test_the_references_are_marked_with_the_language_they_were_published_in(
    client: TestClient,
) -> None:
    page = client.get("/toolkit/references?lang=ru").text
    assert '<span lang="fr"><span class="authors">M. Poulain</span>' in page
    assert '<span lang="en"><span class="authors">UNECE, UN DESA, UNFPA</span>' in page
    assert "Матрица двойной записи" in page  # the note in the page's language
