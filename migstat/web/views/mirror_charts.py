"""The mirror pages' colours, numbers and charts: the heat map's colour of a corridor's
disagreement, the number format with a dash for a side not reported, and the series over
years with the years partners have not finished reporting drawn as hollow points.
"""

from __future__ import annotations

import math
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.web.views import charts
from migstat.web.views.numbers import number


def cell_colour(log_ratio: float | None) -> str:
    """Blue where the sender records more, red where the receiver records more, white where
    they agree; the scale saturates at a factor of e³ (about 20)."""
    if log_ratio is None or math.isnan(log_ratio):
        return "#e5e7eb"
    x = max(-1.0, min(1.0, log_ratio / 3))
    if x >= 0:
        return f"rgb(255,{round(255 - 175 * x)},{round(255 - 195 * x)})"
    x = -x
    return f"rgb({round(255 - 205 * x)},{round(255 - 110 * x)},255)"  # dark text stays legible


def fmt(value: float | None, lang: str, digits: int = 0) -> str:
    """A number of the mirror pages, as every page writes numbers; a dash when missing."""
    return number(value, lang, digits, missing=True)


def series_chart(
    years: list[int],
    series: list[tuple[str, list[float | None]]],
    *,
    title: str,
    lang: str,
    pending: dict[int, str] | None = None,
    marked: dict[int, str] | None = None,
) -> dict[str, Any]:
    """A few series over years as a Vega-Lite line chart (:func:`.charts.line_chart`), with
    a gap where a value is missing; ``usermeta.marks`` counts the series that have a value.
    A ``pending`` year (partners have not all reported yet) is drawn as a hollow point that
    says so, off the line, instead of as a fall; so is a ``marked`` year (synthetic numbers
    among those added up), with what its points say."""
    pending = pending or {}
    marked = marked or {}
    status = {
        year: "; ".join(t for t in (pending.get(year), marked.get(year)) if t)
        for year in set(pending) | set(marked)
    }
    points = [
        {"period": str(year), "series": label, "value": value}
        | ({"status": status[year]} if year in status else {})
        for label, values in series
        for year, value in zip(years, values, strict=True)
    ]
    spec = charts.line_chart(
        points,
        x_title=gettext_(N_("Year"), lang),
        y_title=gettext_(N_("Number ({unit})"), lang, unit=gettext_(N_("persons"), lang)),
        series_title=gettext_(N_("Series"), lang),
        gaps=True,
        status_title=gettext_(N_("Status"), lang),
    )
    if status:
        spec["layer"][0]["transform"] = [{"filter": "!datum.status"}]
    if pending:
        spec["usermeta"]["pending"] = sorted(str(y) for y in pending)
    if marked:
        spec["usermeta"]["marked"] = sorted(str(y) for y in marked)
    spec["usermeta"]["marks"] = sum(
        1 for _label, values in series if any(v is not None for v in values)
    )
    spec["title"] = {"text": title, "fontSize": 12}
    return spec
