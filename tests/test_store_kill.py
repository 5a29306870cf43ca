"""A process killed (SIGKILL) in the middle of an import leaves the store exactly as before.

A child process submits 200,000 observations and reports progress after each batch; once half
of them are written inside the open transaction it pauses, and the test kills it with
``kill -9``. Afterwards every table has the same rows (counts and a digest of the content),
the store opens, passes its integrity checks and takes a new submission.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import ObservationQuery, Store
from migstat.store.schema import metadata

N_OBSERVATIONS = 200_000

CHILD = r"""
import sys, time
from migstat.model import default_registry
from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import Store

url, n = sys.argv[1], int(sys.argv[2])
reg = default_registry()
f01 = reg.table("F01")
partners = reg.codes(f01, "COUNTRY_PREV_RES")
ages = reg.codes(f01, "AGE")
obs = []
year = 2000
while len(obs) < n:
    for partner in partners:
        for duration in ("LT", "ST"):
            for sex in ("_T", "M", "F"):
                for i, age in enumerate(ages):
                    obs.append(Observation("F01", "KGZ", str(year), (partner, duration, sex, age),
                                           float((len(obs) * 7919) % 5000 + i)))
    year += 1
obs = obs[:n]
dataset = Dataset("KGZ_big.csv", "csv", "KGZ", obs, SubmissionMetadata(country="KGZ"))

def progress(done, total):
    print("progress", done, total, flush=True)
    if done >= total // 2:
        print("paused", flush=True)
        time.sleep(600)

with Store.open(url) as store:
    store.submit(dataset, b"big file " * 1000, findings=[], progress=progress)
print("committed", flush=True)
"""


def snapshot(url: str) -> tuple[dict[str, int], str]:
    """Row counts of every table and a digest of all their content (in key order)."""
    engine = sa.create_engine(_driver(url), poolclass=sa.pool.NullPool)
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    try:
        with engine.connect() as conn:
            names = sorted({*metadata.tables, "alembic_version"})
            reflected = sa.MetaData()
            reflected.reflect(conn, only=names)
            for name in names:
                table = reflected.tables[name]
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execute(sa.select(table).order_by(*order)).all()
                counts[name] = len(rows)
                digest.update(name.encode())
                for row in rows:
                    digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return counts, digest.hexdigest()


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _dataset(period: str, value: float) -> Dataset:
    return Dataset(
        f"KGZ_{period}.xlsx",
        "xlsx",
        "KGZ",
        [
            Observation("F01", "KGZ", period, ("RUS", "LT", "_T", "_T"), value),
            Observation("F01", "KGZ", period, ("KAZ", "LT", "_T", "_T"), 566.0),
        ],
        metadata=SubmissionMetadata(country="KGZ"),
    )


def _open_transactions(url: str) -> int:
    """Sessions of the child's database that are idle inside an open transaction."""
    engine = sa.create_engine(_driver(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            ).scalar()
    finally:
        engine.dispose()


def test_kill_during_import_changes_nothing(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        before_record = store.submit(_dataset("2019", 1_398.0), b"earlier file", findings=[])
    before = snapshot(db_url)
    assert before[0]["observation"] == 2

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(N_OBSERVATIONS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("paused") or time.monotonic() > deadline:
                break
        assert lines and lines[-1] == "paused", (
            lines,
            child.stderr.read() if child.poll() is not None else "",
        )
        assert lines[0].startswith("progress 10000 200000")
        if db_url.startswith("postgresql"):
            assert _open_transactions(db_url) == 1
        else:
            wal = Path(db_url.removeprefix("sqlite:///") + "-wal")
            assert wal.exists() and wal.stat().st_size > 1_000_000  # uncommitted pages on disk
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()

    if db_url.startswith("postgresql"):
        deadline = time.monotonic() + 30
        while _open_transactions(db_url) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert snapshot(db_url) == before

    with Store.open(db_url) as store:
        if store.dialect == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert [r.id for r in store.submissions()] == [before_record.id]
        after = store.submit(_dataset("2020", 1_450.0), b"later file", findings=[])
        assert after.id > before_record.id
        rows = store.read(ObservationQuery("F01", partners=["RUS"]))
        assert [(r.time_period, r.value) for r in rows] == [("2019", 1_398.0), ("2020", 1_450.0)]
    counts, _ = snapshot(db_url)
    assert counts["submission"] == before[0]["submission"] + 1
    assert counts["observation"] == before[0]["observation"] + 2


def test_child_import_completes_when_not_killed(tmp_path: Path) -> None:
    """The same child, left alone, commits (so the kill test kills a working import)."""
    url, n = f"sqlite:///{tmp_path / 'ok.db'}", 25_000
    code = CHILD.replace("if done >= total // 2:", "if False:")
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(n)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "committed"
    assert snapshot(url)[0]["observation"] == n
