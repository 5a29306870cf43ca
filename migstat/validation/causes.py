"""Findings that follow from another, filed under their cause.

A questionnaire's damage (a deleted row, merged cells, a name where a code belongs: the
reader's ``STRUCT_ROWS_MISSING``, ``STRUCT_MERGED_CELLS`` ... of
:mod:`migstat.formats.questionnaire.damage`) makes the totals of its sheet stop adding up:
reported beside it, one deleted country block gives dozens of "total is not the sum of its
parts" errors and none names the row. Here the arithmetic and cross-table findings of a
damaged sheet are put under the first damage finding of that sheet (``Finding.caused``), which
takes the gravest severity among them: the submission is refused all the same, and the report
names one cause. Once the damage is repaired, the file is checked again and whatever was
filed under it and still holds is shown on its own.
"""

from __future__ import annotations

from migstat.model import Finding, Severity

CAUSE_RULES: frozenset[str] = frozenset(
    {
        "STRUCT_MERGED_CELLS",
        "STRUCT_CODE_NOT_CODE",
        "STRUCT_CODE_MISSING",
        "STRUCT_UNCODED_ROW",
        "STRUCT_UNCODED_COLUMN",
        "STRUCT_ROWS_MISSING",
        "STRUCT_COLUMNS_MISSING",
    }
)
"""The reader's findings about a damaged table sheet."""


def _consequence(f: Finding) -> bool:
    return f.rule == "ARITH_TOTAL" or f.rule.startswith("CROSS_")


def file_under_causes(findings: list[Finding]) -> list[Finding]:
    """``findings`` with the arithmetic and cross-table findings of each damaged sheet moved
    under that sheet's first damage finding."""
    causes: dict[tuple[str | None, str | None], Finding] = {}
    for f in findings:
        if f.rule in CAUSE_RULES:
            sheet = f.where.sheet if f.where else None
            causes.setdefault((f.table, sheet), f)
    if not causes:
        return findings
    by_table = {table: cause for (table, _sheet), cause in causes.items()}
    kept: list[Finding] = []
    filed: dict[int, list[Finding]] = {}
    for f in findings:
        cause = by_table.get(f.table) if _consequence(f) else None
        if cause is None:
            kept.append(f)
        else:
            filed.setdefault(id(cause), []).append(f)
    for cause in causes.values():
        under = filed.get(id(cause))
        if not under:
            continue
        cause.caused = (*cause.caused, *under)
        worst = min((Severity(g.severity) for g in under), key=lambda s: s.rank)
        if worst.rank < Severity(cause.severity).rank:
            cause.severity = worst
    return kept
