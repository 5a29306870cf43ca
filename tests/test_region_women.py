"""A region page adds up the share of women among the foreign-born over its countries when
its one source (UN DESA) publishes the foreign-born by sex: UN DESA's Table 1 stored beside
the matrix by origin, the region's share equals the women of the members over all their
foreign-born for the same date, read straight from the workbook, in English and Russian."""

from __future__ import annotations

import re

import pytest

from migstat.sources import read_source
from migstat.web.views.numbers import percent
from tests.portal_store import UNDESA_XLSX, available, portal_client

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")

CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with portal_client(tmp_path_factory.mktemp("region-women"), by_sex=True) as test_client:
        yield test_client


def _published(period: str) -> tuple[float, float]:
    """Women and all the foreign-born of Central Asia for ``period`` as the workbook gives
    them (Table 1, all foreign countries of birth, all ages)."""
    dataset = read_source(UNDESA_XLSX, source="undesa", table="S01")
    women = total = 0.0
    for o in dataset.observations:
        if o.ref_area in CENTRAL_ASIA and o.time_period == period and o.value is not None:
            birth, sex, *rest = o.key
            if birth == "FOR" and all(code == "_T" for code in rest):
                if sex == "F":
                    women += o.value
                elif sex == "_T":
                    total += o.value
    return women, total


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_central_asia_share_of_women_is_added_up_from_one_source(client, lang) -> None:
    page = client.get(f"/region/M49_143?lang={lang}").text
    table = re.search(r'id="region-women-total">(.*?)</table>', page, re.S)
    assert table, "the region's share of women is shown"
    row = re.search(r'<tr data-period="2019-07-01">(.*?)</tr>', table.group(1), re.S)
    assert row, "UN DESA's 2019 revision gives the mid-2019 figures"
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    ]
    women, total = _published("2019-07-01")
    assert 0 < women < total
    assert cells[1] == percent(100 * women / total, lang)
    share = float(cells[1].replace(",", ".").replace("\u202f", "").rstrip("%"))
    assert 40 < share < 60  # women are about half of the foreign-born of Central Asia
    assert cells[4] == ""  # every member has both figures
    # The note that the source gives no breakdown by sex is gone, the per-country table stays.
    assert 'id="region-women-note"' not in page
    assert 'id="region-women"' in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_published_count_of_foreign_born_women_gives_the_country_share(client, lang) -> None:
    """Kazakhstan has no questionnaire: its share of women comes from UN DESA's Table 1 (the
    published foreign-born women over the published foreign-born), on the region page and as
    the profile's headline, the same number."""
    page = client.get(f"/region/M49_143?lang={lang}").text
    row = re.search(r'<tr data-country="KAZ">(.*?)</tr>', page, re.S)
    assert row, "Kazakhstan's share is listed"
    cells = [
        re.sub(r"<[^>]+>", " ", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    ]
    assert ("UN DESA" if lang == "en" else "ДЭСВ ООН") in cells[2] and "2019-07-01" in cells[2]
    dataset = read_source(UNDESA_XLSX, source="undesa", table="S01")
    cell = {
        o.key[1]: o.value
        for o in dataset.observations
        if o.ref_area == "KAZ"
        and o.time_period == "2019-07-01"
        and o.key[0] == "FOR"
        and all(code == "_T" for code in o.key[2:])
    }
    assert cells[1] == percent(100 * cell["F"] / cell["_T"], lang)
    profile = client.get(f"/country/KAZ?lang={lang}").text
    assert f">{cells[1]}%<" in profile
