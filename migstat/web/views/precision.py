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
        "and are not published; their CV is shown."
    ),
)
UNQUOTED = N_("The thresholds are in the table's notes.")
"""Said when no submission shown records its rule (stored before rules were recorded)."""
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


def precision_legend(
    lang: str, rows: list[tuple[Any, list[Any]]] | None = None, rules: list[str] | None = None
) -> list[str]:
    """The legend under a table: what a survey estimate's marks mean (none when ``rows``, the
    pivot's rows of cells, show no precision), then ``rules``, the reliability and disclosure
    rules of the submissions shown (:func:`quoted_rules`)."""
    if rows is not None and not any(c.se or c.cv for _, line in rows for c in line):
        return list(rules or [])
    said = [gettext_(line, lang) for line in LEGEND]
    if not any(r for r in rules or []):
        said.append(gettext_(UNQUOTED, lang))
    return said + list(rules or [])


def _percent(fraction: float, lang: str) -> str:
    return number(fraction * 100, lang, 1)


def _reliability_lines(who: str, rule: dict[str, Any], lang: str) -> list[str]:
    lines = [
        gettext_(
            N_(
                "{provider}: estimates with a CV of {flag} % or more are flagged (E); above "
                "{suppress} % they are suppressed (F)."
            ),
            lang,
            provider=who,
            flag=_percent(float(rule["flag_cv"]), lang),
            suppress=_percent(float(rule["suppress_cv"]), lang),
        )
    ]
    if rule.get("min_records"):
        lines.append(
            gettext_(
                N_(
                    "{provider}: estimates from fewer than {records} sample records are suppressed."
                ),
                lang,
                provider=who,
                records=rule["min_records"],
            )
        )
    return lines


def _disclosure_line(who: str, rule: dict[str, Any], lang: str) -> str | None:
    p = rule.get("parameters") or {}
    if rule.get("rule") == "cell_key":
        return gettext_(
            N_(
                "{provider}: counts protected by the cell-key method: each inner cell changed "
                "by at most {max} (perturbation variance {variance}), every total the sum of its "
                "changed cells."
            ),
            lang,
            provider=who,
            max=p.get("max_perturbation", "?"),
            variance=p.get("variance", "?"),
        )
    if rule.get("rule") == "min_frequency":
        return gettext_(
            N_(
                "{provider}: cells under {threshold} suppressed, and further cells with them so "
                "that none can be worked out from the totals."
            ),
            lang,
            provider=who,
            threshold=p.get("min_frequency", p.get("threshold", "?")),
        )
    return None


def quoted_rules(data: Any, view: list[Any]) -> list[str]:
    """The reliability thresholds and disclosure rule of each national submission whose cells
    are in ``view``, as its table metadata records them (``migstat tabulate`` writes them;
    :mod:`migstat.formats.rules`), quoted in the page's language."""
    lines: list[str] = []
    for record in data.submissions_of(view):
        if not data.is_national(record.provider):
            continue
        tables = {o.table for o in view if o.submission_id == record.id}
        metas = data.table_metadata(record.id)
        who = data.provider_label(record.provider)
        for table in sorted(tables):
            meta = metas.get(table, {})
            if isinstance(meta.get("reliability"), dict):
                lines += _reliability_lines(who, meta["reliability"], data.lang)
            if isinstance(meta.get("disclosure"), dict):
                said = _disclosure_line(who, meta["disclosure"], data.lang)
                lines += [said] if said else []
    return list(dict.fromkeys(lines))
