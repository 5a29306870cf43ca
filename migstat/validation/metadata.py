"""Metadata rules.

- ``META_RESIDENCE_RULE`` (error): a flow table with data whose metadata do not state the
  residence (duration) rule applied — the main cause of mirror asymmetries (brief, section 5).
- ``META_SELF_PARTNER`` (warning): in a table whose universe excludes the reporting country's
  own people (S03 foreign-born, S04 non-citizens; :data:`SELF_PARTNER_TABLES`), the partner
  row of the reporting country has non-zero values. One finding per table, area and period, on
  the most aggregated non-zero cell of that row (the most total codes, then the largest
  value), with the row's other non-zero cells in ``related``.
"""

from __future__ import annotations

from migstat.i18n import N_
from migstat.model import Location, Severity
from migstat.validation.core import Context, fmt_number

SELF_PARTNER_TABLES: tuple[str, ...] = ("S03", "S04")
"""Tables whose universe is foreign-born or non-citizens: their own-country row must be zero."""

MSG_RESIDENCE_RULE = N_(
    "{cell}: table {table} has data but its metadata do not state the "
    "residence rule (duration of stay) applied."
)
MSG_SELF_PARTNER = N_(
    "{cell}: {value} in the row of the reporting country {code} of table "
    "{table}, which covers only persons born abroad or non-citizens "
    "({count} non-zero cells in that row)."
)


def check_residence_rule(ctx: Context) -> None:
    meta = ctx.dataset.metadata
    for table_id in ctx.tables_with_data():
        table = ctx.registry.tables[table_id]
        if table.kind.value != "flow":
            continue
        tmeta = meta.tables.get(table_id)
        if tmeta is not None and tmeta.residence_rule:
            continue
        where = (tmeta.where.get("residence_rule") if tmeta else None) or Location(
            file=ctx.dataset.file_name
        )
        ctx.add(
            "META_RESIDENCE_RULE",
            Severity.ERROR,
            MSG_RESIDENCE_RULE,
            table=table_id,
            where=where,
            key=None,
        )


def _weight(item, totals) -> tuple[int, float]:
    """Most aggregated first: the number of total codes in the key, then the size."""
    key, obs = item
    return (
        sum(1 for code, total in zip(key, totals, strict=True) if code == total),
        abs(obs.value),
    )


def check_self_partner(ctx: Context) -> None:
    for (table_id, ref_area, _period), cells in ctx.groups.items():
        if table_id not in SELF_PARTNER_TABLES or not cells:
            continue
        table = ctx.registry.tables[table_id]
        partner = table.partner
        if partner is None:
            continue
        i = table.key_index(partner.id)
        totals = tuple(d.total for d in table.dimensions)
        hits = [(key, obs) for key, obs in cells.items() if key[i] == ref_area and obs.value]
        if not hits:
            continue
        hits.sort(key=lambda item, totals=totals: _weight(item, totals), reverse=True)
        anchor = hits[0][1]
        ctx.add(
            "META_SELF_PARTNER",
            Severity.WARNING,
            MSG_SELF_PARTNER,
            obs=anchor,
            table=table_id,
            related=[obs.where for _key, obs in hits[1:]],
            values={"observed": fmt_number(anchor.value), "expected": 0, "count": len(hits)},
            value=fmt_number(anchor.value),
            code=ref_area,
            count=len(hits),
        )
