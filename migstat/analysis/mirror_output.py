"""Mirror statistics and harmonised estimates as CSV, XLSX (with a metadata sheet) and JSON.

The rows are plain mappings (``MirrorMatrix.rows()``, ``FactorFit.rows()``,
``Harmonised.rows()``); text a spreadsheet would take for a formula is neutralised with the
query outputs' :func:`migstat.formats.output.safe_text`, in CSV and XLSX alike.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migstat.analysis.mirror import MirrorMatrix, flag_text
from migstat.formats.output import safe_text, write_csv
from migstat.i18n import N_, gettext_

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plain_rows(rows: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Rows ready for output: the flags as text in ``lang``, internal keys dropped."""
    out = []
    for row in rows:
        plain = {k: v for k, v in row.items() if not k.startswith("_")}
        if "_flags" in row:
            plain["FLAG_TEXT"] = flag_text(row, lang)
        out.append(plain)
    return out


def matrix_metadata(matrix: MirrorMatrix, lang: str) -> dict[str, Any]:
    """What a reader needs to know about a mirror table: which tables, cell and years."""
    t = lambda msgid: gettext_(msgid, lang)  # noqa: E731
    return {
        t(N_("What")): t(N_("Mirror statistics: emigration from A to B as recorded by A "
                            "against immigration into B from A as recorded by B.")),
        t(N_("Basis")): f"{matrix.basis.id}: {matrix.basis.emigration} / "
                        f"{matrix.basis.immigration}",
        t(N_("Cell")): ", ".join(f"{k}={v}" for k, v in matrix.cell.items()),
        t(N_("Years")): ", ".join(map(str, matrix.years)),
        t(N_("Indicators")): t(N_("RATIO = I/E; LOG_RATIO = ln(I/E); DIFFERENCE = I - E; "
                                  "RELATIVE_DIFFERENCE = (I - E)/((I + E)/2). Empty where "
                                  "undefined or not reported (never zero).")),
        t(N_("Flags")): t(N_("RESIDENCE_RULE, SOURCE_TYPE, POPULATION, ORIGIN_CONCEPT: the two "
                             "sides' metadata differ; RULE_NOT_STATED; PROVIDER: different "
                             "publishers; OBS_STATUS: a side is not a normal value; "
                             "UNKNOWN_PARTNER: a side records over 10% with an unknown "
                             "country; SYNTHETIC: generated data; CITIZENSHIP_PROXY.")),
    }


def estimate_metadata(lang: str, **facts: Any) -> dict[str, Any]:
    """The label every harmonised output carries: these are estimates, not reported data."""
    out = {gettext_(N_("Status"), lang): gettext_(N_(
        "Estimates (OBS_STATUS E), computed on demand from reported data; the reported "
        "numbers are unchanged in the store."), lang)}
    out.update(facts)
    return out


def fit_metadata(matrix: MirrorMatrix, fit: Any, lang: str, **extra: Any) -> dict[str, Any]:
    """The metadata of correction factors and harmonised flows: what was compared, that these
    are estimates, the method and its choices, and the diagnostics."""
    return estimate_metadata(lang, **matrix_metadata(matrix, lang), **{
        gettext_(N_("Method"), lang): gettext_(N_(
            "One factor per country and direction, r_j·I_ij ≈ s_i·E_ij, anchor fixed at 1 "
            "(de Beer et al. 2010 family); see docs/methods/harmonisation.md."), lang),
        "anchor": fit.anchor, "space": fit.space, "weights": fit.weights,
        "bootstrap": fit.replicates, "level": fit.level, "duration_set": fit.duration_set,
        **extra, "diagnostics": fit.diagnostics})


def render_factors(fmt: str, matrix: MirrorMatrix, fit: Any, lang: str) -> bytes:
    """Correction factors with their intervals in ``fmt``."""
    from migstat.analysis.harmonise import FACTOR_COLUMNS

    return render(fmt, fit.rows(), FACTOR_COLUMNS, lang=lang,
                  title=gettext_(N_("Correction factors (estimates)"), lang),
                  metadata=fit_metadata(matrix, fit, lang))


def render_harmonised(fmt: str, result: Any, lang: str) -> bytes:
    """A harmonised matrix (:class:`~migstat.analysis.harmonise.Harmonised`) in ``fmt``, with
    the factors as a second table."""
    from migstat.analysis.harmonise import FACTOR_COLUMNS, HARMONISED_COLUMNS

    m, fit = result.matrix, result.fit
    return render(fmt, result.rows(), [*HARMONISED_COLUMNS[:3], *m.cell,
                                       *HARMONISED_COLUMNS[3:]],
                  lang=lang, title=gettext_(N_("Harmonised flows (estimates), {year}"), lang,
                                            year=result.year),
                  metadata=fit_metadata(m, fit, lang, rule=result.rule),
                  sheets={gettext_(N_("Factors"), lang): (fit.rows(), FACTOR_COLUMNS)})


def render(fmt: str, rows: Sequence[dict[str, Any]], columns: Sequence[str], *,
           lang: str, title: str, metadata: dict[str, Any] | None = None,
           sheets: dict[str, tuple[Sequence[dict[str, Any]], Sequence[str]]] | None = None
           ) -> bytes:
    """The rows in ``fmt`` (csv, xlsx, json) as bytes. ``sheets`` adds further tables
    (XLSX sheets, JSON members; CSV holds the main table only)."""
    if fmt == "csv":
        return write_csv(rows, columns).encode("utf-8")
    if fmt == "json":
        doc: dict[str, Any] = {"title": title, "language": lang, "metadata": metadata or {},
                               "count": len(rows), "rows": list(rows)}
        for name, (extra, _cols) in (sheets or {}).items():
            doc[name] = list(extra)
        return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        _xlsx(buffer, rows, columns, lang=lang, title=title, metadata=metadata or {},
              sheets=sheets or {})
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt}")


def _xlsx(target: io.BytesIO | Path, rows: Sequence[dict[str, Any]], columns: Sequence[str], *,
          lang: str, title: str, metadata: dict[str, Any],
          sheets: dict[str, tuple[Sequence[dict[str, Any]], Sequence[str]]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    tables = {gettext_(N_("Data"), lang): (rows, columns), **sheets}
    for name, (body, cols) in tables.items():
        sheet = wb.create_sheet(name[:31])
        sheet.append([_styled(WriteOnlyCell(sheet, value=c), bold) for c in cols])
        for row in body:
            sheet.append([safe_text(row.get(c)) for c in cols])
    info = wb.create_sheet(gettext_(N_("Metadata"), lang)[:31])
    info.append([safe_text(gettext_(N_("Title"), lang)), safe_text(title)])
    info.append([safe_text(gettext_(N_("Rows"), lang)), len(rows)])
    for key, value in metadata.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, default=str)
        info.append([safe_text(str(key)), safe_text(value)])
    wb.save(target)


def _styled(cell: Any, font: Any) -> Any:
    cell.font = font
    return cell


__all__ = ["FORMATS", "MEDIA_TYPES", "estimate_metadata", "fit_metadata", "matrix_metadata",
           "plain_rows", "render", "render_factors", "render_harmonised"]
