"""Benchmark of validation on a dense national submission (about 150,000 cells).

    python bench/bench_validate.py [--repeat 5] [--country KGZ] [--year 2024]

Builds the consistent submission of ``migstat.demo.synthetic`` with every partner row of the
questionnaire (all nine standard tables), validates it, and compares the time with a floor
measured in the same run on the same observations: a plain Python loop that adds every value
into the total it feeds along each dimension (grouped by key with tuples and a dict), which is
the least any rule engine checking totals has to do. Prints the best of ``--repeat`` runs,
cells per second, the ratio to the floor, the same with a history (year-on-year rule), the
time of each rule family and the peak resident memory.
"""

from __future__ import annotations

import argparse
import time

from timing import best_of, peak_rss_mib

from migstat.demo.synthetic import consistent_dataset
from migstat.model import Observation, default_registry
from migstat.validation import validate
from migstat.validation.arithmetic import check_totals
from migstat.validation.core import Context
from migstat.validation.crosstable import check_cross_tables
from migstat.validation.metadata import check_residence_rule, check_self_partner
from migstat.validation.plausibility import check_sex_ratio
from migstat.validation.structural import (
    check_structure,
    check_submission_metadata,
)


def floor_loop(observations: list[Observation]) -> int:
    """Sum every value into its total along each dimension: the floor for a rule engine."""
    sums: dict[tuple, float] = {}
    for obs in observations:
        value = obs.value
        if value is None:
            continue
        key = obs.key
        head = (obs.table, obs.ref_area, obs.time_period)
        for i in range(len(key)):
            group = (head, i, key[:i] + key[i + 1 :])
            sums[group] = sums.get(group, 0.0) + value
    return len(sums)


class SameAsLastYear:
    """A history in which the previous year had the very same values (no finding expected)."""

    def __init__(self, observations: list[Observation]) -> None:
        self.values: dict[tuple[str, str], dict[tuple[str, ...], float | None]] = {}
        for obs in observations:
            self.values.setdefault((obs.table, obs.ref_area), {})[obs.key] = obs.value

    def previous(self, table: str, provider: str, ref_area: str, before: str):
        found = self.values.get((table, ref_area))
        return (str(int(before[:4]) - 1), found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args()

    start = time.perf_counter()
    registry = default_registry()
    registry_s = time.perf_counter() - start
    start = time.perf_counter()
    dataset = consistent_dataset(args.country, args.year, registry=registry, dense=True)
    build_s = time.perf_counter() - start
    n = len(dataset.observations)
    rss_before = peak_rss_mib()

    floor_s, groups = best_of(args.repeat, lambda: floor_loop(dataset.observations))
    validate_s, findings = best_of(args.repeat, lambda: validate(dataset, registry=registry))
    history = SameAsLastYear(dataset.observations)
    history_s, with_history = best_of(
        args.repeat, lambda: validate(dataset, registry=registry, history=history)
    )
    rss_after = peak_rss_mib()

    phases: dict[str, float] = {}
    ctx = Context(dataset=dataset, registry=registry)
    for name, fn in (
        ("structure (index, codes, duplicates, values)", check_structure),
        ("submission metadata", check_submission_metadata),
        ("totals (ARITH_TOTAL)", check_totals),
        ("cross-table", check_cross_tables),
        ("residence rule", check_residence_rule),
        ("own country as partner", check_self_partner),
        ("sex ratio", check_sex_ratio),
    ):
        start = time.perf_counter()
        fn(ctx)
        phases[name] = time.perf_counter() - start

    print(
        f"dataset: {args.country} {args.year}, dense, {n:,} observations in "
        f"{len(dataset.tables)} tables (built in {build_s:.2f} s; registry {registry_s:.2f} s)"
    )
    print(
        f"floor loop (sum by key along every dimension, {groups:,} groups): "
        f"{floor_s:.3f} s, {n / floor_s:,.0f} cells/s"
    )
    print(
        f"validate (all rules, {len(findings)} findings):            "
        f"{validate_s:.3f} s, {n / validate_s:,.0f} cells/s"
    )
    print(
        f"validate with history (year-on-year, {len(with_history)} findings): "
        f"{history_s:.3f} s, {n / history_s:,.0f} cells/s"
    )
    print(
        f"ratio validate / floor: {validate_s / floor_s:.2f}; "
        f"with history: {history_s / floor_s:.2f}"
    )
    print(f"best of {args.repeat} runs; one run by rule family:")
    total = sum(phases.values())
    for name, seconds in phases.items():
        print(f"  {name:<46} {seconds:.3f} s  {seconds / total:6.1%}")
    print(
        f"peak RSS: {rss_before:.0f} MiB after building the dataset, {rss_after:.0f} MiB "
        f"after validating (+{rss_after - rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
