"""Mirror statistics: both sides of real CIS corridors, indicators, coverage, totals, flags."""

from __future__ import annotations

import csv
import math

import pytest
import sqlalchemy as sa

from migstat.analysis.mirror import available_years, mirror_matrix
from migstat.model import InputError
from migstat.store import Store
from migstat.store.access import AccessPolicy
from tests.mirror_stores import CIS_CSV, cis_value, flows, import_cis, put

needs_data = pytest.mark.skipif(not CIS_CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def cis(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("cis")
    with Store.open(f"sqlite:///{folder / 'cis.db'}") as store:
        import_cis(store)
        yield store


@needs_data
def test_cis_corridors_2019_match_the_source_file(cis) -> None:
    m = mirror_matrix(cis, years=[2019], providers=["CISSTAT"])
    y = 0
    # both sides of each corridor, checked against the CIS-Stat file itself
    for origin, dest in (("ARM", "RUS"), ("RUS", "KAZ"), ("KGZ", "KAZ"), ("UZB", "BLR")):
        o, d = m.countries.index(origin), m.countries.index(dest)
        assert m.emigration[y, o, d] == cis_value(origin, f"DEPARTURES.{dest}", 2019)
        assert m.immigration[y, o, d] == cis_value(dest, f"ARRIVALS.{origin}", 2019)
    rows = {(r["ORIGIN"], r["DESTINATION"]): r for r in m.rows(2019)}
    arm_rus = rows[("ARM", "RUS")]
    assert (arm_rus["EMIGRATION"], arm_rus["IMMIGRATION"]) == (903, 71984)
    assert arm_rus["DIFFERENCE"] == 71984 - 903
    assert arm_rus["RATIO"] == round(71984 / 903, 4)
    assert arm_rus["LOG_RATIO"] == round(math.log(71984 / 903), 4)
    assert arm_rus["RELATIVE_DIFFERENCE"] == round((71984 - 903) / ((71984 + 903) / 2), 4)
    assert arm_rus["EMIGRATION_PROVIDER"] == arm_rus["IMMIGRATION_PROVIDER"] == "CISSTAT"
    assert arm_rus["FLAGS"] == ""  # same publisher, same rule: nothing to explain by metadata
    # a corridor where both sides record nothing: difference 0, ratio undefined
    assert rows[("ARM", "AZE")]["DIFFERENCE"] == 0 and rows[("ARM", "AZE")]["RATIO"] is None
    # TJK and UKR have no 2019 partner rows: not in the matrix as reporters
    assert not any(k[1] == "TJK" for k in m.emigration_sides)


@needs_data
def test_cis_totals_and_coverage(cis) -> None:
    m = mirror_matrix(cis, years=[2019], providers=["CISSTAT"])
    totals = {t.country: t for t in m.country_totals(2019)}
    arm = totals["ARM"]
    partners = ("AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "UZB")
    assert (
        arm.emigration_reported
        == sum(cis_value("ARM", f"DEPARTURES.{p}", 2019) for p in partners)
        == 1036
    )
    assert (
        arm.emigration_mirror == sum(cis_value(p, "ARRIVALS.ARM", 2019) for p in partners) == 72410
    )
    assert arm.emigration_partners == 7
    assert arm.emigration_coverage == pytest.approx(1036 / 72410)
    # Russia records far more emigration to its partners than they record as arriving
    assert totals["RUS"].emigration_coverage > 10
    cov = m.coverage()[0]
    # eight reporters with 2019 partner data, every ordered pair reported on both sides
    assert (cov.corridors, cov.both, cov.none) == (56, 56, 0)


@needs_data
def test_provider_choice_is_per_reporter_and_shown(cis) -> None:
    default = mirror_matrix(cis, years=[2019])
    assert default.immigration_sides[(2019, "BLR")].provider == "BELSTAT"
    assert default.immigration_sides[(2019, "ARM")].provider == "CISSTAT"
    flags = default.flags(2019, "ARM", "BLR")
    assert [f.code for f in flags] == ["PROVIDER"]
    assert "CISSTAT" in flags[0].text("ru") and "источник" in flags[0].text("ru")
    only_cis = mirror_matrix(cis, years=[2019], providers=["CISSTAT"])
    assert only_cis.immigration_sides[(2019, "BLR")].provider == "CISSTAT"


@needs_data
def test_years_available_on_both_sides(cis) -> None:
    years = available_years(cis)
    assert 2019 in years and 2016 in years
    m = mirror_matrix(cis, years=range(2016, 2026), countries=["KAZ", "RUS"], providers=["CISSTAT"])
    assert m.countries == ["KAZ", "RUS"]
    series = {r["TIME_PERIOD"]: r for r in m.series("KAZ", "RUS")}
    assert series["2019"]["EMIGRATION"] == cis_value("KAZ", "DEPARTURES.RUS", 2019)
    assert series["2019"]["IMMIGRATION"] == cis_value("RUS", "ARRIVALS.KAZ", 2019)
    assert series["2025"]["IMMIGRATION"] is None  # Russia publishes to 2023 only


def test_flags_from_each_sides_metadata(store) -> None:
    put(
        store,
        flows(
            "KGZ",
            "F02",
            "KGZ",
            2020,
            {"_T": 1000, "KAZ": 300, "RUS": 500, "_U": 200},
            rule="permanent_registration",
            statuses={"RUS": "P"},
        ),
        flows(
            "KAZ",
            "F01",
            "KAZ",
            2020,
            {"_T": 900, "KGZ": 450, "RUS": 450},
            rule="12_months",
            source="survey",
            population="usual residents",
        ),
        flows(
            "RUS",
            "F01",
            "RUS",
            2020,
            {"_T": 5000, "KGZ": 4000, "KAZ": 1000},
            rule=None,
            synthetic=True,
        ),
        flows("KAZ", "F02", "KAZ", 2020, {"_T": 80, "KGZ": 80}, rule="12_months", months=12),
    )
    m = mirror_matrix(store, years=[2020])
    kgz_kaz = {f.code: f for f in m.flags(2020, "KGZ", "KAZ")}
    assert set(kgz_kaz) == {"RESIDENCE_RULE", "SOURCE_TYPE", "PROVIDER", "UNKNOWN_PARTNER"}
    assert kgz_kaz["RESIDENCE_RULE"].params == {
        "sender": "permanent_registration",
        "receiver": "12_months",
    }
    assert "20%" in kgz_kaz["UNKNOWN_PARTNER"].text("en")
    assert "эмиграции" in kgz_kaz["UNKNOWN_PARTNER"].text("ru")
    kgz_rus = {f.code for f in m.flags(2020, "KGZ", "RUS")}
    assert {"OBS_STATUS", "RULE_NOT_STATED", "SYNTHETIC"} <= kgz_rus
    rows = {(r["ORIGIN"], r["DESTINATION"]): r for r in m.rows(2020)}
    assert rows[("KGZ", "RUS")]["EMIGRATION_STATUS"] == "P"
    assert rows[("KGZ", "RUS")]["SYNTHETIC"] is True
    assert rows[("KAZ", "KGZ")]["IMMIGRATION"] is None  # KGZ sent no F01: one side only
    cov = m.coverage()[0]
    # reporters KGZ, KAZ, RUS: 6 ordered pairs
    assert (cov.corridors, cov.both, cov.emigration_only, cov.immigration_only, cov.none) == (
        6,
        2,
        1,
        2,
        1,
    )


def test_one_cell_of_the_other_dimensions(store) -> None:
    men = flows("KGZ", "F02", "KGZ", 2020, {"KAZ": 30}, sex="M")
    men.observations += flows("KGZ", "F02", "KGZ", 2020, {"KAZ": 20}, sex="F").observations
    men.observations += flows("KGZ", "F02", "KGZ", 2020, {"KAZ": 50}).observations
    put(store, men, flows("KAZ", "F01", "KAZ", 2020, {"KGZ": 41}, sex="M"))
    by_sex = {
        sex: mirror_matrix(store, years=[2020], sex=sex).rows(2020)[0] for sex in ("M", "F", "_T")
    }
    assert (by_sex["M"]["EMIGRATION"], by_sex["M"]["IMMIGRATION"]) == (30, 41)
    assert (by_sex["F"]["EMIGRATION"], by_sex["F"]["IMMIGRATION"]) == (20, None)
    assert (by_sex["_T"]["EMIGRATION"], by_sex["_T"]["SEX"]) == (50, "_T")


def test_citizenship_basis_is_flagged_as_a_proxy(store) -> None:
    put(
        store,
        flows("TJK", "F04", "TJK", 2021, {"_T": 50, "RUS": 50}),
        flows("RUS", "F03", "RUS", 2021, {"_T": 700, "TJK": 700}),
    )
    m = mirror_matrix(store, years=[2021], basis="citizenship")
    row = m.rows(2021)[0]
    assert (row["ORIGIN"], row["DESTINATION"], row["EMIGRATION"], row["IMMIGRATION"]) == (
        "TJK",
        "RUS",
        50,
        700,
    )
    assert row["FLAGS"].split()[0] == "CITIZENSHIP_PROXY"
    assert "AGE" not in row
    with pytest.raises(InputError) as err:
        mirror_matrix(store, years=[2021], basis="citizenship", age="Y20T24")
    assert "возраст" in err.value.text("ru")


def test_bad_selection_is_a_clear_error(store) -> None:
    with pytest.raises(InputError) as err:
        mirror_matrix(store, years=[2020], sex="X")
    assert "SEX" in err.value.text("en")
    with pytest.raises(InputError):
        mirror_matrix(store, years=[2020], basis="birth")
    put(store, flows("KGZ", "F02", "KGZ", 2020, {"KAZ": 1}))
    with pytest.raises(InputError) as err:
        mirror_matrix(store, years=[2020]).country_totals(2019)
    assert "2020" in err.value.text("en")


class HideKazakhstan(AccessPolicy):
    """A policy under which KAZ's submissions are not current data."""

    def data_clause(self, principal, submission):
        return sa.and_(super().data_clause(principal, submission), submission.c.provider != "KAZ")


def test_reads_pass_the_access_gate(db_url: str) -> None:
    with Store.open(db_url) as opened:
        put(
            opened,
            flows("KGZ", "F02", "KGZ", 2020, {"KAZ": 300}),
            flows("KAZ", "F01", "KAZ", 2020, {"KGZ": 450}),
        )
        assert mirror_matrix(opened, years=[2020]).rows(2020)[0]["IMMIGRATION"] == 450
    with Store.open(db_url, policy=HideKazakhstan()) as gated:
        row = mirror_matrix(gated, years=[2020]).rows(2020)[0]
        assert (row["EMIGRATION"], row["IMMIGRATION"]) == (300, None)


@needs_data
def test_demo_writes_the_cis_mirror(cis, tmp_path) -> None:
    from openpyxl import load_workbook

    from migstat.demo.mirror import write_mirror_report

    line = write_mirror_report(cis, tmp_path)
    assert line.startswith("Mirror statistics (CIS-Stat, Belstat): 2016-2025")
    # 2021: nine reporters with partner rows on both sides (ARM..UZB without BLR), all pairs
    assert "2021: 72 of 72 corridors between 9 countries" in line
    with (tmp_path / "mirror" / "cis_mirror_matrix.csv").open(encoding="utf-8") as handle:
        rows = {
            (r["TIME_PERIOD"], r["ORIGIN"], r["DESTINATION"]): r for r in csv.DictReader(handle)
        }
    assert int(rows[("2019", "ARM", "RUS")]["EMIGRATION"]) == 903
    tjk = rows[("2021", "TJK", "RUS")]
    assert int(tjk["EMIGRATION"]) == cis_value("TJK", "DEPARTURES.RUS", 2021)
    assert int(tjk["IMMIGRATION"]) == cis_value("RUS", "ARRIVALS.TJK", 2021)
    wb = load_workbook(tmp_path / "mirror" / "KAZ_2021_mirror_report.xlsx")
    assert wb.sheetnames == ["Data", "Totals by year", "Metadata"]
