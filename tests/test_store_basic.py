"""The store on both databases: submit, read back, raw file, findings, queries, errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from migstat.model import (
    Dataset,
    Finding,
    Location,
    NotFoundError,
    Observation,
    Provenance,
    Severity,
    SubmissionMetadata,
    TableMetadata,
)
from migstat.store import AccessDeniedError, ObservationQuery, Principal, Store, StoreError
from migstat.store.access import ANONYMOUS

COORDINATOR = Principal("coord", frozenset({"coordinator"}))

# Kyrgyzstan, S01 (population by country of birth, sex and age) on 1 January 2021,
# and F01 (immigration by country of previous residence) in 2020. Real-looking numbers.
S01_ROWS = [
    (("_T", "_T", "_T"), 6_636_800.0, "A"),
    (("_T", "M", "_T"), 3_288_000.0, "A"),
    (("_T", "F", "_T"), 3_348_800.0, "A"),
    (("KGZ", "_T", "_T"), 6_437_400.0, "A"),
    (("RUS", "_T", "_T"), 118_600.0, "A"),
    (("KAZ", "_T", "_T"), 31_300.0, "E"),
    (("UZB", "_T", "_T"), 27_900.0, "A"),
    (("TJK", "_T", "_T"), None, "O"),
]
F01_ROWS = [
    (("_T", "LT", "_T", "_T"), 2_812.0),
    (("RUS", "LT", "_T", "_T"), 1_398.0),
    (("KAZ", "LT", "_T", "_T"), 566.0),
    (("UZB", "LT", "_T", "_T"), 212.0),
    (("RUS", "LT", "F", "_T"), 702.0),
]
RAW = b"PK\x03\x04 pretend this is KGZ_2021.xlsx \x00\xff"


def s01(period: str = "2021-01-01", scale: float = 1.0) -> list[Observation]:
    return [
        Observation(
            "S01",
            "KGZ",
            period,
            key,
            None if v is None else v * scale,
            status,
            where=Location(sheet="S01", cell=f"C{10 + i}"),
        )
        for i, (key, v, status) in enumerate(S01_ROWS)
    ]


def f01(year: str = "2020") -> list[Observation]:
    return [Observation("F01", "KGZ", year, key, v) for key, v in F01_ROWS]


def kgz_dataset(observations: list[Observation], name: str = "KGZ_2021.xlsx") -> Dataset:
    meta = SubmissionMetadata(
        country="KGZ",
        year=2021,
        agency="National Statistical Committee",
        contact_email="migration@stat.kg",
        language="ru",
        tables={
            "S01": TableMetadata(
                "S01",
                source_type="register",
                reference_date="2021-01-01",
                population_covered="de jure",
            )
        },
    )
    return Dataset(
        file_name=name, format="xlsx", provider="KGZ", observations=observations, metadata=meta
    )


def warning() -> Finding:
    return Finding(
        "yoy_jump",
        Severity.WARNING,
        "Value {observed} is far from last year's",
        {"observed": 31_300},
        table="S01",
        where=Location(file="KGZ_2021.xlsx", sheet="S01", cell="C15"),
        values={"observed": 31_300.0, "previous": 3_100.0, "ratio": float("nan")},
    )


def test_submit_then_read(store: Store) -> None:
    dataset = kgz_dataset(s01() + f01())
    record = store.submit(
        dataset, RAW, findings=[warning()], submitted_by="kgz-nsc", note="first submission"
    )
    assert record.id >= 1
    assert (record.provider, record.country, record.file_name, record.format) == (
        "KGZ",
        "KGZ",
        "KGZ_2021.xlsx",
        "xlsx",
    )
    assert record.status == "accepted"
    assert record.sha256 == hashlib.sha256(RAW).hexdigest()
    assert record.size == len(RAW)
    assert record.n_observations == len(S01_ROWS) + len(F01_ROWS)
    assert (record.n_errors, record.n_warnings) == (0, 1)
    assert record.tables == ["S01", "F01"]
    assert record.submitted_by == "kgz-nsc" and record.note == "first submission"
    assert record.metadata["tables"]["S01"]["source_type"] == "register"
    assert record.metadata["agency"] == "National Statistical Committee"
    assert record.submitted_at.tzinfo is not None
    assert abs(datetime.now(UTC) - record.submitted_at) < timedelta(minutes=5)
    assert store.table_metadata(record.id)["S01"]["population_covered"] == "de jure"

    rows = list(store.read(ObservationQuery("S01")))
    assert [(r.key, r.value, r.obs_status) for r in rows] == [(k, v, s) for k, v, s in S01_ROWS]
    first = rows[0]
    assert (first.table, first.provider, first.ref_area, first.time_period) == (
        "S01",
        "KGZ",
        "KGZ",
        "2021-01-01",
    )
    assert {r.partner for r in rows} == {"_T", "KGZ", "RUS", "KAZ", "UZB", "TJK"}
    assert all(r.submission_id == record.id and r.recorded_at == record.submitted_at for r in rows)
    missing = rows[-1]
    assert missing.value is None and missing.obs_status == "O" and missing.conf_status == "F"

    flows = list(store.read(ObservationQuery("F01", ref_areas=["KGZ"])))
    assert [(r.partner, r.key[1], r.value) for r in flows][:2] == [
        ("_T", "LT", 2812.0),
        ("RUS", "LT", 1398.0),
    ]


def test_raw_file_and_findings(store: Store) -> None:
    record = store.submit(kgz_dataset(s01()), RAW, findings=[warning()])
    name, content = store.raw_file(record.id, principal=COORDINATOR)
    assert name == "KGZ_2021.xlsx"
    assert content == RAW
    assert hashlib.sha256(content).hexdigest() == record.sha256
    (stored,) = store.findings(record.id, principal=COORDINATOR)
    assert stored["rule"] == "yoy_jump"
    assert stored["severity"] == "warning"
    assert stored["table"] == "S01"
    assert stored["location"] == {"file": "KGZ_2021.xlsx", "sheet": "S01", "cell": "C15"}
    assert stored["values"]["observed"] == 31_300.0
    assert stored["values"]["ratio"] is None  # NaN is not JSON: stored as null
    assert set(stored["message"]) == {"en", "ru"}
    # the file and its findings hold every cell: the submitting country and the coordinator
    # read them, nobody else
    kgz = Principal("kgz", frozenset({"reporter"}), "KGZ")
    assert store.raw_file(record.id, principal=kgz)[1] == RAW
    for other in (ANONYMOUS, Principal("kaz", frozenset({"partner"}), "KAZ")):
        with pytest.raises(AccessDeniedError):
            store.raw_file(record.id, principal=other)
        with pytest.raises(AccessDeniedError):
            store.findings(record.id, principal=other)


def test_identical_raw_files_are_stored_once(store: Store) -> None:
    first = store.submit(kgz_dataset(s01()), RAW, findings=[])
    second = store.submit(kgz_dataset(s01(), name="copy.xlsx"), RAW, findings=[])
    assert first.sha256 == second.sha256
    assert store.raw_file(second.id, principal=COORDINATOR) == ("copy.xlsx", RAW)
    from sqlalchemy import func, select

    from migstat.store.schema import raw_file

    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(raw_file)).scalar() == 1


def test_reading_findings_are_kept(store: Store) -> None:
    dataset = kgz_dataset(s01())
    reading = Finding(
        "non_numeric",
        Severity.ERROR,
        "Text {text} where a number belongs",
        {"text": "n/a"},
        table="S01",
        where=Location(sheet="S01", cell="D12"),
    )
    dataset.findings.append(reading)
    record = store.submit(dataset, RAW, findings=[warning(), reading])
    assert record.status == "rejected"
    assert (record.n_errors, record.n_warnings) == (1, 1)
    assert [f["rule"] for f in store.findings(record.id, principal=COORDINATOR)] == [
        "yoy_jump",
        "non_numeric",
    ]


def test_query_filters(store: Store) -> None:
    store.submit(kgz_dataset(s01() + f01("2019") + f01("2020")), RAW, findings=[])
    corridor = list(store.read(ObservationQuery("F01", ref_areas=["KGZ"], partners=["RUS"])))
    assert [(r.time_period, r.key, r.value) for r in corridor] == [
        ("2019", ("RUS", "LT", "_T", "_T"), 1398.0),
        ("2019", ("RUS", "LT", "F", "_T"), 702.0),
        ("2020", ("RUS", "LT", "_T", "_T"), 1398.0),
        ("2020", ("RUS", "LT", "F", "_T"), 702.0),
    ]
    only_2020 = store.read(ObservationQuery("F01", time_from=2020, time_to=2020))
    assert {r.time_period for r in only_2020} == {"2020"}
    by_dim = list(store.read(ObservationQuery("F01", filters={"SEX": ["F"]})))
    assert [r.value for r in by_dim] == [702.0, 702.0]
    by_partner_dim = list(
        store.read(
            ObservationQuery("F01", time_to=2019, filters={"COUNTRY_PREV_RES": ["KAZ", "UZB"]})
        )
    )
    assert [r.partner for r in by_partner_dim] == ["KAZ", "UZB"]
    stocks = list(store.read(ObservationQuery("S01", time_from=2021, time_to=2021)))
    assert len(stocks) == len(S01_ROWS)
    assert list(store.read(ObservationQuery("S01", time_from=2022))) == []
    assert list(store.read(ObservationQuery("S01", ref_areas=["KAZ"]))) == []
    assert list(store.read(ObservationQuery("S01", providers=["UN_DESA"]))) == []
    assert len(list(store.read(ObservationQuery("MCH1")))) == len(S01_ROWS)  # alias of S01
    with pytest.raises(NotFoundError) as err:
        list(store.read(ObservationQuery("S01", filters={"DURATION": ["LT"]})))
    assert "DURATION" in err.value.text("ru")


def test_submissions_listing_and_not_found(store: Store) -> None:
    a = store.submit(kgz_dataset(s01()), RAW, findings=[])
    desa = Dataset(
        "UN_MigrantStock_2019.csv",
        "csv",
        "UN_DESA",
        [Observation("S01", "KAZ", "2019-07-01", ("_T", "_T", "_T"), 3_705_556.0)],
        provenance=Provenance("UN DESA", edition="2019"),
    )
    b = store.submit(desa, b"Year,Dest\n", findings=[], submitted_by="importer")
    assert [r.id for r in store.submissions()] == [a.id, b.id]
    assert [r.id for r in store.submissions(country="KGZ")] == [a.id]
    assert [r.id for r in store.submissions(provider="UN_DESA")] == [b.id]
    assert store.submission(b.id).provenance == {"publisher": "UN DESA", "edition": "2019"}
    assert store.submissions(principal=Principal(user_id="u1", country="KGZ"))
    with pytest.raises(NotFoundError) as err:
        store.submission(999)
    assert "999" in err.value.text("en") and "999" in err.value.text("ru")
    assert err.value.text("en") != err.value.text("ru")
    with pytest.raises(NotFoundError):
        store.raw_file(999, principal=COORDINATOR)


def test_previous_and_coverage(store: Store) -> None:
    store.submit(kgz_dataset(f01("2018") + f01("2019")), RAW, findings=[])
    period, values = store.previous("F01", "KGZ", "KGZ", "2020")
    assert period == "2019"
    assert values[("RUS", "LT", "_T", "_T")] == 1398.0
    assert store.previous("F01", "KGZ", "KGZ", "2019")[0] == "2018"
    assert store.previous("F01", "KGZ", "KGZ", "2018") is None
    assert store.previous("F01", "UN_DESA", "KGZ", "2020") is None
    assert store.coverage() == [
        ("KGZ", "KGZ", "F01", "2018", len(F01_ROWS)),
        ("KGZ", "KGZ", "F01", "2019", len(F01_ROWS)),
    ]


def test_progress_is_reported(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import migstat.store.write as module

    monkeypatch.setattr(module, "BATCH", 3)
    calls: list[tuple[int, int]] = []
    store.submit(
        kgz_dataset(s01()),
        RAW,
        findings=[],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(3, 8), (6, 8), (8, 8)]


def test_odd_text_is_stored_not_lost(store: Store) -> None:
    obs = s01()[:1]
    obs[0].comment = "nul\x00inside"
    record = store.submit(kgz_dataset(obs, name="bad\x00name.xlsx"), RAW, findings=[])
    (row,) = store.read(ObservationQuery("S01"))
    assert row.comment == "nul\ufffdinside"
    assert store.submission(record.id).file_name == "bad\ufffdname.xlsx"


def test_bad_urls_are_explained() -> None:
    with pytest.raises(StoreError) as err:
        Store.open("postgresql://alice:s3cret@127.0.0.1:1/nowhere")
    text = err.value.text("en")
    assert "alice" in text and "127.0.0.1" in text and "s3cret" not in text
    assert "s3cret" not in err.value.text("ru")
    assert err.value.text("ru").startswith("Не удаётся открыть базу данных")
    with pytest.raises(StoreError):
        Store.open("/nonexistent-folder/sub/store.db")
    with pytest.raises(StoreError) as err:
        Store.open("mysql://bob:pw@db/x")
    assert "pw" not in err.value.text("en")


def test_default_url(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGSTAT_DATABASE_URL", raising=False)
    with Store.open() as opened:
        assert opened.url.endswith("migstat.db")
    assert (tmp_path / "migstat.db").exists()
    monkeypatch.setenv("MIGSTAT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with Store.open() as opened:
        assert opened.url.endswith("env.db")
    with Store.open(str(tmp_path / "plain.db")) as opened:
        assert opened.dialect == "sqlite"


def test_sqlite_settings(tmp_path) -> None:
    with Store.open(str(tmp_path / "s.db")) as opened, opened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_writing_is_one_transaction(store: Store) -> None:
    """What a ``Store.writing()`` block writes is there after it, and nothing if it raises."""
    from sqlalchemy import func, insert, select

    from migstat.store.schema import raw_file

    def row(n: int) -> dict[str, object]:
        return {
            "sha256": f"{n:064x}",
            "size": 1,
            "content": b"x",
            "stored_at": datetime(2024, 1, 1),
        }

    with pytest.raises(RuntimeError), store.writing() as conn:
        conn.execute(insert(raw_file), row(1))
        raise RuntimeError("stop")
    with store.writing() as conn:
        conn.execute(insert(raw_file), row(2))
    with store.reading() as conn:
        assert conn.execute(select(raw_file.c.sha256)).scalars().all() == [f"{2:064x}"]
        assert conn.execute(select(func.count()).select_from(raw_file)).scalar() == 1


def test_sqlite_writer_takes_the_write_lock_at_once(tmp_path) -> None:
    """On SQLite ``Store.writing()`` holds the write lock from its start (another writer
    waits for it), ``Store.reading()`` does not."""
    import sqlite3

    path = tmp_path / "w.db"
    with Store.open(str(path)) as opened:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with opened.writing(), pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            with opened.reading():
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
        finally:
            other.close()
