"""Benchmark: reading through the access gate with release states on, against the same reads
with everything public, in one run on one SQLite file.

The store holds the UN DESA origin-destination matrix (as ``bench_store.py`` loads it) as
published data, plus twelve countries' submissions in every release state (internal, partners,
embargoed, published with confidential cells) and a sharing agreement, so that the gate's
clauses have rows to look at. Each read is timed ``--repeat`` times with the real policy (as
the public, a partner country and the coordinator) and with an open policy that applies no
release state and shows every cell (what reading cost before release states); the p95 of each
and their ratio are printed.

    python bench/bench_access.py [--csv PATH] [--repeat 30] [--whole]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import DEFAULT_CSV, dataset_of, load_matrix

from migstat.exchange import agreements
from migstat.exchange.release import release
from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import ObservationQuery, Principal, Store
from migstat.store.access import ANONYMOUS, AccessPolicy

COUNTRIES = ("ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UZB", "UKR", "GEO")
STATES = ("internal", "partners", "embargoed", "published")


class Open(AccessPolicy):
    """Every accepted submission public, every cell shown: reading before release states."""

    def release_clause(self, principal: Principal, submission: Any, slice_: Any = None) -> Any:
        return sa.true()

    def observation_columns(self, principal: Principal, observation: Any) -> dict[str, Any]:
        return {"value": observation.c.value, "conf_status": observation.c.conf_status}


def national(country: str, year: int, confidential: bool) -> Dataset:
    rows = []
    for origin in COUNTRIES:
        for sex in ("M", "F"):
            conf = "C" if confidential and origin == "RUS" and sex == "M" else "F"
            rows.append(((origin, sex, "_T"), 1000.0 + len(rows), conf))
    observations = [
        Observation("S01", country, f"{year}-01-01", key, v, "A", c) for key, v, c in rows
    ]
    return Dataset(
        f"{country}_{year}.xlsx",
        "xlsx",
        country,
        observations,
        metadata=SubmissionMetadata(country=country, year=year),
    )


def fill(store: Store, csv_path: Path) -> None:
    store.submit(dataset_of(load_matrix(csv_path)), b"matrix", findings=[])
    agreements.add(store, "CIS", countries=list(COUNTRIES), tables=["S01"], by="bench")
    later = store.policy.now().replace(year=store.policy.now().year + 1)
    for at, country in enumerate(COUNTRIES):
        for year in range(2015, 2023):
            state = STATES[(at + year) % len(STATES)]
            record = store.submit(
                national(country, year, state == "published"),
                b"%d" % year,
                findings=[],
                release=None,
            )
            if state == "partners":
                release(store, [record.id], to="partners", by="bench")
            elif state == "embargoed":
                release(store, [record.id], to="public", embargo_until=later, by="bench")
            elif state == "published":
                release(store, [record.id], to="public", by="bench")


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def _once(store: Store, query: ObservationQuery, who: Principal) -> float:
    start = time.perf_counter()
    store.read_columns(query, principal=who)
    return time.perf_counter() - start


def paired(
    gated: Store, opened: Store, query: ObservationQuery, who: Principal, repeat: int
) -> tuple[list[float], list[float]]:
    """Times of the gated and the open read, taken in turn (so that the load of a shared
    machine falls on both alike)."""
    _once(gated, query, who), _once(opened, query, ANONYMOUS)
    both: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        both[0].append(_once(gated, query, who))
        both[1].append(_once(opened, query, ANONYMOUS))
    return both


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--whole", action="store_true", help="also read the whole table")
    args = parser.parse_args(argv)
    queries = {
        "a country's national S01": ObservationQuery("S01", ref_areas=["KGZ"], providers=["KGZ"]),
        "a destination in the matrix": ObservationQuery("S01", ref_areas=["KAZ"]),
        "a corridor": ObservationQuery("S01", ref_areas=["RUS"], partners=["KAZ"]),
    }
    if args.whole:
        queries["the whole S01"] = ObservationQuery("S01")
    readers = {
        "public": ANONYMOUS,
        "partner KAZ": Principal("kaz", frozenset({"partner"}), "KAZ"),
        "coordinator": Principal("c", frozenset({"coordinator"})),
    }
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'access.db'}"
        with Store.open(url) as store:
            fill(store, args.csv)
        with Store.open(url) as gated, Store.open(url, policy=Open()) as open_store:
            print(f"{args.repeat} reads each, in turn with the same read with everything public")
            worst = 0.0
            for label, query in queries.items():
                for name, who in readers.items():
                    mine, base = paired(gated, open_store, query, who, args.repeat)
                    ratio = p95(mine) / p95(base)
                    worst = max(worst, ratio)
                    print(
                        f"{label:30s} {name:12s} p50 {statistics.median(mine) * 1000:8.2f} ms "
                        f"(public {statistics.median(base) * 1000:8.2f}) "
                        f"p95 {p95(mine) * 1000:8.2f} ms (public {p95(base) * 1000:8.2f}) "
                        f"ratio {ratio:5.2f}"
                    )
            print(f"worst p95 ratio {worst:.2f} (target: within 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
