"""A country's mirror report opens on the latest year in which most of its partners are read
from real numbers. The portal's real store (CIS-Stat's arrivals and departures by partner)
with the demonstration's synthetic questionnaires of 2024 for Kyrgyzstan and its main
partners preferred over CIS-Stat, as the demo has them: 2024 then has the most partners on
both sides, all made up, and the report used to open there. English and Russian."""

from __future__ import annotations

import re

import pytest

from migstat.demo.synthetic import consistent_dataset
from migstat.model import default_registry
from migstat.web.app import create_app
from tests.portal_store import available, build_portal_store, has_cis

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")

PARTNERS = ("RUS", "KAZ", "TJK", "UZB", "UKR", "BLR")
NATIONAL_FIRST = "provider=KGZ," + ",".join(PARTNERS) + ",CISSTAT"
KGZ = {"en": "Kyrgyzstan", "ru": "Кыргызстан"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    store = build_portal_store(tmp_path_factory.mktemp("mirror-year") / "portal.db")
    registry = default_registry()
    for country in PARTNERS:
        dataset = consistent_dataset(country, 2024, registry=registry)
        dataset.synthetic = True
        store.submit(dataset, country.encode(), findings=[], submitted_by="test", accepted=True)
    with TestClient(create_app(store=store)) as test_client:
        yield test_client
    store.close()


def _year(page: str) -> str:
    return re.search(r'<option value="(\d{4})" selected', page).group(1)


def _numbers(page: str) -> list[str]:
    tables = re.findall(r'<table id="mirror-(?:emigration|immigration)">.*?</table>', page, re.S)
    return re.findall(r'<td class="num">(.*?)</td>', "".join(tables))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_report_opens_on_the_latest_year_of_real_partners(client, lang) -> None:
    page = client.get(f"/mirror/country/KGZ?{NATIONAL_FIRST}&lang={lang}").text
    synthetic = client.get(f"/mirror/country/KGZ?{NATIONAL_FIRST}&year=2024&lang={lang}").text
    real = client.get(f"/mirror/country/KGZ?provider=CISSTAT&lang={lang}").text
    year = _year(page)
    # 2024 has more partners than any year, all against made-up numbers: offered, marked,
    # not opened on.
    assert len(_numbers(synthetic)) > len(_numbers(page)) > 10
    assert year != "2024" and has_cis(int(year)) and '<option value="2024">' in page
    assert "2024" in re.search(r'id="mirror-marked">(.*?)</p>', page, re.S).group(1)
    # The year CIS-Stat's real figures alone open on, with the same published numbers.
    assert year == _year(real) and _numbers(page) == _numbers(real)
    assert re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).endswith(f"{KGZ[lang]}, {year}")
