"""Benchmark: reading through the access gate with release states on, against the same reads
with everything public, in one run on one SQLite file.

The store holds the UN DESA origin-destination matrix (as ``bench_store.py`` loads it) as
published data, plus twelve countries' submissions in every release state (internal, partners,
embargoed, published with confidential cells) and a sharing agreement, so that the gate's
clauses have rows to look at. Each read is timed ``--repeat`` times with the real policy (as
the public, a partner country and the coordinator) and with an open policy that applies no
release state and shows every cell (what reading cost before release states).

The two arms are interleaved in rounds (gated then open, then open then gated, so neither
always goes first) so that the load of a shared machine falls on both alike. Each read is timed
twice: wall-clock time and the reading thread's CPU time (what the read itself costs, which
other processes on the machine do not inflate). Printed per read and reader: p50 and p95 of
each arm, the p95 ratio, and the median of the per-round ratios (one gated read over the open
read beside it), the figure least moved by other load; the target is within 1.2x.

    python bench/bench_access.py [--csv PATH] [--repeat 60] [--whole]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
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

    def release_clause(
        self, principal: Principal, submission: Any, slice_: Any = None, **_options: Any
    ) -> Any:
        return sa.true()

    def observation_columns(
        self, principal: Principal, observation: Any, **_options: Any
    ) -> dict[str, Any]:
        return {"value": observation.c.value, "conf_status": observation.c.conf_status}

    def clean_slices(self, conn: Any, slices: Any) -> frozenset[int]:
        """Every slice is read as stored, with nothing looked up."""
        return frozenset(s.id for s in slices)


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


TARGET = 1.2


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def _once(store: Store, query: ObservationQuery, who: Principal) -> tuple[float, float]:
    """Wall-clock and thread CPU seconds of one read."""
    start, cpu = time.perf_counter(), time.thread_time()
    store.read_columns(query, principal=who)
    return time.perf_counter() - start, time.thread_time() - cpu


@dataclass
class Arms:
    """The times of the gated and the open reads, round by round: ``wall[0]`` gated,
    ``wall[1]`` open; the same for ``cpu``."""

    wall: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    cpu: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))

    def add(self, arm: int, taken: tuple[float, float]) -> None:
        self.wall[arm].append(taken[0])
        self.cpu[arm].append(taken[1])

    @staticmethod
    def round_ratio(pair: tuple[list[float], list[float]]) -> float:
        """The median of the per-round ratios gated / open."""
        return statistics.median(g / max(o, 1e-9) for g, o in zip(*pair, strict=True))


def paired(
    gated: Store, opened: Store, query: ObservationQuery, who: Principal, repeat: int
) -> Arms:
    """Times of the gated and the open read, interleaved round by round (each arm first in
    every other round), after one untimed read of each."""
    _once(gated, query, who), _once(opened, query, ANONYMOUS)
    arms = Arms()
    for n in range(repeat):
        if n % 2:
            arms.add(1, _once(opened, query, ANONYMOUS))
            arms.add(0, _once(gated, query, who))
        else:
            arms.add(0, _once(gated, query, who))
            arms.add(1, _once(opened, query, ANONYMOUS))
    return arms


def _line(label: str, name: str, arms: Arms) -> tuple[str, float]:
    mine, base = arms.wall
    ratio = Arms.round_ratio(arms.wall)
    cpu = Arms.round_ratio(arms.cpu)
    text = (
        f"{label:28s} {name:12s} p50 {statistics.median(mine) * 1000:7.2f} ms "
        f"(open {statistics.median(base) * 1000:7.2f}) "
        f"p95 {p95(mine) * 1000:7.2f} ms (open {p95(base) * 1000:7.2f}) "
        f"p95 ratio {p95(mine) / p95(base):5.2f}  median round ratio {ratio:5.2f} "
        f"(CPU {cpu:5.2f})"
    )
    return text, ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--repeat", type=int, default=60)
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
            print(
                f"{args.repeat} rounds of one gated and one open read (everything public), "
                f"interleaved; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            worst = 0.0
            for label, query in queries.items():
                for name, who in readers.items():
                    text, ratio = _line(
                        label, name, paired(gated, open_store, query, who, args.repeat)
                    )
                    worst = max(worst, ratio)
                    print(text)
            print(
                f"worst median round ratio {worst:.2f} (target: within {TARGET}); "
                f"load average {os.getloadavg()[0]:.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
