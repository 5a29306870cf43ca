"""Small tables handed to DuckDB in one statement (``executemany`` inserts row by row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fill(con: Any, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
    """Create ``table`` with ``columns`` (name, DuckDB type) holding ``rows``: each column
    passed as one list and unnested side by side."""
    names = ", ".join(f"{name} {kind}" for name, kind in columns)
    con.execute(f"CREATE TABLE {table} ({names})")
    if not rows:
        return
    lists = [list(column) for column in zip(*rows, strict=True)]
    picks = ", ".join(f"unnest(?::{kind}[])" for _name, kind in columns)
    con.execute(f"INSERT INTO {table} SELECT {picks}", lists)
