"""Vintages on both databases: revisions supersede without deleting; as_of; rejected data."""

from __future__ import annotations

import time
from datetime import timedelta

from migstat.model import Dataset, Finding, Location, Observation, Severity, SubmissionMetadata
from migstat.store import ObservationQuery, Principal, Store

TOTAL = ("_T", "_T", "_T")
RUS = ("RUS", "_T", "_T")


def stock(period: str, total: float, rus: float, provider: str = "KGZ") -> Dataset:
    return Dataset(
        file_name=f"{provider}_{period}.xlsx",
        format="xlsx",
        provider=provider,
        observations=[
            Observation("S01", "KGZ", period, TOTAL, total),
            Observation("S01", "KGZ", period, RUS, rus),
        ],
        metadata=SubmissionMetadata(country="KGZ"),
    )


def values(store: Store, **kwargs) -> dict[tuple[str, str, tuple[str, ...]], float | None]:
    return {
        (r.provider, r.time_period, r.key): r.value
        for r in store.read(ObservationQuery("S01"), **kwargs)
    }


def pause() -> None:
    time.sleep(0.01)  # distinct timestamps even on coarse clocks


def test_revision_supersedes_and_keeps_history(store: Store) -> None:
    first = store.submit(stock("2021-01-01", 6_636_800, 118_600), b"v1", findings=[])
    other = store.submit(stock("2020-01-01", 6_523_500, 121_000), b"v0", findings=[])
    pause()
    revised = store.submit(
        stock("2021-01-01", 6_636_900, 117_950), b"v2", findings=[], note="census benchmark"
    )
    assert revised.submitted_at > first.submitted_at

    now = values(store)
    assert now[("KGZ", "2021-01-01", RUS)] == 117_950
    assert now[("KGZ", "2021-01-01", TOTAL)] == 6_636_900
    assert now[("KGZ", "2020-01-01", RUS)] == 121_000  # another period is untouched
    current = [r for r in store.read(ObservationQuery("S01", time_from=2021))]
    assert {r.submission_id for r in current} == {revised.id}

    history = store.history("S01", "KGZ", "2021-01-01", RUS)
    assert [(h.submission_id, h.value) for h in history] == [
        (first.id, 118_600),
        (revised.id, 117_950),
    ]
    assert store.history("S01", "KGZ", "2020-01-01", RUS)[0].submission_id == other.id

    # The moments come from the stored records, never from the wall clock: the store gives
    # each vintage a later time than every earlier one, so a moment after the second
    # submission and before the revision exists however loaded the machine (a midpoint
    # guessed around the first submission could fall before the second one was finished).
    assert first.submitted_at < other.submitted_at < revised.submitted_at
    assert values(store, as_of=first.submitted_at) == {
        ("KGZ", "2021-01-01", TOTAL): 6_636_800,
        ("KGZ", "2021-01-01", RUS): 118_600,
    }
    between = other.submitted_at + (revised.submitted_at - other.submitted_at) / 2
    assert other.submitted_at <= between < revised.submitted_at
    then = values(store, as_of=between)
    assert then[("KGZ", "2021-01-01", RUS)] == 118_600
    assert then[("KGZ", "2020-01-01", RUS)] == 121_000
    naive = between.replace(tzinfo=None)  # naive moments are UTC
    assert values(store, as_of=naive)[("KGZ", "2021-01-01", RUS)] == 118_600
    assert values(store, as_of=first.submitted_at - timedelta(seconds=1)) == {}
    assert values(store, as_of=revised.submitted_at)[("KGZ", "2021-01-01", RUS)] == 117_950

    assert len(store.submissions()) == 3
    assert store.coverage() == [
        ("KGZ", "KGZ", "S01", "2020-01-01", 2),
        ("KGZ", "KGZ", "S01", "2021-01-01", 2),
    ]


def test_revision_replaces_the_whole_slice(store: Store) -> None:
    store.submit(stock("2021-01-01", 6_636_800, 118_600), b"v1", findings=[])
    pause()
    smaller = Dataset(
        "KGZ_rev.xlsx", "xlsx", "KGZ", [Observation("S01", "KGZ", "2021-01-01", TOTAL, 6_637_000)]
    )
    store.submit(smaller, b"v2", findings=[])
    # the RUS cell is not in the revision: the slice is superseded as a whole
    assert values(store) == {("KGZ", "2021-01-01", TOTAL): 6_637_000}
    assert len(store.history("S01", "KGZ", "2021-01-01", RUS)) == 1


def test_rejected_submission_is_stored_but_not_current(store: Store) -> None:
    good = store.submit(stock("2021-01-01", 6_636_800, 118_600), b"good", findings=[])
    pause()
    error = Finding(
        "sum",
        Severity.ERROR,
        "Total {total} is not the sum of its parts",
        {"total": 6_000_000},
        table="S01",
        where=Location(sheet="S01", cell="C10"),
    )
    bad = store.submit(stock("2021-01-01", 6_000_000, 1), b"bad", findings=[error])
    assert bad.status == "rejected" and bad.n_errors == 1
    assert values(store)[("KGZ", "2021-01-01", RUS)] == 118_600
    assert values(store, as_of=bad.submitted_at)[("KGZ", "2021-01-01", RUS)] == 118_600
    assert [h.submission_id for h in store.history("S01", "KGZ", "2021-01-01", RUS)] == [good.id]
    # never lost: listed, with its file and findings
    assert [r.status for r in store.submissions()] == ["accepted", "rejected"]
    coordinator = Principal("c", frozenset({"coordinator"}))
    assert store.raw_file(bad.id, principal=coordinator)[1] == b"bad"
    assert store.findings(bad.id, principal=coordinator)[0]["rule"] == "sum"
    assert store.coverage() == [("KGZ", "KGZ", "S01", "2021-01-01", 2)]


def test_explicit_acceptance_overrides_findings(store: Store) -> None:
    warning = Finding("yoy", Severity.WARNING, "Jump", table="S01")
    refused = store.submit(stock("2021-01-01", 1, 1), b"x", findings=[warning], accepted=False)
    assert refused.status == "rejected"
    assert values(store) == {}
    error = Finding("sum", Severity.ERROR, "Bad", table="S01")
    forced = store.submit(stock("2021-01-01", 2, 2), b"y", findings=[error], accepted=True)
    assert forced.status == "accepted" and forced.n_errors == 1
    assert values(store)[("KGZ", "2021-01-01", TOTAL)] == 2


def test_providers_do_not_supersede_each_other(store: Store) -> None:
    store.submit(stock("2020-07-01", 6_500_000, 120_000, provider="KGZ"), b"a", findings=[])
    pause()
    store.submit(stock("2020-07-01", 6_591_600, 190_000, provider="UN_DESA"), b"b", findings=[])
    now = values(store)
    assert now[("KGZ", "2020-07-01", RUS)] == 120_000
    assert now[("UN_DESA", "2020-07-01", RUS)] == 190_000
    only = store.read(ObservationQuery("S01", providers=["UN_DESA"]))
    assert {r.provider for r in only} == {"UN_DESA"}
    assert [h.provider for h in store.history("S01", "KGZ", "2020-07-01", RUS)] == [
        "KGZ",
        "UN_DESA",
    ]
    assert [h.provider for h in store.history("S01", "KGZ", "2020-07-01", RUS, provider="KGZ")] == [
        "KGZ"
    ]
    assert store.previous("S01", "UN_DESA", "KGZ", "2021")[1][RUS] == 190_000
