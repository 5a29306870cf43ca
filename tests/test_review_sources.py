"""A submission beside other sources for the same cells, with UN DESA's real figures.

UN DESA's International Migrant Stock 2019 (the revision in /work/shared/data/un_desa) puts
109,511 people born in Russia, 26,231 born in Ukraine, 12,679 born in Kazakhstan and 8,997
born in Uzbekistan in Kyrgyzstan at mid-2019. Kyrgyzstan's submission for the same cells says
110,200 / 7,400 / 12,300 / 9,100: Ukraine is 3.5 times apart, a warning; the rest agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.exchange import accounts, sources_check, totp, workflow
from migstat.exchange.review import Corridor
from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import Store
from migstat.store.access import PARTNERS, Principal
from migstat.web.views import submit as views
from tests.test_exchange_workflow import signed_in
from tests.test_web_signin import PASSWORD, T0

PERIOD = "2019-07-01"
UNDESA = {"RUS": 109_511.0, "UKR": 26_231.0, "KAZ": 12_679.0, "UZB": 8_997.0}
KGZ = {"RUS": 110_200.0, "UKR": 7_400.0, "KAZ": 12_300.0, "UZB": 9_100.0}


def stock(provider: str, values: dict[str, float], country: str | None = None) -> Dataset:
    return Dataset(
        file_name=f"{provider}_2019.csv",
        format="csv",
        provider=provider,
        observations=[
            Observation("S01", "KGZ", PERIOD, (born, "_T", "_T"), value, "A")
            for born, value in values.items()
        ],
        metadata=SubmissionMetadata(country=country, year=2019),
    )


@pytest.fixture
def opened(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as store:
        before = T0 - timedelta(days=1)
        accounts.add(store, "coord", "coordinator", PASSWORD, by="test", now=before)
        accounts.add(store, "aigul", "reporter", PASSWORD, country="KGZ", by="test", now=before)
        totp.enrol(store, "coord", by="test", now=before)
        store.submit(stock("UN_DESA", UNDESA), b"UN DESA 2019", findings=[])
        yield store


def test_an_upload_is_warned_where_another_source_differs(opened: Store) -> None:
    found = sources_check.source_findings(opened, stock("KGZ", KGZ, "KGZ"))
    assert [f.rule for f in found] == ["SOURCE_FACTOR"]
    warning = found[0]
    assert warning.values == {"observed": 7_400.0, "expected": 26_231.0}
    assert "UN_DESA" in warning.text("en") and "3.5 times apart" in warning.text("en")
    assert "UN_DESA публикует" in warning.text("ru") and "в 3.5 раза" in warning.text("ru")
    # a stricter factor from the setting: Russia (1.006) stays, Uzbekistan (1.011) stays
    assert len(sources_check.source_findings(opened, stock("KGZ", KGZ, "KGZ"), factor=1.02)) == 2


def test_only_what_the_public_may_read_is_compared(opened: Store) -> None:
    """A source released to partners only is not put before the reporter."""
    opened.submit(stock("CISSTAT", {"UKR": 7_000.0}), b"CIS-Stat", findings=[], release=PARTNERS)
    found = sources_check.source_findings(opened, stock("KGZ", KGZ, "KGZ"))
    assert [f.params["source"] for f in found] == ["UN_DESA"]
    opened.submit(stock("CISSTAT", {"UKR": 7_000.0}), b"CIS-Stat 2", findings=[])
    found = sources_check.source_findings(opened, stock("KGZ", KGZ, "KGZ"))
    assert [f.params["source"] for f in found] == ["UN_DESA"]  # CIS-Stat agrees with KGZ


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_review_page_shows_the_other_sources(opened: Store, lang: str) -> None:
    record = opened.submit(
        stock("KGZ", KGZ, "KGZ"), b"KGZ 2019", findings=[], status="submitted", release=None
    )
    web, _csrf = signed_in(opened, "coord", lang)
    page = web.get(f"/submissions/{record.id}?lang={lang}")
    assert page.status_code == 200, page.text[:2000]
    table = page.text[page.text.index('id="sources"') :]
    table = table[table.index("<tbody>") : table.index("</table>")]
    rows = re.findall(r"<tr( class=\"finding-warning\")?>(.*?)</tr>", table, re.S)
    assert len(rows) == 4
    warned = [cells for flag, cells in rows if flag]
    assert len(warned) == 1 and "S01.KGZ" not in warned[0] and "UKR._T._T" in warned[0]
    assert "3.5" in warned[0] and "UN_DESA" in warned[0]
    heading = "Against other sources" if lang == "en" else "Сравнение с другими источниками"
    assert heading in page.text


def test_a_questionnaire_upload_carries_the_warnings_to_the_reporter(
    opened: Store, tmp_path: Path
) -> None:
    """The synthetic Kyrgyz questionnaire for 2024 against UN DESA's 2019 figures put at the
    same date: Kazakhstan (32,787 against 12,679), Uzbekistan (31,829 / 8,997) and Ukraine
    (12,363 / 26,231) are more than twice apart, Russia (161,137 / 109,511) is not."""
    same_date = stock("UN_DESA", UNDESA)
    for obs in same_date.observations:
        obs.time_period = "2024-01-01"
    opened.submit(same_date, b"UN DESA 2019 at 2024", findings=[])
    book = write_workbook(tmp_path / "KGZ_2024.xlsx", consistent_dataset("KGZ", 2024))
    upload = views.check_upload(opened, book.read_bytes(), book.name)
    warned = sorted(f.params["key"] for f in upload.findings if f.rule == "SOURCE_FACTOR")
    assert warned == ["KAZ._T._T", "UKR._T._T", "UZB._T._T"]
    reporter = Principal("aigul", frozenset({"reporter"}), "KGZ")
    record = views.store_upload(opened, upload, who=reporter, send=False, note=None, client=None)
    rows = views.stored_rows(opened, record.id, "ru")
    mine = [r for r in rows if r["rule"] == "SOURCE_FACTOR"]
    assert len(mine) == 3 and all("UN_DESA" in r["message"] for r in mine)
    uzb = next(r["message"] for r in mine if "UZB" in r["message"])
    assert "31\u202f829" in uzb and "8\u202f997" in uzb and "3.5" in uzb
    assert record.status == workflow.DRAFT


@pytest.mark.parametrize(
    ("own", "other", "beyond", "ratio"),
    [
        (100.0, 150.0, False, 1.5),  # within the factor 2
        (100.0, 250.0, True, 2.5),  # beyond it, either way round
        (250.0, 100.0, True, 2.5),
        (4.0, 9.0, False, 2.25),  # both under MIN_FLOW: small numbers swing
        (0.0, 40.0, True, 40e9),  # one side nothing, the other not small
        (-50.0, 5.0, True, 5e9),  # a negative figure beside a small one is still a warning
    ],
)
def test_the_mirror_and_the_other_sources_judge_a_difference_alike(
    own: float, other: float, beyond: bool, ratio: float
) -> None:
    pair = (
        Corridor("F01", "KAZ", "2020", own, other, 2.0),
        sources_check.OtherSource("S01", "KGZ", "2020", "_T._T._T", "UNDESA", own, other, 2.0),
    )
    for judged in pair:
        assert judged.beyond is beyond
        assert judged.ratio == pytest.approx(ratio)


def test_an_uploads_warnings_are_capped_per_rule(
    opened: Store, tmp_path: Path, monkeypatch
) -> None:
    """Past the bound of a rule, the other sources' warnings of an upload are counted in one
    finding, as validation's are: the three of the questionnaire above, two kept."""
    same_date = stock("UN_DESA", UNDESA)
    for obs in same_date.observations:
        obs.time_period = "2024-01-01"
    opened.submit(same_date, b"UN DESA 2019 at 2024", findings=[])
    book = write_workbook(tmp_path / "KGZ_2024.xlsx", consistent_dataset("KGZ", 2024))
    monkeypatch.setattr(views, "WARNINGS_PER_RULE", 2)
    upload = views.check_upload(opened, book.read_bytes(), book.name)
    warned = [f for f in upload.findings if f.rule == "SOURCE_FACTOR"]
    more = [f for f in upload.findings if f.rule == "FINDINGS_MORE"]
    assert len(warned) == 2 and len(more) == 1
    assert more[0].params == {"count": 1, "rule": "SOURCE_FACTOR", "kept": 2}
    assert "1 more findings of rule SOURCE_FACTOR" in more[0].text("en")
    assert more[0].where.file == book.name and "SOURCE_FACTOR" in more[0].text("ru")
