"""Apache Spark as the engine of ``tabulate`` (``--engine spark``), for files beyond one
machine: the same statements as DuckDB runs, from the same table definitions.

The run's statements (the scan reducing the file to ``raw_cells``, the lookups, one query with
``GROUP BY CUBE`` per table) are written once, in the SQL both engines share; this adapter
gives Spark SQL the few spellings that differ (identifiers in back quotes, ``STRING`` for
``VARCHAR``, ``bround`` for ``round_even``, a finite test for ``isfinite``), registers the
file as a view, and caches the reduced cells (``CACHE TABLE``) so the file is read once. The
tables equal DuckDB's cell for cell (``tests/test_microdata_spark.py``): both round each
reduced cell's weighted sum half to even, then sum whole numbers.

The DuckDB connection of the run stays open beside it: it reads the file's header and finds
the record an error names (Spark keeps no record order). A survey's design cells
(``design_cells``: per cell, stratum and PSU) are reduced by Spark and fetched for the
estimators, as from DuckDB; a record that is its own PSU is numbered by
``monotonically_increasing_id`` instead of ``row_number``. The cell-key method reads the
reduced cells' record-key sums the same way; its record keys must then be a variable of the
file (``sdc.record_key``), since DuckDB's hash of a record has no equal in Spark. While the scan
runs, :meth:`SparkConnection.query_progress` reports the share of its tasks done.

``master`` is Spark's: ``local[*]`` (every core of this machine, the default) or a cluster's
URL (``spark://host:7077``, ``yarn``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migstat.i18n import N_
from migstat.model import InputError

SOURCE_VIEW = "migstat_source"
_CREATE_AS = re.compile(r"^\s*CREATE OR REPLACE TEMP TABLE (\w+) AS (.*)$", re.S)
_CREATE = re.compile(r"^\s*CREATE OR REPLACE TEMP TABLE (\w+) \((.*)\)\s*$", re.S)
_INSERT = re.compile(r"^\s*INSERT INTO (\w+) VALUES")
_DROP = re.compile(r"^\s*DROP TABLE (\w+)\s*$")
_IDENT = re.compile(r'"((?:[^"]|"")*)"')
_FINITE = re.compile(r"isfinite\((\w+)\)")
_TYPES = {"VARCHAR": "string", "BOOLEAN": "boolean", "DOUBLE": "double", "BIGINT": "bigint"}


def spark_sql(sql: str) -> str:
    """A statement of the run in Spark SQL's spelling."""
    sql = _IDENT.sub(lambda m: "`" + m.group(1).replace('""', '"').replace("`", "``") + "`", sql)
    sql = sql.replace(" AS VARCHAR)", " AS STRING)")
    sql = sql.replace("round_even(", "bround(").replace("TRY_CAST(", "try_cast(")
    # a record's own PSU (a survey without clusters): any number unique to the record
    sql = sql.replace("row_number() OVER ()", "monotonically_increasing_id()")
    return _FINITE.sub(r"(NOT isnan(\1) AND abs(\1) != CAST('Infinity' AS DOUBLE))", sql)


@dataclass(slots=True)
class _Result:
    rows: list[tuple] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def fetchall(self) -> list[tuple]:
        return self.rows

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        """The columns by name, as DuckDB's ``fetchnumpy`` gives them."""
        return {
            name: np.array([row[i] for row in self.rows], dtype=object)
            for i, name in enumerate(self.columns)
        }

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None


class SparkConnection:
    """The part of a DuckDB connection ``tabulate`` uses, over a Spark session."""

    def __init__(self, session: Any, fallback: Any) -> None:
        self.session = session
        self.fallback = fallback
        """The run's DuckDB connection, for the header and the records errors name."""
        self.schemas: dict[str, str] = {}
        self.views: set[str] = set()

    def _cache(self, name: str, query: str) -> None:
        self.session.catalog.dropTempView(name)  # uncaches it too, without resolving it
        self.session.sql(f"CACHE TABLE {name} AS {spark_sql(query)}")
        self.views.add(name)

    def close(self) -> None:
        """Drop the run's views and free their cached rows (the session stays for the next
        run)."""
        for name in [*self.views, *self.schemas, SOURCE_VIEW, "migstat_parts"]:
            self.session.catalog.dropTempView(name)
        self.views.clear()

    def execute(self, sql: str, parameters: Any = None) -> _Result:
        if parameters:
            raise NotImplementedError("parameters are only used by executemany")
        found = _CREATE_AS.match(sql)
        if found:
            self._cache(found.group(1), found.group(2))
            return _Result()
        found = _CREATE.match(sql)
        if found:
            name = found.group(1)
            columns = [c.strip().split() for c in found.group(2).split(",")]
            self.schemas[name] = ", ".join(f"{c} {_TYPES[t.upper()]}" for c, t in columns)
            self.session.createDataFrame([], self.schemas[name]).createOrReplaceTempView(name)
            return _Result()
        found = _DROP.match(sql)
        if found:
            self.session.catalog.dropTempView(found.group(1))
            return _Result()
        frame = self.session.sql(spark_sql(sql))
        return _Result([tuple(row) for row in frame.collect()], list(frame.columns))

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        found = _INSERT.match(sql)
        if not found:
            raise NotImplementedError(sql)
        name = found.group(1)
        frame = self.session.createDataFrame([tuple(r) for r in rows], self.schemas[name])
        frame.createOrReplaceTempView(name)

    def query_progress(self) -> float:
        """How far the running statement is, in per cent of the tasks of its jobs' stages
        (as DuckDB's ``query_progress``; -1 when nothing runs). A later stage's tasks are
        counted once Spark knows them, so the figure may step back; the caller shows only
        what is further than before."""
        tracker = self.session.sparkContext.statusTracker()
        done = total = 0
        for job in tracker.getActiveJobsIds():
            info = tracker.getJobInfo(job)
            for stage in info.stageIds if info is not None else ():
                found = tracker.getStageInfo(stage)
                if found is not None:
                    done += found.numCompletedTasks
                    total += found.numTasks
        if not total:
            return -1.0
        return min(99.0, 100.0 * done / total)


def spark_session(master: str = "local[*]") -> Any:
    """The Spark session of ``master`` (one per process: later runs reuse it)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            N_("The Spark engine needs pyspark: install it with pip install pyspark.")
        ) from None
    try:
        session = (
            SparkSession.builder.master(master)
            .appName("migstat tabulate")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        return session
    except Exception as problem:  # no Java, or the master cannot be reached
        raise InputError(
            N_("Spark cannot start with master {master}: {problem}"),
            master=master,
            problem=str(problem).splitlines()[0] if str(problem) else type(problem).__name__,
        ) from None


def register_source(session: Any, path: str, kind: str, select: str | None = None) -> None:
    """The microdata file as the view the run's statements read (every CSV column as
    text, as DuckDB reads it; converted SPSS or Stata parts through their ``select``)."""
    if kind == "parquet":
        frame = session.read.parquet(path)
    else:
        frame = session.read.option("header", True).option("inferSchema", False).csv(path)
    if select is None:
        frame.createOrReplaceTempView(SOURCE_VIEW)
        return
    frame.createOrReplaceTempView("migstat_parts")
    session.sql(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT {spark_sql(select)} "
        "FROM migstat_parts"
    )
