"""The DuckDB database of one columnar import, bounded and thrown away at its end."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from migstat.store.spill import Scratch

MEMORY_LIMIT = os.environ.get("MIGSTAT_IMPORT_DUCKDB_MEMORY", "160MB")
"""DuckDB's memory limit for an import; past it, DuckDB spills to the scratch folder."""
THREADS = int(os.environ.get("MIGSTAT_IMPORT_DUCKDB_THREADS", "2"))


class Session(Scratch):
    """A DuckDB database file in a private scratch folder (its spill folder too), with a
    memory limit, a thread count and the rows kept in the order they were inserted (the
    line numbers of a file are its rows' order)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        import duckdb

        self._dir = tempfile.TemporaryDirectory(prefix="migstat-columns-", dir=folder)
        where = Path(self._dir.name)
        self.con: Any = duckdb.connect(str(where / "import.duckdb"))
        spill = where / "spill"
        spill.mkdir()
        for setting, value in (
            ("memory_limit", MEMORY_LIMIT),
            ("threads", THREADS),
            ("temp_directory", str(spill)),
            ("preserve_insertion_order", True),
        ):
            self.con.execute(f"SET {setting} = ?", [value])

    def close(self) -> None:
        self.con.close()
        self._dir.cleanup()
