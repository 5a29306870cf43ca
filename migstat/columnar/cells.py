"""The plan's ``obs`` made the ``cells`` the rest of the import reads, in the spill's order.

The row path's spill reads observations back sorted by area, period, table, key and the
order they were read, and leaves out a cell's third and later repetitions. Here the texts
that order them are replaced by their ranks (small tables ``d_area``, ``d_period``, ``d_tab``
and ``d_key``, one row per distinct text): the slice of an observation is one integer,
``gno``, ordered as (area, period, table) are, and ``cells`` is sorted once by ``gno``, key
rank and ``seq``. Sorted, a cell's repetitions are neighbours, which a streaming window
(``lag``) finds without holding anything. Sorting integers keeps DuckDB within its memory
limit for any file; no hash table grows with the rows.

``d_key`` holds, per table and key, what the store keeps (the codes joined by
``schema.KEY_SEPARATOR``, the partner's code) and each dimension's code, so that the
observations' rows for the store and the checks' conditions are joins with small tables.
"""

from __future__ import annotations

from typing import Any

from migstat.model import Registry

SEP = "\x1f"


def prepare(con: Any, registry: Registry) -> int:
    """Build ``cells``, ``groups`` and the rank tables from ``obs`` (dropped); the number
    of repetitions left out."""
    for name, column, rank, domain in (
        ("d_area", "area", "ar", "dom_area"),
        ("d_period", "period", "pr", "dom_period"),
    ):
        con.execute(
            f"CREATE TABLE {name} AS SELECT {column}, (row_number() OVER (ORDER BY {column}) "
            f"- 1)::BIGINT AS {rank} FROM (SELECT DISTINCT {column} FROM {domain} "
            f"WHERE {column} IS NOT NULL)"
        )
    con.execute(
        "CREATE TABLE d_tab AS SELECT tab, (row_number() OVER (ORDER BY tab) - 1)::BIGINT AS tr "
        "FROM (SELECT DISTINCT tab FROM dom_key)"
    )
    con.execute(
        "CREATE TABLE d_key0 AS SELECT tab, key, (row_number() OVER (ORDER BY tab, key) - 1)"
        "::BIGINT AS kr FROM (SELECT DISTINCT tab, key FROM dom_key)"
    )
    _key_columns(con, registry)
    (n_period,) = con.execute("SELECT count(*) FROM d_period").fetchone()
    (n_tab,) = con.execute("SELECT count(*) FROM d_tab").fetchone()
    con.execute(f"CREATE TABLE shape AS SELECT {n_period}::BIGINT AS np, {n_tab}::BIGINT AS nt")
    con.execute(
        f"CREATE TABLE ranked AS SELECT (a.ar * {n_period} + p.pr) * {n_tab} + t.tr AS gno, "
        "k.kr, o.seq, o.ival, o.fval, coalesce(o.obs_status, 'A') AS obs_status, "
        "coalesce(o.conf_status, 'F') AS conf_status, o.line, o.col FROM obs o "
        "JOIN d_area a ON a.area = o.area JOIN d_period p ON p.period = o.period "
        "JOIN d_tab t ON t.tab = o.tab JOIN d_key0 k ON k.tab = o.tab AND k.key = o.key "
        "ORDER BY gno, k.kr, o.seq"
    )
    con.execute("DROP TABLE d_key0")
    # sorted, a cell's repetitions are neighbours: a streaming window finds them
    con.execute(
        "CREATE TABLE again AS SELECT * FROM (SELECT gno, kr, seq, "
        "gno = lag(gno) OVER () AND kr = lag(kr) OVER () AS second, "
        "gno = lag(gno, 2) OVER () AND kr = lag(kr, 2) OVER () AS third FROM ranked) "
        "WHERE second"
    )
    con.execute("CREATE TABLE second AS SELECT gno, kr FROM again WHERE NOT coalesce(third, false)")
    (repeats,) = con.execute("SELECT count(*) FROM again WHERE third").fetchone()
    if repeats:
        con.execute(
            "CREATE TABLE cells AS SELECT * FROM ranked WHERE seq NOT IN "
            "(SELECT seq FROM again WHERE third) ORDER BY gno, kr, seq"
        )
        con.execute("DROP TABLE ranked")
    else:
        con.execute("ALTER TABLE ranked RENAME TO cells")
    con.execute(
        "CREATE TABLE groups AS SELECT (row_number() OVER (ORDER BY g.gno) - 1)::BIGINT AS gi, "
        "g.gno, g.n, g.estimated, a.area, p.period, t.tab, "
        "a.ar, p.pr, t.tr FROM (SELECT gno, count(*) AS n, "
        "count(*) FILTER (WHERE obs_status = 'E') AS estimated FROM cells GROUP BY gno) g "
        f"JOIN d_area a ON a.ar = g.gno // {n_period * n_tab} "
        f"JOIN d_period p ON p.pr = (g.gno // {n_tab}) % {n_period} "
        f"JOIN d_tab t ON t.tr = g.gno % {n_tab} ORDER BY g.gno"
    )
    return int(repeats)


def _key_columns(con: Any, registry: Registry) -> None:
    """``d_key``: per table and key its rank, the stored key and partner, and the code of
    each dimension (``c1`` ...; ``NULL`` past the key's end)."""
    width = max(
        [
            len(registry.tables[t].dimensions)
            for (t,) in con.execute("SELECT tab FROM d_tab").fetchall()
            if t in registry.tables
        ]
        or [0]
    )
    codes = ", ".join(f"string_split(key, chr(31))[{d + 1}] AS c{d + 1}" for d in range(width))
    partners = " ".join(
        f"WHEN '{t}' THEN {d + 1}"
        for t, table in registry.tables.items()
        if table.partner is not None
        for d in [table.key_index(table.partner.id)]
    )
    partner = f"CASE tab {partners} ELSE NULL END" if partners else "NULL"
    con.execute(
        "CREATE TABLE d_key AS SELECT tab, key, kr, replace(key, chr(31), '.') AS skey, "
        f"len(string_split(key, chr(31))) AS width, {partner} AS pd"
        f"{', ' + codes if codes else ''} FROM d_key0"
    )
    con.execute("ALTER TABLE d_key ADD COLUMN partner VARCHAR")
    con.execute("UPDATE d_key SET partner = string_split(key, chr(31))[pd] WHERE pd IS NOT NULL")
