"""A survey estimate's precision (standard error, CV, confidence interval, reliability) as the
explorer shows it.

The store keeps a tabulated survey estimate's precision as attributes of its observation
(:mod:`migstat.model.precision`; rows stored before schema revision 0008 carry it in their
comment, read the same). A cell shows the estimate with its CV and ``±`` its standard error;
a flagged estimate (CV over the office's first threshold) is marked, a suppressed one shows no
value but its CV; the tooltip has the words and the legend under the table says what they mean.
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model.precision import Precision
from migstat.web.views.numbers import number

LEGEND = (
    N_(
        "Survey estimates: “±” gives the standard error and “CV” the coefficient of variation "
        "(standard error ÷ estimate); point at a cell for its confidence interval."
    ),
    N_(
        "Flagged estimates (marked “E”, status U) have a CV at or above the reporting "
        "office's first threshold: use them with caution."
    ),
    N_(
        "Suppressed estimates (“F”, status Q) have a CV above the office's second threshold "
        "and are not published; their CV is shown. The thresholds are in the table's notes."
    ),
)
MARK = {"flagged": "E", "suppressed": "F"}
"""The letters offices print beside a flagged or suppressed estimate (Statistics Canada's
E and F grades)."""


def precision_title(p: Precision, lang: str) -> str:
    """A survey estimate's precision in words, for the cell's tooltip."""
    parts = []
    if p.se is not None:
        parts.append(gettext_(N_("Standard error {se}"), lang, se=number(p.se, lang, 0)))
    if p.cv is not None:
        parts.append(gettext_(N_("CV {cv} %"), lang, cv=number(p.cv * 100, lang, 1)))
    if p.level is not None and p.low is not None and p.high is not None:
        parts.append(
            gettext_(
                N_("{level} % confidence interval {low} to {high}"),
                lang,
                level=p.level,
                low=number(p.low, lang, 0),
                high=number(p.high, lang, 0),
            )
        )
    if p.reliability in MARK:
        parts.append(
            gettext_(N_("flagged: use with caution"), lang)
            if p.reliability == "flagged"
            else gettext_(N_("suppressed: too unreliable to publish"), lang)
        )
    return "; ".join(parts)


def precision_cell(p: Precision, lang: str) -> dict[str, Any]:
    """What a cell shows beside the estimate: ``se`` (``±`` the standard error), ``cv`` (the
    CV in per cent), ``reliability`` (``flagged`` or ``suppressed``, else empty), ``mark``
    (E or F) and ``title`` (the tooltip)."""
    return {
        "title": precision_title(p, lang),
        "se": "" if p.se is None else "±" + number(p.se, lang, 0),
        "cv": ""
        if p.cv is None
        else gettext_(N_("CV: {cv} %"), lang, cv=number(p.cv * 100, lang, 1)),
        "reliability": p.reliability if p.reliability in MARK else "",
        "mark": MARK.get(p.reliability or "", ""),
    }


def precision_legend(lang: str, rows: list[tuple[Any, list[Any]]] | None = None) -> list[str]:
    """The legend under a table that shows survey estimates (none when ``rows``, the pivot's
    rows of cells, show no precision)."""
    if rows is not None and not any(c.se or c.cv for _, line in rows for c in line):
        return []
    return [gettext_(line, lang) for line in LEGEND]
