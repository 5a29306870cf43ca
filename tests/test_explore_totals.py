"""The explorer's total row over the partner countries, over the portal's real store with
UN DESA's Table 1 stored beside the matrix: where the store holds the publisher's total (UN
DESA's foreign-born over all countries of birth, ``FOR``) it is the first row, as published;
where the rows shown do not include it (a choice of countries), the first row is their sum,
named as computed and never drawn like a published figure. English and Russian."""

from __future__ import annotations

import re

import pytest

from migstat.sources import read_source
from tests.portal_store import UNDESA_XLSX, available, portal_client, undesa_cell

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")

COMPUTED = {
    "en": "Total of the rows shown (computed)",
    "ru": "Итого по показанным строкам (вычислено)",
}
COMPUTED_COLUMN = {
    "en": "Total of the columns shown (computed)",
    "ru": "Итого по показанным столбцам (вычислено)",
}
FOR = {"en": "All foreign countries", "ru": "Зарубежные страны"}
NOT_PUBLISHED = {"en": "not a published figure", "ru": "это не опубликованная цифра"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with portal_client(tmp_path_factory.mktemp("explore-totals"), by_sex=True) as test_client:
        yield test_client


def _published_foreign_born(area: str, period: str) -> float:
    """Table 1 of the workbook: the foreign-born of ``area``, both sexes, all ages."""
    for o in read_source(UNDESA_XLSX, source="undesa", table="S01").observations:
        here = o.ref_area == area and o.time_period == period
        if here and o.key[0] == "FOR" and all(code == "_T" for code in o.key[1:]):
            return float(o.value)
    raise KeyError((area, period))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_publishers_total_is_the_first_row(client, lang) -> None:
    """Kyrgyzstan, mid-2019: UN DESA's 200,260 foreign-born, as the workbook gives them, is
    the total row; nothing is added up."""
    view = client.get(f"/api/explore/S01?REF_AREA=KGZ&lang={lang}").json()
    first = view["pivot"]["data"][0]
    assert view["pivot"]["columns"] == [["2019-07-01"]]
    assert first["labels"] == [FOR[lang]] and first["total"] == "published"
    assert first["cells"][0]["value"] == _published_foreign_born("KGZ", "2019-07-01") == 200_260
    assert [row["total"] for row in view["pivot"]["data"][1:]] == [None] * (
        len(view["pivot"]["data"]) - 1
    )
    assert view["pivot"]["data"][1]["cells"][0]["value"] == undesa_cell(
        "2019", "Kyrgyzstan", "Russian Federation"
    )
    page = client.get(f"/explore?table=S01&REF_AREA=KGZ&lang={lang}").text
    assert re.search(rf'<tr class="total"><th scope="row">{FOR[lang]}</th>', page)
    assert COMPUTED[lang] not in page and 'id="computed-total"' not in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_the_published_total_the_sum_is_labelled_computed(client, lang) -> None:
    """Three countries of birth chosen: the first row adds them up (109,511 + 26,231 +
    12,679 = 148,421), named as computed, drawn apart, with the note under the table; the
    download as shown carries the same labelled row."""
    query = "table=S01&REF_AREA=KGZ&COUNTRY_BIRTH=RUS,UKR,KAZ&start=2019&end=2019"
    view = client.get(f"/api/explore/S01?{query}&lang={lang}").json()
    rows = view["pivot"]["data"]
    cells = [
        undesa_cell("2019", "Kyrgyzstan", o)
        for o in ("Russian Federation", "Ukraine", "Kazakhstan")
    ]
    assert rows[0]["labels"] == [COMPUTED[lang]] and rows[0]["total"] == "computed"
    assert rows[0]["cells"][0]["value"] == sum(cells) == 148_421
    assert sorted(r["cells"][0]["value"] for r in rows[1:]) == sorted(cells)
    assert rows[0]["cells"][0]["text"] == ("148,421" if lang == "en" else "148\xa0421")
    page = client.get(f"/explore?{query}&lang={lang}").text
    row = re.search(r'<tr class="total computed">(.*?)</tr>', page, re.S)
    assert row and COMPUTED[lang] in row.group(1) and NOT_PUBLISHED[lang] in row.group(1)
    note = re.search(r'id="computed-total">(.*?)</p>', page, re.S)
    assert note and NOT_PUBLISHED[lang] in note.group(1) and "3" in note.group(1)
    shown = client.get(f"/explore/shown.csv?{query}&lang={lang}").text
    assert f"{COMPUTED[lang]},148421" in shown


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_partners_on_the_columns_get_their_total_column(client, lang) -> None:
    """The same with the countries of birth across: the published total is the first
    column, as published; without it, the first column adds up the countries shown."""
    base = "table=S01&REF_AREA=KGZ&rows=TIME_PERIOD&cols=COUNTRY_BIRTH"
    cells = [undesa_cell("2019", "Kyrgyzstan", o) for o in ("Russian Federation", "Ukraine")]
    view = client.get(f"/api/explore/S01?{base}&COUNTRY_BIRTH=RUS,UKR&lang={lang}").json()
    pivot = view["pivot"]
    assert pivot["columns"][0] == [COMPUTED_COLUMN[lang]]
    assert pivot["total_columns"] == [0]
    latest = next(row for row in pivot["data"] if row["labels"] == ["2019-07-01"])
    assert [c["value"] for c in latest["cells"]] == [sum(cells), *cells]
    page = client.get(f"/explore?{base}&COUNTRY_BIRTH=RUS,UKR&lang={lang}").text
    assert re.search(r'<th scope="col" class="total computed">', page)
    assert 'id="computed-total-column"' in page and NOT_PUBLISHED[lang] in page
    published = client.get(f"/api/explore/S01?{base}&COUNTRY_BIRTH=RUS,UKR,FOR&lang={lang}").json()
    pivot = published["pivot"]
    assert pivot["columns"][0] == [FOR[lang]] and pivot["total_columns"] == [0]
    latest = next(row for row in pivot["data"] if row["labels"] == ["2019-07-01"])
    assert latest["cells"][0]["value"] == _published_foreign_born("KGZ", "2019-07-01")
