"""Benchmark of secondary suppression on a full S01 questionnaire table (target: under 2 s).

    python bench/bench_disclosure.py [--repeat 3] [--country KGZ] [--share 0.01] [--audit]

Builds Kyrgyzstan's synthetic S01 with every partner row of the questionnaire (about 250
countries of birth x 4 sexes x 19 age groups, 19,000 cells, mostly zeros), marks ``--share`` of
its cells confidential at random (seeded), and protects it: primary suppression, then secondary
suppression until every hidden cell is certified (docs/methods/disclosure.md). Baselines
measured in the same run on the same table: building the table's constraint matrix (the floor:
reading the relations), and one linear programme over the whole table, a single certificate
without the neighbourhood restriction (what protection would cost per hidden cell without it).
Prints the best of ``--repeat`` runs, the counts of cells hidden, and the ratios; with the
frequency rule on as well (counts 1 and 2 hidden too). ``--audit`` also times the attacker's
bounds of every hidden cell (two programmes per cell: slow on purpose, not part of the target).
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace

import numpy as np
from timing import best_of, peak_rss_mib

from migstat.demo.synthetic import consistent_dataset
from migstat.disclosure import Rule, audit, lp, protect
from migstat.disclosure.rule import PRIMARY_STATUSES
from migstat.disclosure.suppress import weight
from migstat.disclosure.system import build_systems
from migstat.model import default_registry

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--audit", action="store_true")
    args = parser.parse_args()

    registry = default_registry()
    table = registry.tables["S01"]
    dataset = consistent_dataset(args.country, args.year, registry=registry, dense=True)
    cells = [o for o in dataset.observations if o.table == "S01"]
    rng = random.Random(f"{args.country}-{args.year}-disclosure")
    chosen = set(rng.sample(range(len(cells)), round(len(cells) * args.share)))
    obs = [replace(o, conf_status="C") if n in chosen else o for n, o in enumerate(cells)]
    nonzero = sum(1 for o in cells if o.value)

    def hidden(o):
        return o.conf_status in PRIMARY_STATUSES

    build_s, systems = best_of(args.repeat, lambda: build_systems(obs, table, registry, hidden))
    system = systems[0]
    x = system.values()
    everything = np.arange(system.n_columns)
    is_hidden = np.zeros(system.n_columns, dtype=bool)
    is_hidden[: system.n_cells] = [hidden(o) for o in system.observations]
    target = int(np.flatnonzero(is_hidden)[0])
    cost = weight(np.nan_to_num(x))
    csc = system.matrix.tocsc()
    one_lp_s, _ = best_of(
        args.repeat, lambda: lp.witness(csc, x, everything, is_hidden, cost, target, 3.0)
    )

    confidential_only = Rule(min_frequency=0)
    with_frequency = Rule(min_frequency=3)
    protect_s, result = best_of(args.repeat, lambda: protect(obs, table, confidential_only))
    freq_s, with_freq = best_of(args.repeat, lambda: protect(obs, table, with_frequency))

    print(
        f"table: S01 {args.country} {args.year}, dense: {len(cells):,} cells ({nonzero:,} "
        f"non-zero), {system.matrix.shape[0]:,} relations; {len(chosen)} cells "
        f"({args.share:.0%}) marked confidential"
    )
    print(f"baseline: constraint matrix built in {build_s:.3f} s")
    print(
        f"baseline: one programme over the whole table ({2 * system.n_columns:,} variables) "
        f"{one_lp_s:.3f} s"
    )
    for name, seconds, res in (
        ("confidential cells only", protect_s, result),
        ("and counts under 3", freq_s, with_freq),
    ):
        print(
            f"protect ({name}): {seconds:.3f} s; hidden {len(res.hidden):,} = "
            f"{len(res.primary):,} primary + {len(res.secondary):,} secondary "
            f"({len(res.hidden) / len(cells):.1%} of cells); "
            f"{seconds / build_s:.0f}x the matrix, {seconds / one_lp_s:.1f}x one full programme"
        )
    verdict = "met" if protect_s < TARGET_S else "NOT met"
    print(f"target: 1% confidential under {TARGET_S:.0f} s: {verdict} ({protect_s:.2f} s)")
    if args.audit:
        audit_s, intervals = best_of(1, lambda: audit(result.published(), table))
        narrow = sum(
            1 for h, i in zip(result.hidden, intervals, strict=True) if i.width < h.width - 1e-6
        )
        print(
            f"audit: {len(intervals):,} hidden cells bounded in {audit_s:.2f} s; "
            f"narrower than their width: {narrow}"
        )
    print(f"best of {args.repeat} runs; peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
