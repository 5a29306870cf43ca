"""The rules a tabulation applied, recorded in its metadata and quoted by the explorer.

``migstat tabulate`` writes each table's reliability thresholds and disclosure rule into its
metadata sidecar; a submission keeps them with its table metadata, and the explorer's legend
quotes the thresholds of the submissions it shows, in English and Russian: the seeded survey
of tests/test_precision_attributes.py (CV from 10 % flagged, above 30 % suppressed), a
second country's survey with the common 16.6 % and 33.3 % and a minimum of 5 records, and a
census protected by the cell-key method. A submission stored without its rule still points
to the table's notes; a rule written wrongly in a sidecar is an error naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat.api import submit_file
from migstat.formats.submeta import read_sidecar
from migstat.microdata import tabulate, write_tabulation
from migstat.model import InputError
from migstat.store import Store
from migstat.store.access import COORDINATOR, Principal
from migstat.web.app import create_app
from migstat.web.views.numbers import number
from tests.test_disclosure_cellkey import MAPPING as CENSUS_MAPPING
from tests.test_disclosure_cellkey import _census
from tests.test_microdata_tabulate_survey import MAPPING, _sample, _write_records

BOSS = Principal("c", roles=frozenset({COORDINATOR}))
KGZ_RULE = {"flag_cv": 0.1, "suppress_cv": 0.3, "min_records": 0, "suppress_zero": True}
KAZ_RULE = {"flag_cv": 0.166, "suppress_cv": 0.333, "min_records": 5, "suppress_zero": True}


def _survey(root: Path, country: str, reliability: str) -> tuple[Path, Path]:
    data = root / f"{country}.csv"
    _write_records(data, _sample(seed=7 if country == "KGZ" else 8))
    mapping = root / f"{country}.yaml"
    text = MAPPING.replace("country: KGZ", f"country: {country}")
    text = text.replace("{flag_cv: 0.1, suppress_cv: 0.3}", reliability)
    text = text.replace('COB: {"417": KGZ', f'COB: {{"417": {"KGZ" if country == "KGZ" else "KAZ"}')
    mapping.write_text(text, encoding="utf-8")
    return write_tabulation(tabulate(data, mapping), root / f"{country}_out.csv")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")
    kgz = _survey(root, "KGZ", "{flag_cv: 0.1, suppress_cv: 0.3}")
    kaz = _survey(root, "KAZ", "{flag_cv: 0.166, suppress_cv: 0.333, min_records: 5}")
    census, mapping = _census(root / "census.csv"), root / "census.yaml"
    mapping.write_text(CENSUS_MAPPING.replace("country: KGZ", "country: TJK"), encoding="utf-8")
    protected = write_tabulation(tabulate(census, mapping, sdc="cellkey"), root / "TJK.csv")
    store = Store.open(f"sqlite:///{root / 'store.db'}")
    for (written, _meta), country in ((kgz, "KGZ"), (kaz, "KAZ"), (protected, "TJK")):
        record, checked = submit_file(store, written, country=country)
        assert record.status == "accepted", [f.message for f in checked.findings]
    yield store, {"KGZ": kgz, "KAZ": kaz, "TJK": protected}
    store.close()


def test_the_sidecar_and_the_store_keep_the_rules(portal) -> None:
    store, files = portal
    sidecar = json.loads(files["KGZ"][1].read_text(encoding="utf-8"))
    assert sidecar["tables"]["S01"]["reliability"] == KGZ_RULE
    assert "disclosure" not in sidecar["tables"]["S01"]
    assert read_sidecar(files["KAZ"][1]).tables["S01"].reliability == KAZ_RULE
    census = json.loads(files["TJK"][1].read_text(encoding="utf-8"))["tables"]["S02"]
    assert census["disclosure"]["rule"] == "cell_key"
    assert census["disclosure"]["parameters"]["max_perturbation"] == 2
    stored = {
        s.provider: store.table_metadata(s.id, principal=BOSS)
        for s in store.submissions(principal=BOSS)
    }
    assert stored["KGZ"]["S01"]["reliability"] == KGZ_RULE
    assert stored["KAZ"]["S01"]["reliability"] == KAZ_RULE
    assert stored["TJK"]["S01"]["disclosure"] == census["disclosure"]


def _legend(page: str) -> str:
    start = page.index('id="precision-legend"')
    return page[start : page.index("</ul>", start)]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_legend_quotes_each_shown_submissions_thresholds(portal, lang: str) -> None:
    store, _files = portal
    with TestClient(create_app(store=store)) as client:
        both = client.get(
            f"/explore?table=S01&REF_AREA=KGZ+KAZ&DATA_PROVIDER=KGZ+KAZ&rows=COUNTRY_BIRTH&cols=REF_AREA&lang={lang}"
        ).text
        alone = client.get(f"/explore?table=S01&REF_AREA=KGZ&lang={lang}").text
    legend, kgz_only = _legend(both), _legend(alone)

    def pct(value: float) -> str:
        return number(value * 100, lang, 1)

    if lang == "en":
        assert (
            "Kyrgyzstan: estimates with a CV of 10.0 % or more are flagged (E); above 30.0 % "
            "they are suppressed (F)." in legend
        )
        assert (
            "Kazakhstan: estimates with a CV of 16.6 % or more are flagged (E); above 33.3 % "
            "they are suppressed (F)." in legend
        )
        assert "Kazakhstan: estimates from fewer than 5 sample records are suppressed." in legend
        assert "notes." not in legend
    else:
        assert (
            f"Кыргызстан: оценки с коэффициентом вариации от {pct(0.1)} % помечены (E); выше "
            f"{pct(0.3)} % они скрыты (F)." in legend
        )
        assert f"Казахстан: оценки с коэффициентом вариации от {pct(0.166)} %" in legend
        assert f"выше {pct(0.333)} % они скрыты" in legend
        assert "Казахстан: оценки по менее чем 5 записям выборки скрыты." in legend
        assert "16,6" in legend and "33,3" in legend
    # only the thresholds of what is shown
    assert pct(0.166) not in kgz_only and pct(0.1) in kgz_only


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "Tajikistan: counts protected by the cell-key method: each inner cell changed by "
            "at most 2 (perturbation variance 1.0)",
        ),
        (
            "ru",
            "Таджикистан: численности защищены методом ключей ячеек: каждая внутренняя "
            "ячейка изменена не более чем на 2 (дисперсия возмущения 1.0)",
        ),
    ],
)
def test_the_legend_quotes_the_disclosure_rule(portal, lang: str, said: str) -> None:
    store, _files = portal
    with TestClient(create_app(store=store)) as client:
        page = client.get(f"/explore?table=S02&REF_AREA=TJK&lang={lang}").text
    legend = _legend(page)
    assert said in legend
    assert "CV" not in legend and "КВ" not in legend  # counts: nothing about estimates


def test_a_submission_without_its_rule_points_to_the_notes(portal, tmp_path: Path) -> None:
    store, files = portal
    written, meta = files["KGZ"]
    sidecar = json.loads(meta.read_text(encoding="utf-8"))
    del sidecar["tables"]["S01"]["reliability"]
    old = tmp_path / "UZB.csv"
    old.write_text(written.read_text(encoding="utf-8").replace("S01,KGZ,", "S01,UZB,"), "utf-8")
    sidecar["country"] = "UZB"
    (tmp_path / "UZB.csv.metadata.json").write_text(json.dumps(sidecar), encoding="utf-8")
    record, checked = submit_file(store, old, country="UZB")
    assert record.status == "accepted", [f.message for f in checked.findings]
    with TestClient(create_app(store=store)) as client:
        page = client.get("/explore?table=S01&REF_AREA=UZB&lang=en").text
    legend = _legend(page)
    assert "The thresholds are in the table&#39;s notes." in legend and "Uzbekistan:" not in legend


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reliability", {"flag_cv": 0.4, "suppress_cv": 0.3}),
        ("reliability", {"flag_cv": "16.6 %", "suppress_cv": 0.33}),
        ("disclosure", {"rule": "rounding", "parameters": {}}),
        ("disclosure", {"rule": "cell_key", "parameters": {"max": [1, 2]}}),
    ],
)
def test_a_rule_written_wrongly_names_the_field(
    portal, tmp_path: Path, field: str, value: object
) -> None:
    _store, files = portal
    sidecar = json.loads(files["KGZ"][1].read_text(encoding="utf-8"))
    sidecar["tables"]["S01"][field] = value
    path = tmp_path / "bad.csv.metadata.json"
    path.write_text(json.dumps(sidecar), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_sidecar(path)
    assert caught.value.where.file == "bad.csv.metadata.json"
    assert caught.value.where.column == f"tables.S01.{field}"
    assert "flag_cv" in str(caught.value) and "В метаданных таблицы S01" in caught.value.text("ru")


def test_a_minimum_frequency_rule_is_quoted_with_its_threshold(portal, tmp_path: Path) -> None:
    """A revision of the census protected by suppression (the rule the disclosure package
    applies at release) says so in its sidecar; the legend quotes its minimum frequency."""
    store, files = portal
    written, meta = files["TJK"]
    sidecar = json.loads(meta.read_text(encoding="utf-8"))
    for entry in sidecar["tables"].values():
        entry["disclosure"] = {"rule": "min_frequency", "parameters": {"min_frequency": 3}}
    again = tmp_path / "TJK.csv"
    again.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "TJK.csv.metadata.json").write_text(json.dumps(sidecar), encoding="utf-8")
    record, checked = submit_file(store, again, country="TJK")
    assert record.status == "accepted", [f.message for f in checked.findings]
    with TestClient(create_app(store=store)) as client:
        english = _legend(client.get("/explore?table=S01&REF_AREA=TJK&lang=en").text)
        russian = _legend(client.get("/explore?table=S01&REF_AREA=TJK&lang=ru").text)
    assert "Tajikistan: cells under 3 suppressed, and further cells with them" in english
    assert "cell-key" not in english  # the revision replaced the perturbed figures
    assert "Таджикистан: ячейки меньше 3 скрыты" in russian
