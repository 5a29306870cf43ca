"""Variants of published CSV files that the tests make: other separators, encodings, order."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path


def write_variant(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    order: Sequence[int] | None = None,
) -> Path:
    """Write ``rows`` to ``path`` with this separator and encoding, columns in ``order``."""
    if order is not None:
        rows = [[row[i] for i in order] for row in rows]
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path
