"""A survey estimate's precision (standard error, CV, confidence interval) in words.

The store keeps the precision of a tabulated survey estimate in its comment
(:mod:`migstat.model.precision`); the explorer shows ``±SE`` beside the estimate and these words
in the cell's tooltip.
"""

from __future__ import annotations

from migstat.i18n import N_, gettext_
from migstat.model.precision import Precision
from migstat.web.views.numbers import number


def precision_title(p: Precision, lang: str) -> str:
    """A survey estimate's precision in words, for the cell's tooltip."""
    parts = [gettext_(N_("Standard error {se}"), lang, se=number(p.se, lang, 0))]
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
    return "; ".join(parts)
