"""Reports of findings: readable text for the terminal (English or Russian) and JSON.

The text report opens with the file and the number of errors and warnings, then lists the
findings table by table in the order of the sheet (``Finding.sort_key``: errors first, then
sheet, line and cell). Each rule shows its first ``limit`` findings per table followed by
"and K more"; findings not tied to a table (the submission's metadata) come first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from migstat.i18n import N_, gettext_, ngettext_
from migstat.model import Dataset, Finding, Location, Registry, Severity, default_registry
from migstat.validation.core import cell_name

MSG_HEADER = N_("Validation of {file}")
MSG_NO_FINDINGS = N_("No findings: every check passed.")
MSG_GENERAL = N_("Submission")
MSG_MORE = N_("… and {n} more {rule} findings")
MSG_CELLS = N_("cells: {cells}")
MSG_CELLS_MORE = N_("cells: {cells} and {n} more")
MSG_ACCEPTABLE = N_("No errors: the submission can be accepted.")
MSG_BLOCKED = N_("Errors block acceptance: correct them and send the file again.")
SEVERITY_LABELS = {
    Severity.ERROR: N_("error"),
    Severity.WARNING: N_("warning"),
    Severity.INFO: N_("note"),
}

RELATED_SHOWN = 6


def _counts(findings: Iterable[Finding]) -> Counter[str]:
    return Counter(str(f.severity) for f in findings)


def _count_text(counts: Counter[str], lang: str) -> str:
    parts = [
        ngettext_("{n} error", "{n} errors", counts.get("error", 0), lang),
        ngettext_("{n} warning", "{n} warnings", counts.get("warning", 0), lang),
    ]
    if counts.get("info"):
        parts.append(ngettext_("{n} note", "{n} notes", counts["info"], lang))
    return ", ".join(parts)


def _title(table: str | None, registry: Registry | None, lang: str) -> str:
    if not table:
        return gettext_(MSG_GENERAL, lang)
    found = registry.tables.get(table) if registry is not None else None
    return f"{table} — {found.label(lang)}" if found is not None else table


def _related(locations: Sequence[Location], lang: str) -> str:
    names = [cell_name(loc) for loc in locations[:RELATED_SHOWN]]
    if len(locations) > RELATED_SHOWN:
        return gettext_(
            MSG_CELLS_MORE, lang, cells=", ".join(names), n=len(locations) - RELATED_SHOWN
        )
    return gettext_(MSG_CELLS, lang, cells=", ".join(names))


def finding_text(f: Finding, lang: str) -> str:
    """A finding's message, opening with its cell (or line) when the message does not name
    it itself: every finding printed names its place."""
    text = f.text(lang)
    if f.where is None or "{cell}" in f.message or not (f.where.cell or f.where.line):
        return text
    place = cell_name(f.where)
    if f.where.line is not None and not f.where.cell:
        place = gettext_(N_("line {line}"), lang, line=f.where.line)
        if f.where.column:
            place = f"{place}, {f.where.column}"
    return text if text.startswith(place) else f"{place}: {text}"


def _caused(caused: Sequence[Finding], lang: str) -> str:
    places = [cell_name(g.where) for g in caused if g.where is not None]
    shown = ", ".join(places[:RELATED_SHOWN])
    if len(places) > RELATED_SHOWN:
        shown = gettext_(
            N_("{listed} and {n} more"), lang, listed=shown, n=len(places) - RELATED_SHOWN
        )
    return ngettext_(
        "because of it, {n} check fails: {cells}",
        "because of it, {n} checks fail: {cells}",
        len(caused),
        lang,
        cells=shown,
    )


def render_text(
    findings: Sequence[Finding],
    *,
    lang: str,
    file_name: str,
    summary: bool = True,
    limit: int = 10,
    registry: Registry | None = None,
) -> str:
    """The findings as a report for people, grouped by table, ``limit`` per rule and table."""
    if registry is None:
        try:
            registry = default_registry()
        except Exception:  # a report must never fail for want of table titles
            registry = None
    lines = [gettext_(MSG_HEADER, lang, file=file_name)]
    ordered = sorted(findings, key=lambda f: f.sort_key)
    if summary:
        lines.append(_count_text(_counts(ordered), lang))
    if not ordered:
        lines.append(gettext_(MSG_NO_FINDINGS, lang))
        return "\n".join(lines) + "\n"

    by_table: dict[str | None, list[Finding]] = {}
    for f in ordered:
        by_table.setdefault(f.table, []).append(f)
    tables = sorted(by_table, key=lambda t: (t is not None, t or ""))
    for table in tables:
        group = by_table[table]
        lines.append("")
        lines.append(f"{_title(table, registry, lang)} ({_count_text(_counts(group), lang)})")
        shown: Counter[str] = Counter()
        for f in group:
            shown[f.rule] += 1
            if shown[f.rule] > limit:
                continue
            label = gettext_(SEVERITY_LABELS.get(Severity(f.severity), "error"), lang)
            lines.append(f"  {label}  {f.rule}  {finding_text(f, lang)}")
            if f.related:
                lines.append(f"      {_related(f.related, lang)}")
            if f.caused:
                lines.append("      " + _caused(f.caused, lang))
        for rule, n in shown.items():
            if n > limit:
                lines.append("  " + gettext_(MSG_MORE, lang, n=n - limit, rule=rule))
    if summary:
        lines.append("")
        errors = _counts(ordered).get("error", 0)
        lines.append(gettext_(MSG_BLOCKED if errors else MSG_ACCEPTABLE, lang))
    return "\n".join(lines) + "\n"


def to_json(
    findings: Sequence[Finding],
    *,
    file_name: str,
    dataset: Dataset | None = None,
    observations: int | None = None,
    tables: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``{"file", "summary", "findings"}``, the findings in report order, both languages.
    ``observations`` and ``tables``: a streamed file's (its dataset keeps only some)."""
    ordered = sorted(findings, key=lambda f: f.sort_key)
    counts = _counts(ordered)
    summary: dict[str, Any] = {
        "errors": counts.get("error", 0),
        "warnings": counts.get("warning", 0),
        "info": counts.get("info", 0),
        "accepted": counts.get("error", 0) == 0,
        "by_rule": dict(sorted(Counter(f.rule for f in ordered).items())),
    }
    if dataset is not None:
        summary["provider"] = dataset.provider
        summary["format"] = dataset.format
        summary["observations"] = (
            len(dataset.observations) if observations is None else observations
        )
        summary["tables"] = dataset.tables if tables is None else list(tables)
    return {"file": file_name, "summary": summary, "findings": [f.to_dict() for f in ordered]}
