"""Small real submissions for the reporting-round tests, stored with the store's own submit
and put in a workflow state by setting ``submission.status`` (as the workflow will)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from migstat.exchange import accounts, rounds
from migstat.model import Dataset, Observation
from migstat.model.data import SubmissionMetadata
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.records import SubmissionRecord

PASSWORD = "Tien-Shan snow in April 2024"
OPENED = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
DEADLINE = date(2099, 6, 30)
COUNTRIES = ("KGZ", "KAZ", "TJK", "ARM")
TABLES = ("S01", "F01", "F02")


def stocks(country: str, period: str, total: float, women: float) -> list[Observation]:
    return [
        Observation("S01", country, period, ("_T", "_T", "_T"), total),
        Observation("S01", country, period, ("_T", "F", "_T"), women),
        Observation("S01", country, period, ("_T", "M", "_T"), total - women),
    ]


def flows(table: str, country: str, year: int, total: float) -> list[Observation]:
    partner = "_T"
    return [Observation(table, country, str(year), (partner, "PERM", "_T", "_T"), total)]


def submit(
    store: Store,
    country: str,
    observations: list[Observation],
    status: str = "accepted",
    provider: str | None = None,
) -> SubmissionRecord:
    """Store the observations as ``country``'s submission (or ``provider``'s import), then
    set its workflow state."""
    dataset = Dataset(
        file_name=f"{country}.csv",
        format="csv",
        provider=provider or country,
        observations=observations,
        metadata=SubmissionMetadata(country=None if provider else country),
    )
    raw = repr([(o.table, o.time_period, o.key, o.value) for o in observations]).encode()
    record = store.submit(dataset, raw, findings=[], submitted_by=f"test:{country}")
    if status != record.status:
        with store.writing() as conn:
            conn.execute(
                sa.update(S.submission).where(S.submission.c.id == record.id).values(status=status)
            )
    return store.submission(record.id)


def open_2024(store: Store, **extra: object) -> rounds.Round:
    options: dict[str, object] = {
        "year": 2024,
        "tables": ",".join(TABLES),
        "countries": ",".join(COUNTRIES),
        "deadline": DEADLINE,
        "by": "coord",
        "now": OPENED,
    }
    options.update(extra)
    return rounds.open_round(store, "2024", **options)  # type: ignore[arg-type]


def people(store: Store) -> None:
    before = OPENED - timedelta(days=30)
    accounts.add(store, "coord", "coordinator", PASSWORD, by="test", now=before)
    accounts.add(store, "aigul", "reporter", PASSWORD, country="KGZ", by="test", now=before)
    accounts.add(
        store, "aigul.approver", "approver", PASSWORD, country="KGZ", by="test", now=before
    )
    accounts.add(store, "dana@stat.kz", "reporter", PASSWORD, country="KAZ", by="test", now=before)
    accounts.add(store, "pat", "partner", PASSWORD, country="ARM", by="test", now=before)


def the_states(store: Store) -> dict[str, SubmissionRecord]:
    """KGZ: a 2022 census accepted, F01 2024 returned. KAZ: S01 2024 submitted, F01 2023
    (an older year, sent in the round) draft. TJK: F02 2024 rejected. ARM: nothing."""
    return {
        "kgz_census": submit(store, "KGZ", stocks("KGZ", "2022-03-25", 212_000, 118_000)),
        "kgz_flows": submit(store, "KGZ", flows("F01", "KGZ", 2024, 4_310), "returned"),
        "kaz_stocks": submit(
            store, "KAZ", stocks("KAZ", "2024-01-01", 3_250_000, 1_700_000), "submitted"
        ),
        "kaz_flows": submit(store, "KAZ", flows("F01", "KAZ", 2023, 21_877), "draft"),
        "tjk_out": submit(store, "TJK", flows("F02", "TJK", 2024, 530_000), "rejected"),
        # a 2026 estimate is newer than the round's year: it does not count
        "tjk_future": submit(store, "TJK", stocks("TJK", "2026-01-01", 1, 1)),
    }
