"""Mirror statistics and harmonised estimates as CSV, XLSX (with a metadata sheet) and JSON.

The rows are plain mappings (``MirrorMatrix.rows()``, ``FactorFit.rows()``,
``Harmonised.rows()``); text a spreadsheet would take for a formula is neutralised with the
query outputs' :func:`migstat.formats.output.safe_text`, in CSV and XLSX alike. The formats
and their writers are the registry's (:data:`migstat.formats.output.OUTPUT_FORMATS`);
:func:`render` is :func:`migstat.formats.output.write_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migstat.analysis.mirror import MirrorMatrix, flag_text
from migstat.formats.output import write_table as render
from migstat.i18n import N_, gettext_


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
        t(N_("What")): t(
            N_(
                "Mirror statistics: emigration from A to B as recorded by A "
                "against immigration into B from A as recorded by B."
            )
        ),
        t(N_("Basis")): f"{matrix.basis.id}: {matrix.basis.emigration} / "
        f"{matrix.basis.immigration}",
        t(N_("Cell")): ", ".join(f"{k}={v}" for k, v in matrix.cell.items()),
        t(N_("Years")): ", ".join(map(str, matrix.years)),
        t(N_("Indicators")): t(
            N_(
                "RATIO = I/E; LOG_RATIO = ln(I/E); DIFFERENCE = I - E; "
                "RELATIVE_DIFFERENCE = (I - E)/((I + E)/2). Empty where "
                "undefined or not reported (never zero)."
            )
        ),
        t(N_("Flags")): t(
            N_(
                "RESIDENCE_RULE, SOURCE_TYPE, POPULATION, ORIGIN_CONCEPT: the two "
                "sides' metadata differ; RULE_NOT_STATED; PROVIDER: different "
                "publishers; OBS_STATUS: a side is not a normal value; "
                "UNKNOWN_PARTNER: a side records over 10% with an unknown "
                "country; SYNTHETIC: generated data; CITIZENSHIP_PROXY."
            )
        ),
    }


def estimate_metadata(lang: str, **facts: Any) -> dict[str, Any]:
    """The label every harmonised output carries: these are estimates, not reported data."""
    out = {
        gettext_(N_("Status"), lang): gettext_(
            N_(
                "Estimates (OBS_STATUS E), computed on demand from reported data; the reported "
                "numbers are unchanged in the store."
            ),
            lang,
        )
    }
    out.update(facts)
    return out


def fit_metadata(matrix: MirrorMatrix, fit: Any, lang: str, **extra: Any) -> dict[str, Any]:
    """The metadata of correction factors and harmonised flows: what was compared, that these
    are estimates, the method and its choices, and the diagnostics."""
    return estimate_metadata(
        lang,
        **matrix_metadata(matrix, lang),
        **{
            gettext_(N_("Method"), lang): gettext_(
                N_(
                    "One factor per country and direction, r_j·I_ij ≈ s_i·E_ij, anchor fixed at 1 "
                    "(de Beer et al. 2010 family); see docs/methods/harmonisation.md."
                ),
                lang,
            ),
            "anchor": fit.anchor,
            "space": fit.space,
            "weights": fit.weights,
            "bootstrap": fit.replicates,
            "level": fit.level,
            "duration_set": fit.duration_set,
            **extra,
            "diagnostics": fit.diagnostics,
        },
    )


def render_factors(fmt: str, matrix: MirrorMatrix, fit: Any, lang: str) -> bytes:
    """Correction factors with their intervals in ``fmt``."""
    from migstat.analysis.harmonise import FACTOR_COLUMNS

    return render(
        fmt,
        fit.rows(),
        FACTOR_COLUMNS,
        lang=lang,
        title=gettext_(N_("Correction factors (estimates)"), lang),
        metadata=fit_metadata(matrix, fit, lang),
    )


def render_harmonised(fmt: str, result: Any, lang: str) -> bytes:
    """A harmonised matrix (:class:`~migstat.analysis.harmonise.Harmonised`) in ``fmt``, with
    the factors as a second table."""
    from migstat.analysis.harmonise import FACTOR_COLUMNS, HARMONISED_COLUMNS

    m, fit = result.matrix, result.fit
    return render(
        fmt,
        result.rows(),
        [*HARMONISED_COLUMNS[:3], *m.cell, *HARMONISED_COLUMNS[3:]],
        lang=lang,
        title=gettext_(N_("Harmonised flows (estimates), {year}"), lang, year=result.year),
        metadata=fit_metadata(m, fit, lang, rule=result.rule),
        sheets={gettext_(N_("Factors"), lang): (fit.rows(), FACTOR_COLUMNS)},
    )


__all__ = [
    "estimate_metadata",
    "fit_metadata",
    "matrix_metadata",
    "plain_rows",
    "render",
    "render_factors",
    "render_harmonised",
]
