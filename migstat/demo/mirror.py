"""Mirror statistics of the demo: the CIS corridors as CIS-Stat and Belstat publish them.

CIS-Stat publishes, for ten reporting countries, departures to and arrivals from each CIS
partner; Belstat does so for Belarus. So most corridors between reporting countries are
counted by both ends, in 2016-2025 (the years differ by country: see
``shared/data/cisstat/README.md``). The demo writes the double-entry matrix of every year and
each country's mirror report for the year with the most two-sided corridors into
``<demo>/mirror/``, and returns one summary line.
"""

from __future__ import annotations

from pathlib import Path

from migstat.analysis.mirror import (
    REPORT_SERIES_COLUMNS,
    MirrorMatrix,
    mirror_columns,
    mirror_matrix,
)
from migstat.analysis.mirror_output import matrix_metadata, plain_rows, render
from migstat.store import Store

CIS_PUBLISHERS = ("CISSTAT", "BELSTAT")
"""Only the published data: the synthetic questionnaires are left out of the demo's mirror."""


def best_year(matrix: MirrorMatrix) -> int | None:
    """The year with the most corridors reported by both sides (the latest on a tie)."""
    coverage = [c for c in matrix.coverage() if c.both]
    return max(coverage, key=lambda c: (c.both, c.year)).year if coverage else None


def write_mirror_report(store: Store, out_dir: Path, lang: str = "en") -> str:
    """Write the CIS mirror matrix and country reports under ``out_dir/mirror``; return a
    one-line summary for people."""
    folder = out_dir / "mirror"
    folder.mkdir(parents=True, exist_ok=True)
    m = mirror_matrix(store, providers=CIS_PUBLISHERS)
    year = best_year(m)
    if year is None:
        return "Mirror statistics: no corridor is reported by both sides."
    rows = plain_rows(m.rows(), lang)
    meta = matrix_metadata(m, lang)
    for fmt in ("csv", "xlsx"):
        (folder / f"cis_mirror_matrix.{fmt}").write_bytes(
            render(
                fmt,
                rows,
                mirror_columns(m),
                lang=lang,
                title="CIS mirror statistics",
                metadata=meta,
            )
        )
    reporters = sorted(
        {c for (y, c) in m.emigration_sides if y == year}
        & {c for (y, c) in m.immigration_sides if y == year}
    )
    for country in reporters:
        report = m.report(country, year)
        (folder / f"{country}_{year}_mirror_report.xlsx").write_bytes(
            render(
                "xlsx",
                plain_rows(report["emigration"] + report["immigration"], lang),
                mirror_columns(m),
                lang=lang,
                title=f"Mirror report of {country}, {year}",
                metadata=meta,
                sheets={"Totals by year": (report["series"], REPORT_SERIES_COLUMNS)},
            )
        )
    two_sided = int(m.both.sum())
    covered = [c.year for c in m.coverage() if c.both]
    cov = next(c for c in m.coverage() if c.year == year)
    return (
        f"Mirror statistics (CIS-Stat, Belstat): {covered[0]}-{covered[-1]}, "
        f"{two_sided} corridor-years reported by both sides; {year}: {cov.both} of "
        f"{cov.corridors} corridors between {len(reporters)} countries -> {folder}"
    )


__all__ = ["best_year", "write_mirror_report"]
