"""The demo imports every readable published file through the path of ``migstat import``.

The demo is built once for the module (it takes most of a minute); the numbers it stored are
checked against the published files themselves, read here with the standard library, and
every import must carry its publisher and the SHA-256 of the file it came from.
"""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migstat import api
from migstat.model.registry import DEFINITIONS, Registry
from migstat.store import Store
from tests.shared import SHARED_DATA

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SHARED_DATA / "eurostat").is_dir(), reason="shared data not available"),
]

EUROSTAT = SHARED_DATA / "eurostat"
SDMX_DATA = SHARED_DATA / "sdmx" / "ESTAT_demography-xs.xml"


class Demo:
    """The built demo: its folder, an opened store (with the demo's registry) and the
    submissions by file name."""

    def __init__(self, out: Path, store: Store, registry: Registry) -> None:
        self.out = out
        self.store = store
        self.registry = registry
        self.by_file = {r.file_name: r for r in store.submissions()}

    def rows(self, table: str, **options: Any) -> list[dict[str, Any]]:
        return api.query(self.store, table, registry=self.registry, **options).rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from migstat.demo.build import build_demo

    out = tmp_path_factory.mktemp("demo")
    build_demo(out, data_dir=SHARED_DATA, echo=lambda _line: None)
    registry = Registry([DEFINITIONS, out / "registry"])
    with Store.open(f"sqlite:///{out / 'migstat-demo.db'}", registry=registry) as store:
        yield Demo(out, store, registry)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(text: str) -> int:
    return int(text.replace(",", "").replace("\u00a0", "").strip())


def test_every_readable_file_is_stored_with_its_provenance(demo: Demo) -> None:
    from migstat.demo.imports import published_imports

    expected = [item.path for item in published_imports(SHARED_DATA)]
    assert {p.name for p in expected} >= {
        "demo_pjan_1_Data.csv",
        "migr_asyappctza_1_Data-2017-05-31-ADDED.csv",
        "migr_asydcfsta_2017-04-26.csv",
        "eurostat_migr_resfirst_BY.json",
        "eurostat_migr_resfirst_BY_2019_duration.json",
        "ESTAT_demography-xs.xml",
        "UN_MigrantStockByOriginAndDestination_2019_clean.csv",
        "unhcr_2020.csv",
        "cis_migration.csv",
    }
    examples = demo.out / "examples"
    for path in [*expected, *sorted(examples.glob("*_EXAMPLE.*"))]:
        record = demo.by_file[path.name]
        digest = _sha(path)
        assert record.status == "accepted", path.name
        assert record.sha256 == digest, path.name
        assert record.provenance["publisher"], path.name
        assert digest in record.provenance["notes"], path.name
        assert record.submitted_by == "demo"
    # the workbook is stored twice: Table 2 (P01) and Table 1 (S01 by sex, 4872 observations
    # each); Table 1's totals are a breakdown of their own and do not supersede the CSV's
    # breakdown by country of birth
    workbook = demo.by_file["undesa_pd_2019_migrant_stock_total_dataset.xlsx"]
    assert workbook.n_observations == 4872
    kgz = {
        (r["TIME_PERIOD"], r["SEX"]): r["OBS_VALUE"] for r in demo.rows("P01", countries=["KGZ"])
    }
    assert kgz[("2019-07-01", "_T")] == 6_415_850  # Table 2: 6,415.850 thousand
    by_birth = {
        r["COUNTRY_BIRTH"] for r in demo.rows("S01", countries=["KGZ"], providers=["UN_DESA"])
    }
    assert {"RUS", "UZB", "KAZ"} <= by_birth  # the CSV's breakdown is still current
    by_sex = {
        (r["SEX"], r["OBS_VALUE"])
        for r in demo.rows("S01", countries=["KGZ"], providers=["UN_DESA"])
        if r["COUNTRY_BIRTH"] == "FOR" and r["TIME_PERIOD"] == "2015-07-01"
    }
    assert by_sex == {("_T", 204382), ("M", 82616), ("F", 121766)}  # Table 1, row of 417
    # the examples say where their numbers come from, with the source file's hash
    px = demo.by_file["BLR_arrivals_2010-2019_EXAMPLE.px"]
    belstat = SHARED_DATA / "belstat" / "belstat_arrivals_oblast_2010-2019.json"
    assert "Белстат" in px.provenance["publisher"]
    assert _sha(belstat) in px.note
    px_text = (examples / px.file_name).read_bytes().decode("cp1251")
    assert _sha(belstat) in px_text and "EXAMPLE" in px_text
    matrix = demo.by_file["CIS_arrivals_matrix_2019_EXAMPLE.csv"]
    assert _sha(SHARED_DATA / "cisstat" / "cis_migration.csv") in matrix.note


def test_asylum_applicants_as_in_the_legacy_export(demo: Demo) -> None:
    """A05 of Germany, every year, against the Eurostat export read here."""
    path = EUROSTAT / "migr_asyappctza_1_Data-2017-05-31-ADDED.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        published = {
            (r["TIME"], r["ASYL_APP"]): _count(r["Value"])
            for r in csv.DictReader(handle)
            if r["GEO"].startswith("Germany")
            and r["CITIZEN"] == "Total"
            and r["SEX"] == "Total"
            and r["AGE"] == "Total"
        }
    assert len(published) == 18  # 2008-2016, all applicants and first-time ones
    stored = {
        (r["TIME_PERIOD"], r["APPLICANT_TYPE"]): r["OBS_VALUE"]
        for r in demo.rows("A05", countries=["DEU"], filters={"CITIZENSHIP": ["_T"]})
        if r["SEX"] == "_T" and r["AGE"] == "_T"
    }
    kinds = {"Asylum applicant": "_T", "First time applicant": "FIRST"}
    assert stored == {(year, kinds[kind]): value for (year, kind), value in published.items()}
    assert stored[("2015", "_T")] == 476620 and stored[("2015", "FIRST")] == 441900


def test_first_permits_as_in_the_json_stat_answer(demo: Demo) -> None:
    """A01 (citizens of Belarus) for every country and year of the JSON-stat answer; A01V
    from the 2019 answer by length of validity."""
    raw = json.loads((EUROSTAT / "eurostat_migr_resfirst_BY.json").read_text("utf-8"))
    geos = sorted(raw["dimension"]["geo"]["category"]["index"].items(), key=lambda x: x[1])
    times = sorted(raw["dimension"]["time"]["category"]["index"].items(), key=lambda x: x[1])
    areas = {"LT": "LTU", "PL": "POL", "DE": "DEU", "EL": "GRC", "CZ": "CZE"}
    stored = {
        (r["REF_AREA"], r["TIME_PERIOD"]): r["OBS_VALUE"]
        for r in demo.rows("A01", countries=list(areas.values()), providers=["ESTAT"])
        if r["CITIZENSHIP"] == "BLR" and r["SEX"] == "_T" and r["REASON"] == "_T"
    }
    checked = 0
    for geo, g in geos:
        if geo not in areas:
            continue
        for year, t in times:
            value = raw["value"].get(str(g * len(times) + t))
            assert stored.get((areas[geo], year)) == value, (geo, year)
            checked += value is not None
    assert checked >= 45 and stored[("POL", "2019")] == 54107
    by_duration = json.loads(
        (EUROSTAT / "eurostat_migr_resfirst_BY_2019_duration.json").read_text("utf-8")
    )
    durations = by_duration["dimension"]["duration"]["category"]["index"]
    geo = by_duration["dimension"]["geo"]["category"]["index"]["PL"]
    parts = sorted(
        by_duration["value"][str(i * 2 + geo)] for code, i in durations.items() if code != "TOTAL"
    )
    validity = {
        r["VALIDITY"]: r["OBS_VALUE"]
        for r in demo.rows("A01V", countries=["POL"], start=2019, end=2019)
        if r["CITIZENSHIP"] == "BLR" and r["SEX"] == "_T" and r["REASON"] == "_T"
    }
    assert sorted(v for k, v in validity.items() if k != "_T") == parts
    assert parts == [7197, 22339, 24571]


def test_sdmx_values_through_the_table_made_from_the_structure(demo: Demo) -> None:
    """Births, deaths and the rates of the SDMX-ML message, read here with ElementTree, come
    back as published."""
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    published = {}
    for series in ET.parse(SDMX_DATA).getroot().iter():
        if series.tag.rsplit("}", 1)[-1] != "Series":
            continue
        for obs in series:
            cell = {**series.attrib, **obs.attrib}
            measure = cell[xsi].split(":")[1]
            value = cell.get("OBS_VALUE")
            published[
                (
                    {"BE": "BEL", "EL": "GRC"}[cell["COUNTRY"]],
                    cell["TIME_PERIOD"],
                    cell["SEX"],
                    measure,
                )
            ] = float(value) if value is not None else None
    stored = {
        (r["REF_AREA"], r["TIME_PERIOD"], r["SEX"], r["DEMO"]): r["OBS_VALUE"]
        for r in demo.rows("ESTAT_DEMOGRAPHY")
    }
    assert len(published) == 60 and stored == published
    assert {k[3] for k in published} == {"LBIRTHST", "DEATHST", "TFRNSI", "LEXPNSIT"}
    record = demo.by_file[SDMX_DATA.name]
    assert record.n_observations == 60 and record.n_warnings == 0


def test_px_example_holds_belstat_numbers_through_the_mapping(demo: Demo) -> None:
    raw = json.loads(
        (SHARED_DATA / "belstat" / "belstat_arrivals_oblast_2010-2019.json").read_text("utf-8")
    )
    years = raw["tableHeader"][0]
    row = next(
        r
        for r in raw["tableRows"]
        if r[0]["value"] == "Республика Беларусь" and r[1]["value"] == "РОССИЙСКАЯ ФЕДЕРАЦИЯ"
    )
    published = {y: _count(c["value"]) for y, c in zip(years, row[7:], strict=True)}
    stored = {
        r["TIME_PERIOD"]: r["OBS_VALUE"]
        for r in demo.rows("F01", countries=["BLR"], partners=["RUS"], providers=["NSO_BLR"])
    }
    assert stored == published and stored["2019"] == 10440
    record = demo.by_file["BLR_arrivals_2010-2019_EXAMPLE.px"]
    used = api.mappings_used(demo.store, record.id)
    assert [(m.country, m.source, m.codelist) for m in used] == [("BLR", "px", "DURATION")]
    assert "DURATION BLR/px v1" in record.provenance["notes"]


def test_matrix_example_holds_cis_stat_numbers(demo: Demo) -> None:
    with (SHARED_DATA / "cisstat" / "cis_migration.csv").open(encoding="utf-8") as handle:
        published = {
            (r["region"], r["item_code"].split(".")[1]): float(r["value"])
            for r in csv.DictReader(handle)
            if r["date"] == "2019-12-31" and r["item_code"].startswith("ARRIVALS.")
        }
    stored = {
        (r["REF_AREA"], r["COUNTRY_PREV_RES"]): r["OBS_VALUE"]
        for r in demo.rows("F01", providers=["MATRIX"])
    }
    assert len(stored) == 80
    for key, value in stored.items():
        assert published[key] == value, key
    assert stored[("RUS", "ARM")] == 71984 and stored[("BLR", "RUS")] == 10440


def test_the_round_of_2025_in_realistic_states(demo: Demo) -> None:
    from migstat.demo.build import EECCA, PLANTED, REVISED
    from migstat.demo.rounds import DECLARED, LATE, ROUND, TABLES
    from migstat.exchange import board, rounds
    from migstat.store.access import COORDINATOR, Principal

    found = rounds.get(demo.store, ROUND)
    assert (found.year, found.countries) == (2024, sorted(EECCA))
    grid = board.board(demo.store, found, Principal("c", frozenset({COORDINATOR})))
    # the questionnaires with planted errors that were not corrected stay returned
    returned = sorted(p.country for p in PLANTED if p.country not in REVISED)
    assert returned == ["AZE", "UZB"]
    for country in EECCA:
        states = {grid.cells[(country, t)].state for t in TABLES}
        assert states == {"returned" if country in returned else "accepted"}, country
    assert grid.cells[LATE].state == "late"
    assert grid.cells[DECLARED[:2]].state == "not_available"
    assert grid.cells[DECLARED[:2]].reason == DECLARED[2]
    assert grid.counts == {
        "accepted": 10 * len(TABLES),
        "submitted": 0,
        "draft": 0,
        "returned": 2 * len(TABLES),
        "not_available": 1,
        "late": 1,
        "not_started": 0,
    }


def test_the_exchange_can_be_walked_with_the_printed_accounts(demo: Demo) -> None:
    import re
    from datetime import timedelta

    import pyotp

    from migstat.demo.exchange import AGREEMENT, CREDENTIALS
    from migstat.exchange import agreements, release, signin
    from migstat.store import ObservationQuery
    from migstat.store.access import ANONYMOUS, Principal

    path = demo.out / CREDENTIALS
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    signed = dict(re.findall(r"^  ([a-z-]+) +(\S{20}) +\(", text, re.M))
    assert sorted(signed) == ["coordinator", "kaz-partner", "kgz-approver", "kgz-reporter"]
    secret = re.search(r"TOTP\) secret: ([A-Z2-7]{32})$", text, re.M).group(1)
    with pytest.raises(signin.SignInError):  # the coordinator needs the second factor
        signin.sign_in(demo.store, "coordinator", signed["coordinator"], client="test")
    code = pyotp.TOTP(secret).now()
    for login, password in signed.items():
        account, _session = signin.sign_in(
            demo.store,
            login,
            password,
            client="test",
            code=code if login == "coordinator" else None,
        )
        assert account.login == login

    name, members, tables = AGREEMENT
    agreed = agreements.find(demo.store, name)
    assert (agreed.reciprocal, agreed.countries) == (True, members)
    assert sorted(agreed.tables) == sorted(tables)

    # Kyrgyzstan's 2024 data: under embargo, read by Kazakhstan's partner, not by the public
    coordinator = Principal("c", frozenset({"coordinator"}))
    (kgz,) = demo.store.submissions(country="KGZ", principal=coordinator)
    (embargo,) = release.releases(demo.store, submission_id=kgz.id)
    assert embargo.state == "embargoed"
    ahead = embargo.embargo_until - embargo.released_at
    assert timedelta(days=3) <= ahead <= timedelta(days=3, hours=1)
    assert (embargo.embargo_until.minute, embargo.embargo_until.second) == (0, 0)
    s01 = ObservationQuery(
        "S01", ref_areas=["KGZ"], time_from=2024, time_to=2024, providers=["KGZ"]
    )
    partner = Principal("kaz-partner", frozenset({"partner"}), "KAZ")
    assert len(list(demo.store.read(s01, principal=partner))) > 1000
    assert list(demo.store.read(s01, principal=ANONYMOUS)) == []

    # Kazakhstan's three confidential cells and their complements, hidden from the public
    (kaz,) = demo.store.submissions(country="KAZ", principal=coordinator)
    (public,) = release.releases(demo.store, submission_id=kaz.id)
    assert public.state == "published"
    cells = ObservationQuery("S01", ref_areas=["KAZ"], time_from=2024, time_to=2024)
    hidden = [o for o in demo.store.read(cells, principal=ANONYMOUS) if o.conf_status != "F"]
    statuses = sorted(o.conf_status for o in hidden)
    assert statuses[:3] == ["C"] * 3 and set(statuses[3:]) == {"D"}  # D: secondary
    assert all(o.value is None for o in hidden)
    own = Principal("kaz", frozenset({"reporter"}), "KAZ")
    mine = {o.key: o.value for o in demo.store.read(cells, principal=own)}
    assert all(mine[o.key] is not None for o in hidden if o.conf_status == "D")
