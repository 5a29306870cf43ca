"""The flows-from-stocks page: estimates from the store's UN DESA stocks and from uploaded
tables, shown as a matrix with their assumptions, downloadable, in English and Russian."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from migstat.web.app import create_app
from tests.portal_store import REGION, available, build_portal_store
from tests.shared import SHARED_DATA

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
FFS = SHARED_DATA / "reference" / "ffs_demo"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The portal over a store holding UN DESA's stocks (S01) and populations (P01); no data
    folder is reachable, since the page reads the store only."""
    store = build_portal_store(tmp_path_factory.mktemp("flows") / "portal.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGSTAT_SHARED_DATA", str(tmp_path_factory.mktemp("no-data")))
        with TestClient(create_app(store=store)) as test_client:
            yield test_client
    store.close()


def _matrix(html: str) -> list[list[str]]:
    body = html.split('id="flows-matrix"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        rows.append(
            [
                re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            ]
        )
    return rows


def _upload(client: TestClient, case: str, lang: str = "en", **options: str):
    files = {
        "start_file": ("start.csv", (FFS / f"{case}__stock_start.csv").read_bytes()),
        "end_file": ("end.csv", (FFS / f"{case}__stock_end.csv").read_bytes()),
        "bd_file": ("bd.csv", (FFS / f"{case}__births_deaths.csv").read_bytes()),
    }
    return client.post(f"/flows?lang={lang}", files=files, data=options)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_page_states_the_assumptions_in_both_languages(client, lang) -> None:
    page = client.get(f"/flows?lang={lang}")
    assert page.status_code == 200
    text = page.text
    if lang == "en":
        assert "Flows from stocks" in text and "Nobody changes place of birth" in text
        assert "These are estimates, not reported data" in text
    else:
        assert "Потоки по данным о численности" in text
        assert "Никто не меняет место рождения" in text
    assert 'href="/flows?lang=' in text  # in the navigation


def test_upload_reproduces_the_published_table(client) -> None:
    """Abel & Sander (2014) supplementary example: the page shows migest's table."""
    answer = _upload(client, "e5_science2014_bd_rescale")
    assert answer.status_code == 200, answer.text[:500]
    rows = _matrix(answer.text)
    with (FFS / "e5_science2014_bd_rescale__expected_sum_od.csv").open() as handle:
        expected = list(csv.reader(handle))
    for row, want in zip(rows[:4], expected[1:5], strict=True):
        shown = [float(v.replace(",", "") or 0) for v in row[1:5]]
        assert shown == [round(float(v)) for v in want[1:5]]
    assert rows[-2][0] == "Arrivals" and rows[-2][-1] == "128"  # 127.69 moves in all
    link = re.search(r'id="download"[^>]*|href="(data:text/csv[^"]+)"', answer.text)
    assert link is not None
    href = re.search(r'href="(data:text/csv;charset=utf-8,[^"]+)"', answer.text).group(1)
    from urllib.parse import unquote

    table = list(csv.reader(io.StringIO(unquote(href.split(",", 1)[1]))))
    assert table[0][1:] == ["A", "B", "C", "D"]
    assert table[0][0].startswith("orig\\dest ESTIMATE: flows from stocks")
    assert float(table[2][1]) == pytest.approx(34.120952437, abs=1e-6)


def test_upload_options_and_errors(client) -> None:
    open_dr = _upload(client, "e3_demres2013_bd_open_dr", totals="open-dr")
    assert "open-dr" in open_dr.text
    assert _matrix(open_dr.text)[1][1] == "26"  # B -> A, 26.42 in Abel (2013)
    bad = client.post(
        "/flows?lang=ru",
        files={
            "start_file": ("start.csv", b"pob\\por,A,B\nA,10,-2\nB,3,5\n"),
            "end_file": ("end.csv", b"pob\\por,A,B\nA,10,2\nB,3,5\n"),
        },
    )
    assert bad.status_code == 400
    error = re.search(r'id="flows-error">(.*?)</p>', bad.text, re.S).group(1)
    assert "start.csv, строка 2, B" in error and "отрицательно" in error


def test_store_stocks_of_the_region(client) -> None:
    page = client.get("/flows?run=1&start=2015&end=2019&lang=en")
    assert page.status_code == 200
    rows = _matrix(page.text)
    assert [r[0] for r in rows[: len(REGION) + 1]][-1] == "Rest of the world"
    assert "Kyrgyzstan" in [r[0] for r in rows]
    download = client.get("/flows.csv?start=2015&end=2019&totals=rescale&model=minimum&fit=mipfp")
    assert download.status_code == 200
    assert "ESTIMATES" in download.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(download.text)))
    assert table[0][1:] == [*REGION, "_O"]
    assert table[0][0].startswith("orig\\dest ESTIMATE: flows from stocks")
    od = np.array([[float(v) for v in row[1:]] for row in table[1:]])
    assert np.diag(od).sum() == 0 and od.sum() > 0
    shown_total = re.search(r"<b>([\d,]+) moves in all.</b>", page.text).group(1)
    assert int(shown_total.replace(",", "")) == round(od.sum())
    wrong = client.get("/flows?run=1&start=2019&end=2015&lang=en")
    assert "Choose a first year before the second." in wrong.text


def test_chosen_countries_of_the_store(client) -> None:
    """Kyrgyzstan, Russia and Germany with the rest of the world: a 4 x 4 estimate whose
    download has the same areas, in the order chosen."""
    query = "run=1&start=2010&end=2015&area=KGZ&area=RUS&area=DEU&lang=en"
    page = client.get(f"/flows?{query}")
    assert page.status_code == 200
    rows = _matrix(page.text)
    assert [r[0] for r in rows[:4]] == [
        "Kyrgyzstan",
        "Russian Federation",
        "Germany",
        "Rest of the world",
    ]
    link = re.search(r'href="(/flows\.csv\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    table = list(csv.reader(io.StringIO(client.get(link).text)))
    assert table[0][1:] == ["KGZ", "RUS", "DEU", "_O"]
    assert table[0][0].startswith("orig\\dest ESTIMATE: flows from stocks")
    one = client.get("/flows?run=1&area=KGZ&lang=en")
    assert "Choose at least two countries" in one.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_store_without_population_says_what_to_import(tmp_path, lang) -> None:
    """Stocks without total population (P01): the page names the import that is missing."""
    from migstat import api
    from migstat.model import default_registry
    from migstat.sources import read_source
    from tests.portal_store import UNDESA_CSV

    lines = UNDESA_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    subset = tmp_path / UNDESA_CSV.name
    subset.write_text(
        lines[0] + "".join(x for x in lines[1:] if x[:4] in ("2015", "2019")), encoding="utf-8"
    )
    registry = default_registry()
    store = api.open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        dataset = read_source(subset, source="undesa", registry=registry)
        dataset.observations = [o for o in dataset.observations if o.ref_area in REGION]
        api.submit_dataset(store, dataset, subset.read_bytes(), registry=registry)
        with TestClient(create_app(store=store)) as test_client:
            page = test_client.get(f"/flows?run=1&start=2015&end=2019&lang={lang}")
    finally:
        store.close()
    assert page.status_code == 200
    error = re.search(r'id="flows-error">(.*?)</p>', page.text, re.S).group(1)
    assert "migstat import FILE --table P01" in error
    assert (
        "no total population from UN DESA (table P01)" in error
        if lang == "en"
        else "нет общей численности населения ДЭСВ ООН (таблица P01)" in error
    )
    assert 'id="flows-matrix"' not in page.text


def test_the_portal_does_not_load_the_demo() -> None:
    """A deployed portal has no published data folder: nothing of the demo is imported."""
    import subprocess
    import sys

    code = (
        "import sys; from migstat.web.app import create_app; create_app; "
        "print(sorted(m for m in sys.modules if m.startswith('migstat.demo')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def _net_and_flows(client: TestClient, query: str) -> tuple[dict[str, float], dict]:
    download = client.get(f"/flows.csv?{query}")
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.text)))
    codes = table[0][1:]
    od = np.array([[float(v) for v in row[1:]] for row in table[1:]])
    net = dict(zip(codes, od.sum(axis=0) - od.sum(axis=1), strict=True))
    flows = {(a, b): od[i, j] for i, a in enumerate(codes) for j, b in enumerate(codes)}
    return net, flows


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_default_estimate_is_plausible(client, lang) -> None:
    """The page opens on 2010-2015: UN DESA's 2019 revision repeats Russia's 2015 stocks for
    2019, so 2015-2019 cannot show who arrived there. With natural change taken per place of
    birth (not the world's growth spread over every native-born population), Russia gains by
    migration, and Tajikistan, Uzbekistan, Kyrgyzstan and Ukraine send more people to Russia than
    they receive from it."""
    page = client.get(f"/flows?run=1&lang={lang}")
    assert page.status_code == 200
    assert re.search(r'id="f-start".*?value="2010" selected', page.text, re.S)
    assert re.search(r'id="f-end".*?value="2015" selected', page.text, re.S)
    assert 'id="flows-warning-1"' in page.text and 'id="flows-warning-2"' not in page.text
    net, flows = _net_and_flows(
        client, "start=2010&end=2015&totals=rescale&model=minimum&fit=mipfp"
    )
    # Russia: +330 thousand, not the -6.4 million of natural change read as emigration
    assert 0 < net["RUS"] < 2_000_000
    for country in ("TJK", "UZB", "KGZ", "UKR"):
        assert flows[(country, "RUS")] > flows[("RUS", country)], country
    into_russia = sorted(
        ((v, a) for (a, b), v in flows.items() if b == "RUS" and a != "_O"), reverse=True
    )
    assert into_russia[0][1] == "UKR"
    assert {"KAZ", "UZB", "KGZ"} <= {a for _, a in into_russia[:5]}


def test_repeated_stocks_are_marked(client) -> None:
    """Asked for 2015-2019, the page says that UN DESA repeats Russia's stocks and that its
    arrivals cannot be seen, in the user's language."""
    page = client.get("/flows?run=1&start=2015&end=2019&lang=ru")
    warning = re.search(r'id="flows-warning-2">(.*?)</p>', page.text, re.S).group(1)
    assert "Российская Федерация" in warning and "2019" in warning and "2015" in warning
    net, _ = _net_and_flows(client, "start=2015&end=2019&totals=rescale&model=minimum&fit=mipfp")
    assert abs(net["RUS"]) < 1_000_000  # not the -5 million of the issue


def test_countries_without_stocks_are_named(client) -> None:
    """France has no UN DESA stocks in this store (only the region and Germany do): the page
    says it is left out and counted in the rest of the world."""
    page = client.get("/flows?run=1&start=2010&end=2015&area=KGZ&area=RUS&area=FRA&lang=en")
    assert page.status_code == 200
    warnings = re.findall(r'class="warning"[^>]*>(.*?)</p>', page.text, re.S)
    assert any("France" in w and "rest of the world" in w for w in warnings), warnings
    assert "Kyrgyzstan" in [r[0] for r in _matrix(page.text)]


def test_regional_group_in_one_click(client) -> None:
    """The code list's Central Asia is one link: the table of its five countries and the
    rest of the world (Russia, not chosen, is part of the rest of the world)."""
    page = client.get("/flows?lang=ru").text
    href = re.search(r'<a href="([^"]+)" data-group="M49_143"', page).group(1)
    table = client.get(href.replace("&amp;", "&"))
    assert table.status_code == 200
    rows = [r[0] for r in _matrix(table.text)]
    assert rows[:6] == [
        "Казахстан",
        "Кыргызстан",
        "Таджикистан",
        "Туркменистан",
        "Узбекистан",
        "Остальной мир",
    ]
