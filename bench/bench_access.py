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


def timings(store: Store, query: ObservationQuery, who: Principal, repeat: int) -> list[float]:
    store.read_columns(query, principal=who)
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        store.read_columns(query, principal=who)
        out.append(time.perf_counter() - start)
    return out


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
            print(f"p95 of {args.repeat} reads each; baseline: everything public (open policy)")
            worst = 0.0
            for label, query in queries.items():
                base = p95(timings(open_store, query, ANONYMOUS, args.repeat))
                for name, who in readers.items():
                    value = p95(timings(gated, query, who, args.repeat))
                    worst = max(worst, value / base)
                    print(
                        f"{label:32s} {name:12s} {value * 1000:9.2f} ms  "
                        f"baseline {base * 1000:9.2f} ms  ratio {value / base:5.2f}"
                    )
            print(f"worst ratio {worst:.2f} (target: within 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
