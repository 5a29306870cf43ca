"""Store.read_columns returns exactly what Store.read returns, column by column.

Both go through the same plan (access clauses, current slices, as-of) on SQLite and
PostgreSQL; here they are compared on stores with revisions, a rejected submission, two
providers, empty flagged cells, comments, and on the real CIS-Stat flows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from migstat.model import (
    Dataset,
    Finding,
    NotFoundError,
    Observation,
    Severity,
    SubmissionMetadata,
)
from migstat.model.data import TableMetadata
from migstat.store import AccessPolicy, ObservationQuery, Principal, Store
from migstat.store.read import OBSERVATION_COLUMNS
from migstat.store.records import SubmissionRecord
from tests.mirror_stores import CIS_CSV, cis_value, import_cis

KGZ, RUS, KAZ = ("_T", "_T", "_T"), ("RUS", "_T", "_T"), ("KAZ", "_T", "_T")
RUS_F, RUS_M = ("RUS", "F", "_T"), ("RUS", "M", "_T")


def stock(
    period: str,
    cells: dict[tuple[str, ...], float | None],
    *,
    provider: str = "KGZ",
    area: str = "KGZ",
) -> Dataset:
    observations = []
    for key, value in cells.items():
        if value is None:  # an empty cell is never zero: it carries its flag
            observations.append(Observation("S01", area, period, key, None, "L"))
        else:
            observations.append(
                Observation(
                    "S01", area, period, key, value, comment="census" if key == RUS_F else None
                )
            )
    return Dataset(
        f"{provider}_{area}_{period}.xlsx",
        "xlsx",
        provider,
        observations,
        metadata=SubmissionMetadata(country=area),
    )


def transposed(store: Store, query: ObservationQuery, **kwargs: Any) -> dict[str, list[Any]]:
    """What read() returns, as columns."""
    rows = list(store.read(query, **kwargs))
    return {name: [getattr(r, name) for r in rows] for name in OBSERVATION_COLUMNS}


def same(store: Store, query: ObservationQuery, **kwargs: Any) -> dict[str, list[Any]]:
    columns = store.read_columns(query, **kwargs)
    assert columns == transposed(store, query, **kwargs)
    return columns


@pytest.fixture
def vintages(store: Store) -> tuple[Store, list[SubmissionRecord]]:
    """Four vintages: a first stock, another area, a revision, and a rejected one."""
    first = store.submit(
        stock(
            "2021-01-01", {KGZ: 6_636_800, RUS: 118_600, RUS_F: 61_000, RUS_M: 57_600, KAZ: None}
        ),
        b"v1",
        findings=[],
    )
    other = store.submit(
        stock("2021-01-01", {KGZ: 19_002_600, RUS: 2_300_000}, area="KAZ", provider="UN_DESA"),
        b"kaz",
        findings=[],
    )
    revised = store.submit(
        stock("2021-01-01", {KGZ: 6_636_900, RUS: 117_950, RUS_F: 60_900, RUS_M: 57_050}),
        b"v2",
        findings=[],
    )
    error = Finding(
        "sum",
        Severity.ERROR,
        "Total {total} is not the sum of its parts",
        {"total": 1},
        table="S01",
    )
    rejected = store.submit(stock("2021-01-01", {KGZ: 1, RUS: 1}), b"bad", findings=[error])
    assert rejected.status == "rejected"
    return store, [first, other, revised, rejected]


QUERIES = [
    ObservationQuery("S01"),
    ObservationQuery("S01", ref_areas=["KGZ"]),
    ObservationQuery("S01", partners=["RUS"]),
    ObservationQuery("S01", providers=["UN_DESA"]),
    ObservationQuery("S01", time_from=2021, time_to=2021),
    ObservationQuery("S01", time_from=2022),
    ObservationQuery("S01", filters={"SEX": ["F", "M"]}),
    ObservationQuery("S01", filters={"SEX": ["F"], "COUNTRY_BIRTH": ["RUS", "KAZ"]}),
    ObservationQuery("F01"),
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_rows_as_read(vintages, query: ObservationQuery) -> None:
    store, _records = vintages
    same(store, query)


def test_revisions_supersede_and_rejected_data_stays_invisible(vintages) -> None:
    store, (_first, _other, revised, _rejected) = vintages
    now = same(store, ObservationQuery("S01", ref_areas=["KGZ"]))
    assert set(now["submission_id"]) == {revised.id}  # neither the first nor the rejected
    assert dict(zip(now["key"], now["value"], strict=True)) == {
        KGZ: 6_636_900,
        RUS: 117_950,
        RUS_F: 60_900,
        RUS_M: 57_050,
    }
    assert now["recorded_at"] == [revised.submitted_at] * 4
    assert now["comment"][now["key"].index(RUS_F)] == "census"
    assert set(now["synthetic"]) == {False}
    assert set(same(store, ObservationQuery("S01"))["provider"]) == {"KGZ", "UN_DESA"}


def test_as_of_travels_in_time(vintages) -> None:
    store, (first, other, revised, rejected) = vintages
    query = ObservationQuery("S01", ref_areas=["KGZ"])
    then = same(store, query, as_of=other.submitted_at)  # after the first, before the revision
    assert set(then["submission_id"]) == {first.id}
    at = then["key"].index(KAZ)
    assert (then["value"][at], then["obs_status"][at]) == (None, "L")  # empty, flagged
    assert dict(zip(then["key"], then["value"], strict=True))[RUS] == 118_600
    naive = same(store, query, as_of=other.submitted_at.replace(tzinfo=None))
    assert naive == then
    before = same(store, ObservationQuery("S01"), as_of=first.submitted_at - timedelta(seconds=1))
    assert before == {name: [] for name in OBSERVATION_COLUMNS}
    assert set(same(store, query, as_of=rejected.submitted_at)["submission_id"]) == {revised.id}


class Closed(AccessPolicy):
    """A policy under which nothing is current data."""

    def data_clause(self, principal: Principal, submission: sa.Table) -> Any:
        return sa.false()


class NoConfidentialCells(AccessPolicy):
    """A policy hiding the observations flagged L (standing in for confidential cells)."""

    def observation_clause(self, principal: Principal, observation: sa.Table) -> Any:
        return observation.c.obs_status != "L"


def test_the_access_gate_applies(db_url: str) -> None:
    with Store.open(db_url) as open_store:
        open_store.submit(stock("2021-01-01", {KGZ: 6_636_800, KAZ: None}), b"v1", findings=[])
    reader = Principal(user_id="analyst", country="KGZ")
    with Store.open(db_url, policy=Closed()) as closed:
        for query in QUERIES:
            assert closed.read_columns(query, principal=reader) == {
                name: [] for name in OBSERVATION_COLUMNS
            }
            assert same(closed, query, principal=reader)["value"] == []
    with Store.open(db_url, policy=NoConfidentialCells()) as hiding:
        shown = same(hiding, ObservationQuery("S01"), principal=reader)
        assert shown["key"] == [KGZ] and shown["value"] == [6_636_800]


def test_a_choice_of_columns(vintages) -> None:
    store, _records = vintages
    query = ObservationQuery("S01", ref_areas=["KGZ"], filters={"SEX": ["F", "M"]})
    full = store.read_columns(query)
    picked = store.read_columns(query, columns=("value", "ref_area", "key"))
    assert list(picked) == ["value", "ref_area", "key"]
    assert picked == {name: full[name] for name in picked}
    assert picked["value"] == [60_900, 57_050]
    assert store.read_columns(query, columns=("value", "value")) == {"value": [60_900, 57_050]}
    with pytest.raises(Exception, match="no observation field VALUE"):
        store.read_columns(query, columns=("VALUE",))


@pytest.mark.skipif(not CIS_CSV.exists(), reason="shared data not available")
def test_the_real_cis_flows(db_url: str) -> None:
    with Store.open(db_url) as store:
        import_cis(store)
        for table in ("F01", "F02"):
            assert len(same(store, ObservationQuery(table))["value"]) > 1000
        # arrivals in Russia from Armenia in 2019, as the CIS-Stat file has them
        arrivals = same(
            store,
            ObservationQuery(
                "F01",
                ref_areas=["RUS"],
                partners=["ARM"],
                providers=["CISSTAT"],
                time_from=2019,
                time_to=2019,
            ),
        )
        assert arrivals["value"] == [cis_value("RUS", "ARRIVALS.ARM", 2019)] == [71984]
        assert arrivals["partner"] == ["ARM"] and arrivals["time_period"] == ["2019"]


def test_metadata_of_several_submissions_at_once(store: Store) -> None:
    dataset = stock("2021-01-01", {KGZ: 6_636_800})
    dataset.metadata.tables["S01"] = TableMetadata("S01", source_type="register")
    first = store.submit(dataset, b"v1", findings=[])
    second = store.submit(stock("2021-01-01", {KGZ: 6_636_900}), b"v2", findings=[])
    both = store.tables_metadata([second.id, first.id, second.id])
    assert list(both) == [second.id, first.id]
    assert both == {sid: store.table_metadata(sid) for sid in (second.id, first.id)}
    assert both[first.id]["S01"]["source_type"] == "register" and both[second.id] == {}
    assert store.tables_metadata([]) == {}
    with pytest.raises(NotFoundError, match="no submission 999"):
        store.tables_metadata([first.id, 999])


def test_values_have_the_types_of_the_model(vintages) -> None:
    store, (_first, _other, revised, _rejected) = vintages
    for obs in store.read(ObservationQuery("S01", ref_areas=["KGZ"])):
        assert type(obs.value) is float and type(obs.submission_id) is int
        assert type(obs.key) is tuple and all(type(c) is str for c in obs.key)
        assert obs.recorded_at == revised.submitted_at and obs.recorded_at.tzinfo is not None
        assert obs.synthetic is False and obs.conf_status == "F"


def test_many_small_chunks_read_the_same(vintages, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _records = vintages
    query = ObservationQuery("S01", filters={"SEX": ["_T", "F"]})
    whole = same(store, query)
    monkeypatch.setattr("migstat.store.read.READ_CHUNK_ROWS", 1)  # one slice per query
    assert same(store, query) == whole
    assert len(whole["value"]) == 5 and set(whole["ref_area"]) == {"KGZ", "KAZ"}
