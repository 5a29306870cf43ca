"""Validation rules: a consistent submission passes; each planted error gives exactly its finding.

Numbers come from ``consistent_dataset`` (a realistic, fully consistent Kyrgyz submission)
or from small hand-made tables where a rule's semantics is the point.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from itertools import product

import pytest

from migstat.demo.synthetic import complete_metadata, consistent_dataset
from migstat.model import (
    Dataset,
    Finding,
    Location,
    Observation,
    Severity,
    default_registry,
)
from migstat.validation import validate

NNBSP = "\u202f"


def big(n: int) -> str:
    """A number as messages show it (narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", NNBSP)


@pytest.fixture(scope="module")
def pristine() -> Dataset:
    return consistent_dataset("KGZ", 2024)


@pytest.fixture
def ds(pristine: Dataset) -> Dataset:
    """A fresh copy of the consistent submission, free to be spoiled by a test."""
    return Dataset(
        file_name=pristine.file_name,
        format=pristine.format,
        provider=pristine.provider,
        observations=[replace(o) for o in pristine.observations],
        metadata=deepcopy(pristine.metadata),
    )


def cells(ds: Dataset) -> dict[tuple[str, tuple[str, ...]], Observation]:
    return {(o.table, o.key): o for o in ds.observations}


def at(f: Finding) -> str:
    assert f.where is not None
    return f"{f.where.sheet}!{f.where.cell}"


def texts(f: Finding) -> tuple[str, str]:
    return f.text("en"), f.text("ru")


def bump(
    ds: Dataset, table: str, key: tuple[str, ...], delta: float, along: tuple[str, ...]
) -> None:
    """Add ``delta`` to a cell and to every total above it along ``along`` (stays consistent)."""
    registry = default_registry()
    tdef = registry.tables[table]
    index = cells(ds)
    dims = [tdef.key_index(d) for d in along]
    for mask in product((False, True), repeat=len(dims)):
        k = list(key)
        for i, use in zip(dims, mask, strict=True):
            if use:
                k[i] = tdef.dimensions[i].total
        index[(table, tuple(k))].value += delta


def mini(
    table: str,
    values: dict[tuple[str, ...], float | None],
    *,
    period: str = "2024",
    country: str = "KGZ",
    rounding_base: int | None = None,
) -> Dataset:
    """A hand-made table with complete metadata; cells D8, D9 ... in the order given."""
    year = int(period[:4])
    meta = complete_metadata(country, year, file_name="mini.xlsx")
    if rounding_base is not None:
        meta.tables[table].rounding_base = rounding_base
    observations = [
        Observation(
            table,
            country,
            period,
            key,
            value,
            obs_status="A" if value is not None else "L",
            where=Location(file="mini.xlsx", sheet=table, cell=f"D{8 + n}"),
        )
        for n, (key, value) in enumerate(values.items())
    ]
    return Dataset(
        file_name="mini.xlsx",
        format="questionnaire",
        provider=country,
        observations=observations,
        metadata=meta,
    )


# -- the consistent submission ------------------------------------------------------------------


def test_consistent_submission_has_no_findings(ds: Dataset) -> None:
    assert len(ds.observations) > 20_000
    assert {o.table for o in ds.observations} == {
        "S01",
        "S02",
        "S03",
        "S04",
        "F01",
        "F02",
        "F03",
        "F04",
        "A01",
    }
    assert validate(ds) == []


def test_consistent_dense_submission_has_no_findings() -> None:
    dense = consistent_dataset("ARM", 2023, seed=3, dense=True)
    assert len(dense.observations) > 140_000
    assert validate(dense) == []


def test_reader_findings_are_kept_and_sorted(ds: Dataset) -> None:
    reader = Finding(
        rule="STRUCT_FORMULA",
        severity=Severity.WARNING,
        message="{cell}: formula",
        params={"cell": "S01!D9"},
        table="S01",
        where=Location(sheet="S01", cell="D9"),
    )
    ds.findings.append(reader)
    cells(ds)[("S02", ("RUS", "F", "Y25T29"))].value = -1
    found = validate(ds)
    assert found[-1] is reader
    assert found[0].severity == Severity.ERROR


# -- structural -----------------------------------------------------------------------------


def test_unknown_table(ds: Dataset) -> None:
    ds.observations.append(
        Observation("X99", "KGZ", "2024", ("_T",), 5.0, where=Location(sheet="X99", cell="C8"))
    )
    ds.observations.append(
        Observation("X99", "KGZ", "2024", ("M",), 3.0, where=Location(sheet="X99", cell="C9"))
    )
    [f] = validate(ds)
    assert (f.rule, f.severity, at(f), f.values) == (
        "STRUCT_UNKNOWN_TABLE",
        "error",
        "X99!C8",
        {"count": 2},
    )
    en, ru = texts(f)
    assert "X99!C8" in en and "X99" in en and "2 values" in en
    assert "X99!C8" in ru and "нет в реестре" in ru


def test_unknown_code_in_a_breakdown(ds: Dataset) -> None:
    ds.observations.append(
        Observation(
            "S01",
            "KGZ",
            "2024-01-01",
            ("RUS", "F", "Y25T30"),
            0.0,
            where=Location(sheet="S01", cell="Z41"),
        )
    )
    [f] = validate(ds)
    assert (f.rule, f.severity, at(f)) == ("STRUCT_UNKNOWN_CODE", "error", "S01!Z41")
    assert f.key == {
        "REF_AREA": "KGZ",
        "TIME_PERIOD": "2024-01-01",
        "COUNTRY_BIRTH": "RUS",
        "SEX": "F",
        "AGE": "Y25T30",
    }
    en, ru = texts(f)
    assert "Y25T30" in en and "AGE" in en and "S01!Z41" in en
    assert "Y25T30" in ru and "недопустим" in ru


def test_withdrawn_partner_code_after_withdrawal(ds: Dataset) -> None:
    ds.observations.append(
        Observation(
            "S01",
            "KGZ",
            "2024-01-01",
            ("SUN", "F", "Y70T74"),
            0.0,
            where=Location(sheet="S01", cell="T300"),
        )
    )
    [f] = validate(ds)
    assert (f.rule, at(f)) == ("STRUCT_UNKNOWN_CODE", "S01!T300")
    en, ru = texts(f)
    assert "withdrawn on 1992-08-30" in en and "SUN" in en
    assert "упразднён 1992-08-30" in ru


def test_historical_partner_and_aggregates_are_valid_while_they_exist() -> None:
    values = {
        ("_T", "_T", "_T"): 1000.0,
        ("SUN", "_T", "_T"): 700.0,
        ("STATELESS", "_T", "_T"): 300.0,
        ("CIS", "_T", "_T"): 700.0,
    }
    assert validate(mini("S01", values, period="1991-01-01")) == []
    [f] = validate(mini("S01", values, period="1993-01-01"))
    assert (f.rule, at(f)) == ("STRUCT_UNKNOWN_CODE", "S01!D9")


def test_reporting_area_must_be_a_country(ds: Dataset) -> None:
    for o in ds.observations:
        if o.table == "F03":
            o.ref_area = "CIS"
    [f] = validate(ds)
    assert f.rule == "STRUCT_UNKNOWN_CODE" and f.table == "F03"
    assert "CIS" in f.text("en") and f.values == {"count": 312}


def test_period_shape(ds: Dataset) -> None:
    for o in ds.observations:
        if o.table == "F04":
            o.time_period = "2024-12-31"
    [f] = validate(ds)
    assert (f.rule, f.table) == ("STRUCT_UNKNOWN_CODE", "F04")
    assert "2024-12-31" in f.text("en") and "YYYY" in f.text("en")
    assert "ГГГГ" not in f.text("ru") and "YYYY" in f.text("ru")


def test_duplicate_points_at_the_second_and_names_the_first(ds: Dataset) -> None:
    first = cells(ds)[("A01", ("RUS", "M", "OCC"))]
    ds.observations.append(replace(first, where=Location(sheet="A01", cell="F999")))
    [f] = validate(ds)
    assert (f.rule, f.severity, at(f)) == ("STRUCT_DUPLICATE", "error", "A01!F999")
    assert f.related == (first.where,)
    en, ru = texts(f)
    assert "A01!F999" in en and at_text(first) in en
    assert at_text(first) in ru


def at_text(obs: Observation) -> str:
    assert obs.where is not None
    return f"{obs.where.sheet}!{obs.where.cell}"


def test_negative_count(ds: Dataset) -> None:
    index = cells(ds)
    # Move 40 immigrants between two cells and two partners so that every total still holds:
    # the stateless women's cell goes negative and nothing else changes.
    stateless_f = index[("F03", ("STATELESS", "LT", "F"))]
    x = stateless_f.value + 40
    for key, delta in (
        (("STATELESS", "LT", "F"), -x),
        (("STATELESS", "LT", "M"), x),
        (("RUS", "LT", "F"), x),
        (("RUS", "LT", "M"), -x),
    ):
        index[("F03", key)].value += delta
    [f] = validate(ds)
    assert (f.rule, f.severity, at(f), f.values) == (
        "STRUCT_NEGATIVE",
        "error",
        at_text(stateless_f),
        {"observed": -40.0},
    )
    assert "-40" in f.text("en") and "-40" in f.text("ru")
    assert at_text(stateless_f) in f.text("ru")


def test_fraction_of_a_person(ds: Dataset) -> None:
    # Rounded to 5 in the metadata: a half does not break a total, but a person is whole.
    ds.metadata.tables["F03"].rounding_base = 5
    obs = cells(ds)[("F03", ("RUS", "ST", "F"))]
    obs.value += 0.5
    [f] = validate(ds)
    assert (f.rule, f.severity, at(f)) == ("STRUCT_NOT_INTEGER", "error", at_text(obs))
    assert str(obs.value) in f.text("en") and at_text(obs) in f.text("en")
    assert "не целое" in f.text("ru")


def test_missing_table_metadata_points_at_the_metadata_cell(ds: Dataset) -> None:
    meta = ds.metadata.tables["S02"]
    meta.source_type = None
    [f] = validate(ds)
    assert (f.rule, f.severity, f.table) == ("STRUCT_MISSING_METADATA", "error", "S02")
    assert f.where == meta.where["source_type"]
    assert "source_type" in f.text("en") and "S02" in f.text("ru")


def test_missing_table_metadata_without_any_metadata(ds: Dataset) -> None:
    del ds.metadata.tables["A01"]
    found = validate(ds)
    assert sorted((f.rule, f.table, f.params["field"]) for f in found) == [
        ("STRUCT_MISSING_METADATA", "A01", "reference_date"),
        ("STRUCT_MISSING_METADATA", "A01", "source_type"),
    ]
    assert all(f.where == Location(file=ds.file_name) for f in found)


def test_questionnaire_without_agency_or_contact(ds: Dataset) -> None:
    ds.metadata.agency = None
    ds.metadata.contact_name = ds.metadata.contact_email = None
    found = validate(ds)
    assert sorted((f.rule, f.params["field"], at(f)) for f in found) == [
        ("STRUCT_MISSING_METADATA", "agency", "Metadata!C6"),
        ("STRUCT_MISSING_METADATA", "contact", "Metadata!C7"),
    ]
    ds.format = "long_csv"
    assert validate(ds) == []


# -- arithmetic -------------------------------------------------------------------------------


def test_a_typo_shows_in_every_total_the_cell_feeds(ds: Dataset) -> None:
    index = cells(ds)
    typo = index[("S01", ("RUS", "F", "Y25T29"))]
    typo.value += 7
    found = validate(ds)
    # readable names, never the internal ids of the hierarchies ("иерархия WORLD")
    expected = {
        ("_T", "F", "Y25T29"): ("grouping: World", "Country of birth", "Весь мир"),
        ("RUS", "_T", "Y25T29"): ("grouping: Both sexes", "Sex: Total (_T)", "Оба пола"),
        ("RUS", "F", "_T"): ("grouping: Five-year age groups", "Age", "Пятилетние"),
    }
    assert len(found) == 3
    for f in found:
        key = (f.key["COUNTRY_BIRTH"], f.key["SEX"], f.key["AGE"])
        total = index[("S01", key)]
        hierarchy, dimension, in_russian = expected[key]
        assert (f.rule, f.severity, f.where) == ("ARITH_TOTAL", "error", total.where)
        assert f.values["observed"] == total.value
        assert f.values["expected"] == total.value + 7
        assert f.values["difference"] == -7 and f.values["tolerance"] == 0
        assert typo.where in f.related
        en, ru = texts(f)
        assert at_text(total) in en and big(int(total.value)) in en and "-7" in en
        assert hierarchy in en and dimension in en
        assert at_text(total) in ru and big(int(total.value) + 7) in ru and "итог" in ru
        assert in_russian in ru and "WORLD" not in ru and "AGE_5Y" not in ru


def test_parts_of_a_total_in_related() -> None:
    values = {
        ("RUS", "LT", "_T"): 100.0,
        ("RUS", "LT", "M"): 60.0,
        ("RUS", "LT", "F"): 30.0,
        ("RUS", "LT", "_U"): 0.0,
    }
    [f] = validate(mini("F03", values))
    assert at(f) == "F03!D8"
    assert [loc.cell for loc in f.related] == ["D9", "D10", "D11"]
    assert f.values == {
        "observed": 100,
        "expected": 90,
        "difference": 10,
        "tolerance": 0,
        "parts": 3,
        "missing": 0,
    }
    assert "Sex: Total (_T)" in f.text("en") and "100" in f.text("en") and "90" in f.text("en")


def test_missing_parts_check_only_that_the_total_is_not_smaller() -> None:
    ok = {("RUS", "LT", "_T"): 100.0, ("RUS", "LT", "M"): 60.0, ("RUS", "LT", "F"): None}
    assert validate(mini("F03", ok)) == []
    absent = {("RUS", "LT", "_T"): 100.0, ("RUS", "LT", "M"): 60.0}
    assert validate(mini("F03", absent)) == []
    bad = {("RUS", "LT", "_T"): 50.0, ("RUS", "LT", "M"): 60.0, ("RUS", "LT", "F"): None}
    [f] = validate(mini("F03", bad))
    assert (f.rule, at(f)) == ("ARITH_TOTAL", "F03!D8")
    assert f.values["difference"] == -10 and f.values["missing"] == 2
    en, ru = texts(f)
    assert "less than the sum of the parts given 60" in en and "2 parts not given" in en
    assert "меньше суммы заполненных слагаемых 60" in ru and "F03!D8" in ru


def test_missing_total_is_not_checked() -> None:
    values = {("RUS", "LT", "_T"): None, ("RUS", "LT", "M"): 60.0, ("RUS", "LT", "F"): 5.0}
    assert validate(mini("F03", values)) == []


def test_world_is_sparse_absent_rows_count_as_zero() -> None:
    values = {("_T", "LT", "F"): 100.0, ("RUS", "LT", "F"): 60.0, ("KAZ", "LT", "F"): 40.0}
    assert validate(mini("F03", values)) == []
    values[("KAZ", "LT", "F")] = 30.0
    values[("TUR", "LT", "F")] = 0.0
    [f] = validate(mini("F03", values))
    assert (f.rule, at(f), f.values["difference"], f.values["missing"]) == (
        "ARITH_TOTAL",
        "F03!D8",
        10,
        0,
    )
    assert {loc.cell for loc in f.related} == {"D9", "D10"}  # the zero row is left out
    assert "grouping: World" in f.text("en") and "Country of citizenship" in f.text("en")


def test_world_with_an_empty_row_becomes_an_inequality() -> None:
    values = {("_T", "LT", "F"): 100.0, ("RUS", "LT", "F"): 60.0, ("KAZ", "LT", "F"): None}
    assert validate(mini("F03", values)) == []
    values[("_T", "LT", "F")] = 50.0
    [f] = validate(mini("F03", values))
    assert f.values["missing"] == 1 and f.values["difference"] == -10


def test_dropping_a_country_row_from_a_submission(ds: Dataset) -> None:
    dropped = cells(ds)[("F03", ("TUR", "ST", "M"))]
    assert dropped.value > 0
    ds.observations.remove(dropped)
    [f] = validate(ds)
    total = cells(ds)[("F03", ("_T", "ST", "M"))]
    assert (f.rule, f.where, f.values["difference"]) == ("ARITH_TOTAL", total.where, dropped.value)


def test_world_is_skipped_where_partners_are_grouped() -> None:
    values = {
        ("_T", "LT", "F"): 100.0,
        ("CIS", "LT", "F"): 70.0,
        ("NON_CIS", "LT", "F"): 30.0,
        ("RUS", "LT", "F"): 50.0,
        ("KAZ", "LT", "F"): 20.0,
    }
    assert validate(mini("F03", values)) == []


def cis_values(georgia: float) -> dict[tuple[str, ...], float]:
    members = {
        "ARM": 5.0,
        "AZE": 7.0,
        "BLR": 3.0,
        "GEO": georgia,
        "KAZ": 120.0,
        "KGZ": 900.0,
        "MDA": 2.0,
        "RUS": 310.0,
        "TJK": 45.0,
        "TKM": 1.0,
        "UKR": 16.0,
        "UZB": 88.0,
    }
    out = {("CIS", "LT", "_T"): sum(members.values())}
    out.update({(c, "LT", "_T"): v for c, v in members.items()})
    return out


def test_cis_membership_is_date_effective() -> None:
    # Georgia is counted in the CIS until 17 August 2009.
    assert validate(mini("F03", cis_values(georgia=11.0), period="2008")) == []
    [f] = validate(mini("F03", cis_values(georgia=11.0), period="2012"))
    assert (f.rule, at(f), f.values["difference"]) == ("ARITH_TOTAL", "F03!D8", 11)
    assert "grouping: Regional groups" in f.text("en") and "(CIS)" in f.text("en")
    assert len(f.related) == 11
    stock = {(k[0], "_T", "_T"): v for k, v in cis_values(georgia=11.0).items()}
    assert validate(mini("S02", stock, period="2009-08-17")) == []
    assert len(validate(mini("S02", stock, period="2009-08-18"))) == 1


def test_region_with_a_missing_member_is_an_inequality() -> None:
    values = cis_values(georgia=0.0)
    del values[("TKM", "LT", "_T")]
    assert validate(mini("F03", values, period="2012")) == []
    values[("CIS", "LT", "_T")] = 1000.0
    [f] = validate(mini("F03", values, period="2012"))
    assert f.values["missing"] == 1 and "not given" in f.text("en")


def test_rounding_tolerance_from_the_metadata() -> None:
    values = {
        ("RUS", "LT", "_T"): 100.0,
        ("RUS", "LT", "M"): 55.0,
        ("RUS", "LT", "F"): 40.0,
        ("RUS", "LT", "_U"): 0.0,
    }
    [exact] = validate(mini("F03", values))
    assert exact.values["difference"] == 5 and exact.values["tolerance"] == 0
    assert validate(mini("F03", values, rounding_base=5)) == []  # 5 <= 5 * 3 / 2
    values[("RUS", "LT", "F")] = 50.0
    assert validate(mini("F03", values, rounding_base=5)) == []  # -5: still within 7.5
    values[("RUS", "LT", "M")] = 60.0
    [f] = validate(mini("F03", values, rounding_base=5))
    assert f.values["difference"] == -10 and "7.5" in f.text("en") and "7.5" in f.text("ru")


def test_imported_data_arithmetic_only_informs(ds: Dataset) -> None:
    cells(ds)[("S01", ("RUS", "F", "Y25T29"))].value += 7
    cells(ds)[("A01", ("RUS", "M", "OCC"))].value = -3
    found = validate(ds, imported=True)
    assert {(f.rule, f.severity) for f in found} == {
        ("ARITH_TOTAL", "warning"),
        ("STRUCT_NEGATIVE", "error"),
    }
    assert [f.rule for f in found if f.severity == "warning"].count("ARITH_TOTAL") == 6


# -- cross-table ------------------------------------------------------------------------------


def test_non_citizens_15_plus(ds: Dataset) -> None:
    # Ten adult men recorded as Russian citizens instead of Kyrgyz citizens: S02 still adds up,
    # but S04 no longer equals the non-citizens aged 15+ of S02.
    bump(ds, "S02", ("RUS", "M", "Y30T34"), 10, along=("SEX", "AGE"))
    bump(ds, "S02", ("KGZ", "M", "Y30T34"), -10, along=("SEX", "AGE"))
    [f] = validate(ds)
    index = cells(ds)
    s04 = index[("S04", ("_T", "_T", "_T"))]
    assert (f.rule, f.severity, f.where) == ("CROSS_S04_S02_NONCITIZENS", "error", s04.where)
    assert f.values["observed"] == s04.value
    assert f.values["expected"] == s04.value + 10 and f.values["difference"] == -10
    assert len(f.related) == 28  # 14 age groups, all citizenships and own citizens
    assert index[("S02", ("KGZ", "_T", "Y30T34"))].where in f.related
    en, ru = texts(f)
    assert at_text(s04) in en and big(int(s04.value)) in en and "-10" in en
    assert at_text(s04) in ru and big(int(s04.value) + 10) in ru and "неграждан" in ru


def test_population_totals_by_birth_and_citizenship(ds: Dataset) -> None:
    bump(ds, "S02", ("STATELESS", "F", "Y0T4"), 25, along=("CITIZENSHIP", "SEX", "AGE"))
    [f] = validate(ds)
    s01 = cells(ds)[("S01", ("_T", "_T", "_T"))]
    assert (f.rule, f.where, f.values["difference"]) == ("CROSS_S01_S02_TOTAL", s01.where, -25)
    assert "S02" in f.text("en") and "-25" in f.text("ru")


def test_foreign_born_15_plus(ds: Dataset) -> None:
    bump(ds, "S03", ("UZB", "F", "ED3"), 4, along=("COUNTRY_BIRTH", "SEX", "EDU"))
    [f] = validate(ds)
    assert f.rule == "CROSS_S03_S01_FOREIGN_BORN" and f.values["difference"] == 4
    assert f.where == cells(ds)[("S03", ("_T", "_T", "_T"))].where


def test_immigration_matched_by_duration_and_sex(ds: Dataset) -> None:
    bump(ds, "F03", ("RUS", "LT", "F"), 5, along=("CITIZENSHIP", "SEX"))
    found = validate(ds)
    index = cells(ds)
    assert sorted(
        (f.rule, at(f), f.params["match"], f.values["difference"]) for f in found
    ) == sorted(
        [
            (
                "CROSS_F01_F03_TOTAL",
                at_text(index[("F01", ("_T", "LT", "_T", "_T"))]),
                ", DURATION=LT, SEX=_T",
                -5,
            ),
            (
                "CROSS_F01_F03_TOTAL",
                at_text(index[("F01", ("_T", "LT", "F", "_T"))]),
                ", DURATION=LT, SEX=F",
                -5,
            ),
        ]
    )
    assert "DURATION=LT, SEX=F" in found[0].text("en") + found[1].text("en")
    assert all(f.related == (index[("F03", ("_T", "LT", f.key["SEX"]))].where,) for f in found)


def test_emigration_matched_by_duration_and_sex(ds: Dataset) -> None:
    bump(ds, "F04", ("KGZ", "ST", "M"), -3, along=("CITIZENSHIP", "SEX"))
    found = validate(ds)
    assert {(f.rule, f.key["DURATION"], f.key["SEX"], f.values["difference"]) for f in found} == {
        ("CROSS_F02_F04_TOTAL", "ST", "M", 3),
        ("CROSS_F02_F04_TOTAL", "ST", "_T", 3),
    }


def test_cross_rules_need_every_cell(ds: Dataset) -> None:
    # Without S02 (a partial submission) the S01 = S02 rule is not an error.
    ds.observations = [o for o in ds.observations if o.table not in ("S02", "F03")]
    bump(ds, "F01", ("RUS", "LT", "F", "Y20T24"), 5, along=("COUNTRY_PREV_RES", "SEX", "AGE"))
    assert validate(ds) == []


def test_imported_cross_table_findings_are_warnings(ds: Dataset) -> None:
    bump(ds, "S03", ("UZB", "F", "ED3"), 4, along=("COUNTRY_BIRTH", "SEX", "EDU"))
    [f] = validate(ds, imported=True)
    assert (f.rule, f.severity) == ("CROSS_S03_S01_FOREIGN_BORN", "warning")


# -- time -------------------------------------------------------------------------------------


class FakeHistory:
    def __init__(self, period: str, values: dict[tuple[str, ...], float | None]) -> None:
        self.period = period
        self.values = values
        self.asked: list[tuple[str, str, str, str]] = []

    def previous(self, table: str, provider: str, ref_area: str, before: str):
        self.asked.append((table, provider, ref_area, before))
        return (self.period, self.values) if table == "A01" else None


def test_year_on_year_jump(ds: Dataset) -> None:
    index = cells(ds)
    occ = index[("A01", ("RUS", "M", "OCC"))]
    fam = index[("A01", ("RUS", "F", "FAM"))]
    assert occ.value >= 300 and fam.value >= 60
    history = FakeHistory(
        "2023",
        {
            ("RUS", "M", "OCC"): occ.value // 6,  # about x6: flagged
            ("RUS", "F", "FAM"): fam.value / 4,  # x4: within the ratio
            ("TUR", "M", "OCC"): 0.0,  # from zero to a small number: not flagged
            ("RUS", "_U", "OCC"): None,  # not available then: nothing to compare
        },
    )
    [f] = validate(ds, history=history)
    assert ("A01", "KGZ", "KGZ", "2024") in history.asked
    assert (f.rule, f.severity, f.where) == ("TIME_YOY_JUMP", "warning", occ.where)
    assert f.values["previous"] == occ.value // 6
    assert f.values["ratio"] == round(occ.value / (occ.value // 6), 1) > 5
    en, ru = texts(f)
    ratio = f"{f.values['ratio']:g}"
    assert at_text(occ) in en and "2023" in en and f"ratio {ratio}" in en
    assert at_text(occ) in ru and f"отношение {ratio}" in ru


def test_year_on_year_small_numbers_and_zeros() -> None:
    data = {
        ("RUS", "_T", "_T"): 40.0,
        ("KAZ", "_T", "_T"): 260.0,
        ("UZB", "_T", "_T"): 200.0,
        ("TJK", "_T", "_T"): 0.0,
    }
    history = FakeHistory(
        "2023",
        {
            ("RUS", "_T", "_T"): 300.0,
            ("KAZ", "_T", "_T"): 0.0,
            ("UZB", "_T", "_T"): 0.0,
            ("TJK", "_T", "_T"): 900.0,
        },
    )
    found = validate(mini("A01", data), history=history)
    # 300 -> 40: below the floor of 50, not flagged; 0 -> 260 and 900 -> 0 (>= 50 x 5) are;
    # 0 -> 200 is not.
    assert sorted(f.key["CITIZENSHIP"] for f in found) == ["KAZ", "TJK"]
    assert all(f.rule == "TIME_YOY_JUMP" for f in found)


def test_without_history_nothing_is_compared(ds: Dataset) -> None:
    cells(ds)  # unchanged
    assert validate(ds, history=None) == []


# -- metadata and plausibility ----------------------------------------------------------------


def test_flow_table_without_residence_rule(ds: Dataset) -> None:
    meta = ds.metadata.tables["F02"]
    meta.residence_rule = None
    [f] = validate(ds)
    assert (f.rule, f.severity, f.table, f.where) == (
        "META_RESIDENCE_RULE",
        "error",
        "F02",
        meta.where["residence_rule"],
    )
    assert "F02" in f.text("en") and "Metadata!" in f.text("en")
    assert "продолжительности пребывания" in f.text("ru")


def test_own_country_in_a_foreign_born_table() -> None:
    values = {
        ("_T", "_T", "_T"): 100.0,
        ("RUS", "_T", "_T"): 80.0,
        ("KGZ", "_T", "_T"): 20.0,
        ("KGZ", "_T", "ED3"): 12.0,
    }
    [f] = validate(mini("S03", values, period="2024-01-01"))
    assert (f.rule, f.severity, at(f)) == ("META_SELF_PARTNER", "warning", "S03!D10")
    assert f.values == {"observed": 20, "expected": 0, "count": 2}
    assert [loc.cell for loc in f.related] == ["D11"]
    en, ru = texts(f)
    assert "S03!D10" in en and "KGZ" in en and "20" in en
    assert "S03!D10" in ru and "отчитывающейся страны" in ru
    values[("KGZ", "_T", "_T")] = 0.0
    values[("KGZ", "_T", "ED3")] = 0.0
    values[("RUS", "_T", "_T")] = 100.0
    assert validate(mini("S03", values, period="2024-01-01")) == []


def test_sex_ratio() -> None:
    values = {
        ("TJK", "F", "_T"): 1000.0,
        ("TJK", "M", "_T"): 150.0,
        ("UZB", "F", "_T"): 90.0,
        ("UZB", "M", "_T"): 900.0,
    }
    [f] = validate(mini("A01", values))
    assert (f.rule, f.severity, at(f)) == ("PLAUS_SEX_RATIO", "warning", "A01!D8")
    assert f.related[0].cell == "D9" and f.values["observed"] == 6.67
    assert "1" + NNBSP + "000 women against 150 men" in f.text("en")
    assert "6.67" in f.text("ru")


def test_key_with_the_wrong_number_of_codes(ds: Dataset) -> None:
    ds.observations.append(
        Observation(
            "F03", "KGZ", "2024", ("RUS", "LT"), 5.0, where=Location(sheet="F03", cell="Q5")
        )
    )
    [f] = validate(ds)
    assert (f.rule, at(f)) == ("STRUCT_BAD_KEY", "F03!Q5")
    assert "3 codes (CITIZENSHIP, DURATION, SEX), got 2" in f.text("en")


# -- the rule file ----------------------------------------------------------------------------


def test_every_shipped_cross_rule_reads_against_the_registry() -> None:
    from migstat.validation.core import Context
    from migstat.validation.crosstable import _terms

    registry = default_registry()
    assert {r.id for r in registry.cross_rules} >= {
        "S01_S02_TOTAL",
        "S04_S02_NONCITIZENS",
        "S03_S01_FOREIGN_BORN",
        "F01_F03_TOTAL",
        "F02_F04_TOTAL",
    }
    ctx = Context(dataset=Dataset("x", "questionnaire", "KGZ"), registry=registry)
    for rule in registry.cross_rules:
        assert _terms(ctx, rule, rule.left) and _terms(ctx, rule, rule.right), rule.id
        assert rule.message in _russian_msgids(), rule.id


def _russian_msgids() -> set[str]:
    from babel.messages.pofile import read_po

    from migstat.i18n import LOCALE_DIR

    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "validation.po").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and m.string}


def test_a_coordinator_adds_a_bound_rule(tmp_path, ds: Dataset) -> None:
    from migstat.model.registry import DEFINITIONS, Registry

    def rule(right: str) -> Registry:
        (tmp_path / "rules").mkdir(exist_ok=True)
        (tmp_path / "rules" / "extra.yaml").write_text(
            "- id: A01_LE_S04\n"
            "  check: '<='\n"
            "  severity: warning\n"
            "  left:\n"
            "    - {table: A01, select: {CITIZENSHIP: [RUS, UZB], REASON: OCC}}\n"
            "  right:\n"
            f"    - {right}\n"
            "  match: [SEX]\n"
            "  tolerance: {absolute: 10}\n",
            encoding="utf-8",
        )
        return Registry([DEFINITIONS, tmp_path])

    # F03 has no total duration: a rule that does not say which one is refused clearly.
    unreadable = rule("{table: F03, select: {CITIZENSHIP: [RUS, UZB]}}")
    with pytest.raises(ValueError, match="A01_LE_S04: select or match DURATION of F03"):
        validate(ds, registry=unreadable)
    # Work permits for remunerated activities to Russians and Uzbeks, at most the number of
    # Russian and Uzbek citizens aged 15+ living in the country.
    registry = rule("{table: S04, select: {CITIZENSHIP: [RUS, UZB], EDU: _T}}")
    assert validate(ds, registry=registry) == []
    permits = cells(ds)[("A01", ("RUS", "M", "OCC"))]
    permits.value += 1_000_000
    found = [f for f in validate(ds, registry=registry) if f.rule == "CROSS_A01_LE_S04"]
    assert [(f.severity, f.key["SEX"], f.where, f.values["tolerance"]) for f in found] == [
        ("warning", "M", permits.where, 10)
    ]
    assert len(found[0].related) == 2
