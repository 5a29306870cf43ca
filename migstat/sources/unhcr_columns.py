"""UNHCR's CSV read as columns by DuckDB: the plan of the columnar import (docs/importing.md).

The plan gives exactly what :func:`migstat.sources.unhcr.stream` gives, without an object per
row: DuckDB reads the file (every column text, the header found as :class:`CsvFile` finds it,
each record's line kept), and Python decides only over *distinct* texts, with the reader's own
functions: the years (:meth:`_Rows._period`), the codes of the origin and asylum columns
(``UNHCR_CODES``, then the :class:`NameReport`), the values that are not plain digits
(:func:`_value`). Those answers go back to DuckDB as small tables and are joined to the rows;
the rows are unpivoted to the observation table ``obs`` (:data:`OBS_TABLE`). The places the
row reader remembers one by one (the unmatched names, the rows without a country of asylum)
are replayed in line order from the few rows concerned, and :func:`unhcr._finish` says what
the dataset says of itself, as the row reader does.

Where the file is not one DuckDB reads exactly as the csv module does, :func:`plan` returns
``None`` before anything is stored and the import takes the row path: a file not in UTF-8, a
record DuckDB refuses (a stray quote, more fields than the header), a record over several
lines, a blank line or a lone carriage return (the line numbers could not be kept), a line
of blanks alone (the csv module skips it, DuckDB cannot tell it from a row of empty fields).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migstat.model.data import Dataset, Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.common import CsvFile
from migstat.sources.duck import fill
from migstat.sources.names import resolve_country
from migstat.sources.unhcr import (
    DIGITS as PLAIN_DIGITS,
)
from migstat.sources.unhcr import (
    NAME,
    NOT_A_COUNTRY,
    PROVIDER,
    TABLE,
    UNHCR_CODES,
    _finish,
    _Rows,
    _value,
    is_header,
)

OBS_COLUMNS = "seq, tab, area, period, key, ival, fval, obs_status, conf_status, line, col"
"""What a plan's view ``obs`` gives, and its small tables ``dom_area(area)``,
``dom_period(period)`` and ``dom_key(tab, key)`` (every value ``obs`` may hold, or more):
``seq`` orders the observations as the row reader yields them; ``key`` joins the key's codes
with ``\\x1f`` (as the spill does, so that they sort alike); the value is ``ival`` (a whole
number) or ``fval`` (any other), both null when not available; ``line`` and ``col`` are the
place in the file."""

UTF8 = ("utf-8", "utf-8-sig")
PIECE = 1 << 18
"""Bytes read at a time when the lines are counted."""


def plan(
    path: Path,
    *,
    con: Any,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset | None:
    """Define DuckDB's view ``obs`` (and its domains) over the file; the dataset (metadata,
    provenance and the reader's findings, complete), or ``None`` when the row path must read
    this file."""
    src = CsvFile(path, is_header=is_header)
    try:
        rows = _Rows(src, registry)
        codec = getattr(getattr(src, "_handle", None), "encoding", None)
    finally:
        src.close()
    if codec not in UTF8 or not _read(con, path, rows, len(src.header)):
        return None
    _years(con)
    _codes(con, rows)
    _values(con, rows)
    _stop_first(con, rows)
    _replay(con, rows)
    _observations(con, rows)
    dataset = Dataset(
        file_name=src.name, format=NAME, provider=PROVIDER, observations=[], synthetic=False
    )
    _finish(rows, dataset, allow_unmatched=allow_unmatched, edition=edition)
    return dataset


def _lines(path: Path) -> int | None:
    """The file's physical lines, or ``None`` when a carriage return stands alone (the csv
    module ends a line there)."""
    newlines = returns = pairs = 0
    last = b""
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(PIECE), b""):
            newlines += piece.count(b"\n")
            returns += piece.count(b"\r")
            pairs += (last + piece[:1]).count(b"\r\n") + piece.count(b"\r\n")
            last = piece[-1:]
    if returns != pairs:
        return None
    return newlines + (1 if last not in (b"", b"\n") else 0)


def _read(con: Any, path: Path, rows: _Rows, width: int) -> bool:
    """The records after the header into DuckDB's ``raw`` (the fields read, as text, with
    their line); whether each record is one line of the file, none left out, and each read
    as the csv module reads it."""
    src = rows.src
    total = _lines(path)
    if total is None:
        return False
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    empty = " AND ".join(f"coalesce(c{i}, '') = ''" for i in range(width))
    alone = " AND ".join(f"c{i} IS NULL" for i in range(1, width)) or "true"
    values = "".join(f", coalesce(c{c}, '') AS v{j}" for j, (c, _, _) in enumerate(rows.values))
    try:
        con.execute(
            # a streaming window: the records' order as read, the file's
            f"CREATE TABLE raw AS SELECT row_number() OVER () + {src.offset + 1} AS line, "
            f"coalesce(c{rows.c_year}, '') AS y, coalesce(c{rows.c_dest}, '') AS d, "
            f"coalesce(c{rows.c_orig}, '') AS o{values}, ({empty}) AS blank, "
            f"CASE WHEN {alone} AND c0 <> '' AND length(c0) < 64 THEN c0 END AS lone "
            "FROM read_csv(?, delim = ?, quote = '\"', escape = '\"', header = false, "
            f"skip = ?, auto_detect = false, columns = {{{columns}}}, null_padding = true, "
            "allow_quoted_nulls = false, strict_mode = true)",
            [str(path), src.delimiter, src.offset + 1],
        )
    except Exception:  # any record DuckDB refuses: the row path reads the file
        return False
    (count,) = con.execute("SELECT count(*) FROM raw").fetchone()
    if count != total - src.offset - 1:
        return False
    lone = con.execute("SELECT DISTINCT lone FROM raw WHERE lone IS NOT NULL").fetchall()
    return not any(not text.strip() for (text,) in lone)


def _years(con: Any) -> None:
    """``years``: each distinct year text and its period (``NULL``: not a year)."""
    found = []
    for (text,) in con.execute("SELECT DISTINCT y FROM raw WHERE NOT blank").fetchall():
        year = text.strip()
        ok = year.isascii() and year.isdigit() and len(year) == 4
        found.append((text, f"{year}-12-31" if ok else None))
    fill(con, "years", (("y", "VARCHAR"), ("period", "VARCHAR")), found)


def _codes(con: Any, rows: _Rows) -> None:
    """``codes``: each distinct text of the two code columns and its code (``NULL``:
    unmatched), resolved as :meth:`_Rows.code_of` does, but once per text; the view
    ``rows`` of the records with their period, codes and whether they are kept."""
    found = []
    texts = con.execute(
        "SELECT d FROM raw WHERE NOT blank UNION SELECT o FROM raw WHERE NOT blank"
    ).fetchall()
    for (text,) in texts:
        upper = text.strip().upper()
        code = UNHCR_CODES[upper] if upper in UNHCR_CODES else _resolved(rows, text.strip())
        found.append((text, code))
    fill(con, "codes", (("t", "VARCHAR"), ("code", "VARCHAR")), found)
    con.execute(
        "CREATE VIEW rows AS SELECT r.*, yy.period, dc.code AS dest, oc.code AS orig, "
        "(dc.code IS NOT NULL AND oc.code IS NOT NULL AND dc.code NOT IN "
        f"({', '.join(repr(c) for c in NOT_A_COUNTRY)})) AS kept "
        "FROM raw r JOIN years yy ON r.y = yy.y JOIN codes dc ON r.d = dc.t "
        "JOIN codes oc ON r.o = oc.t WHERE NOT r.blank"
    )


def _resolved(rows: _Rows, name: str) -> str | None:
    """The code of a name, as the :class:`NameReport` finds it (nothing recorded yet: the
    places of an unmatched name are replayed in line order by :func:`_replay`)."""
    return resolve_country(name, rows.report.registry)


DIGITS = "regexp_full_match({}, '[0-9]{{1,PLAIN}}')".replace("PLAIN", str(PLAIN_DIGITS))


def _values(con: Any, rows: _Rows) -> None:
    """``vals``: each distinct value text that is not plain digits, read by :func:`_value`
    (``bad``: not a number, which stops the import at its first kept row)."""
    texts = " UNION ".join(
        f"SELECT v{j} AS v FROM raw WHERE NOT blank AND NOT {DIGITS.format(f'v{j}')}"
        for j in range(len(rows.values))
    )
    found = []
    for (text,) in con.execute(texts).fetchall():
        try:
            value, flag = _value(text.strip(), rows.name, 0, "")
        except InputError:
            found.append((text, None, None, None, True))
            continue
        whole = isinstance(value, int) and abs(value) < 1 << 62
        found.append((text, value if whole else None, None if whole else value, flag, False))
    fill(
        con,
        "vals",
        (
            ("v", "VARCHAR"),
            ("ival", "BIGINT"),
            ("fval", "DOUBLE"),
            ("flag", "VARCHAR"),
            ("bad", "BOOL"),
        ),
        found,
    )


def _stop_first(con: Any, rows: _Rows) -> None:
    """Raise the error the row reader stops at: the first line with a year that is not a
    year (before anything else on its line), or a kept row's value that is not a number."""
    worst: tuple[int, int] | None = None
    if con.execute("SELECT count(*) FROM years WHERE period IS NULL").fetchone()[0]:
        (year,) = con.execute("SELECT min(line) FROM rows WHERE period IS NULL").fetchone()
        worst = (year, -1)
    if con.execute("SELECT count(*) FROM vals WHERE bad").fetchone()[0]:
        for j in range(len(rows.values)):
            (line,) = con.execute(
                f"SELECT min(line) FROM rows JOIN vals ON v{j} = v WHERE kept AND bad"
            ).fetchone()
            if line is not None and (worst is None or (line, j) < worst):
                worst = (line, j)
    if worst is None:
        return
    line, j = worst
    column = "y" if j < 0 else f"v{j}"
    (text,) = con.execute(f"SELECT {column} FROM raw WHERE line = ?", [line]).fetchone()
    if j < 0:
        rows._period(text.strip(), line)
    _value(text.strip(), rows.name, line, rows.values[j][1])
    raise AssertionError("unreachable: the text read as an error above")  # pragma: no cover


def _replay(con: Any, rows: _Rows) -> None:
    """The places the row reader records one by one, in its order: the unmatched names
    (asylum column, then origin, line by line) and the rows without a country of asylum;
    and the years of the rows kept."""
    name = rows.name
    report = rows.report
    some = con.execute(
        "SELECT count(*) FROM codes WHERE code IS NULL OR code IN "
        f"({', '.join(repr(c) for c in NOT_A_COUNTRY)})"
    ).fetchone()[0]
    if some:
        cursor = con.execute(
            "SELECT line, d, o, dest IS NULL, orig IS NULL FROM rows "
            "WHERE dest IS NULL OR orig IS NULL ORDER BY line"
        )
        while batch := cursor.fetchmany(10_000):
            for line, d, o, no_dest, no_orig in batch:
                if no_dest:
                    report.add(d.strip(), Location(file=name, line=line, column="dest"))
                if no_orig:
                    report.add(o.strip(), Location(file=name, line=line, column="orig"))
        cursor = con.execute(
            "SELECT line FROM rows WHERE dest IS NOT NULL AND orig IS NOT NULL AND NOT kept "
            "ORDER BY line"
        )
        while batch := cursor.fetchmany(10_000):
            for (line,) in batch:
                rows.no_asylum_country.add("dest", Location(file=name, line=line, column="dest"))
        years = con.execute("SELECT DISTINCT y FROM rows WHERE kept").fetchall()
    else:
        years = con.execute("SELECT y FROM years").fetchall()
    for (year,) in years:
        rows.years.add(int(year.strip()))


def _observations(con: Any, rows: _Rows) -> None:
    """The view ``obs``: the kept rows unpivoted, one observation per value column; and
    its domains."""
    keys = []
    origins = con.execute("SELECT DISTINCT code FROM codes WHERE code IS NOT NULL").fetchall()
    for j, (_c, _col, status) in enumerate(rows.values):
        for (origin,) in origins:
            keys.append((origin, j, "\x1f".join(rows.key(origin, status))))
    fill(con, "keys", (("orig", "VARCHAR"), ("j", "INTEGER"), ("key", "VARCHAR")), keys)
    n = len(rows.values)
    parts = []
    for j, (_c, col, _status) in enumerate(rows.values):
        digits = DIGITS.format(f"r.v{j}")
        parts.append(
            f"SELECT r.line * {n} + {j} AS seq, '{TABLE}' AS tab, r.dest AS area, r.period, "
            f"k.key, CASE WHEN {digits} THEN CAST(r.v{j} AS BIGINT) ELSE x.ival END AS ival, "
            "x.fval, coalesce(x.flag, 'A') AS obs_status, NULL::VARCHAR AS conf_status, "
            f"r.line, '{col}' AS col FROM rows r JOIN keys k ON k.orig = r.orig AND k.j = {j} "
            f"LEFT JOIN vals x ON x.v = r.v{j} WHERE r.kept"
        )
    con.execute(f"CREATE VIEW obs AS {' UNION ALL '.join(parts)}")
    con.execute("CREATE VIEW dom_area AS SELECT DISTINCT code AS area FROM codes")
    con.execute("CREATE VIEW dom_period AS SELECT DISTINCT period FROM years")
    con.execute(f"CREATE VIEW dom_key AS SELECT DISTINCT '{TABLE}' AS tab, key FROM keys")
