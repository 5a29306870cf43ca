"""A small clearing-house for the release tests: Kyrgyzstan's and Kazakhstan's S01 on
1 January 2021 (population by country of birth and sex), a controllable clock, principals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import Principal, Store
from migstat.store.access import ANONYMOUS, AccessPolicy
from migstat.store.records import ObservationQuery, SubmissionRecord

PERIOD = "2021-01-01"
START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)

# (country of birth, sex, age) -> value, conf_status. KGZ's Russian-born men are marked
# confidential; everything else is free. The sexes and the countries add up to the totals.
KGZ_ROWS = {
    ("_T", "_T", "_T"): (6_636_800.0, "F"),
    ("_T", "M", "_T"): (3_288_000.0, "F"),
    ("_T", "F", "_T"): (3_348_800.0, "F"),
    ("KGZ", "_T", "_T"): (6_518_200.0, "F"),
    ("KGZ", "M", "_T"): (3_235_700.0, "F"),
    ("KGZ", "F", "_T"): (3_282_500.0, "F"),
    ("RUS", "_T", "_T"): (118_600.0, "F"),
    ("RUS", "M", "_T"): (52_300.0, "C"),
    ("RUS", "F", "_T"): (66_300.0, "F"),
}
FREE_ROWS = {
    ("_T", "_T", "_T"): (6_636_800.0, "F"),
    ("_T", "M", "_T"): (3_288_000.0, "F"),
    ("_T", "F", "_T"): (3_348_800.0, "F"),
}
KAZ_ROWS = {
    ("_T", "_T", "_T"): (19_002_600.0, "F"),
    ("_T", "M", "_T"): (9_278_700.0, "F"),
    ("_T", "F", "_T"): (9_723_900.0, "F"),
}

COORDINATOR = Principal("coord", frozenset({"coordinator"}))
KGZ = Principal("kgz", frozenset({"reporter"}), "KGZ")
KAZ = Principal("kaz", frozenset({"partner"}), "KAZ")
TJK = Principal("tjk", frozenset({"partner"}), "TJK")
PUBLIC = ANONYMOUS
READERS = {"coordinator": COORDINATOR, "own": KGZ, "partner": KAZ, "other": TJK, "public": PUBLIC}


class Clock:
    """The moment the access policy judges embargoes against; tests move it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def open_store(url: str, clock: Clock) -> Store:
    return Store.open(url, policy=AccessPolicy(clock=clock))


def dataset(country: str, rows: dict, name: str | None = None) -> Dataset:
    observations = [
        Observation("S01", country, PERIOD, key, value, "A", conf)
        for key, (value, conf) in rows.items()
    ]
    return Dataset(
        file_name=name or f"{country}_2021.xlsx",
        format="xlsx",
        provider=country,
        observations=observations,
        metadata=SubmissionMetadata(country=country, year=2021),
    )


def submit(store: Store, country: str, rows: dict, **options) -> SubmissionRecord:
    return store.submit(dataset(country, rows), f"{country} S01".encode(), findings=[], **options)


def seen(store: Store, who: Principal, country: str = "KGZ") -> dict:
    """What ``who`` reads of ``country``'s S01: key -> (value, conf_status)."""
    query = ObservationQuery("S01", ref_areas=[country])
    return {o.key: (o.value, o.conf_status) for o in store.read(query, principal=who)}
