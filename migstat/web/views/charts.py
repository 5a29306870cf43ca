"""Vega-Lite specifications for the portal's charts, map and flow diagram.

The specs carry their data inline (a page is one request) except the world geometry, which the
browser fetches once from ``/static/vendor/countries-110m.json`` and caches. Every chart is
drawn by ``static/portal.js`` with Vega's SVG renderer, in the page's language (titles come
translated from here; numbers use the language's separators). Each spec's top-level
``usermeta.marks`` says how many data marks it must draw, which the browser tests check.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
GEOMETRY = "/static/vendor/countries-110m.json"
PALETTE = [
    "#1f5f8b",
    "#e07b39",
    "#3b8d5a",
    "#b8405e",
    "#7a5c9e",
    "#8c6d31",
    "#d4a017",
    "#4d8fac",
    "#999999",
    "#5f3d8b",
]
SEX_COLOURS = {"M": "#1f5f8b", "F": "#e07b39"}
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50)
MAX_YEAR_TICKS = 9
LEGEND_SHORT = 36
"""Series names longer than this get a legend of one column, so that none is cut short."""
COUNT_AXIS = {"format": ",d", "tickMinStep": 1}
"""The axis of a count: whole numbers only, so that small counts never repeat a label."""
ACROSS = {"expr": "ceil(width / 100)"}
FITS = {"expr": "max(80, width - 30)"}
"""A legend label's longest width: the plot's less the symbol, so that on a phone a long
series name ends in an ellipsis (its full text in the tooltip) instead of off the chart."""
TWO_WIDE = {"expr": "width < 560 ? 1 : 2"}
"""Short series names share two legend columns, except on a narrow screen."""
SIDE = 0.45
"""The flow diagram's room for country names on either side, as a share of the width
between its two columns."""
"""Ticks of a horizontal count axis: one per 100 pixels, so that labels such as
``1,200,000`` never collide (Vega would then hide every other one and keep the odd ones)."""


def year_ticks(periods: list[str]) -> list[int]:
    """Round years for a time axis: every year, or every 2nd, 5th, 10th ... on a multiple of
    the step, so that at most :data:`MAX_YEAR_TICKS` labels are drawn (an axis left to
    itself puts ticks between years when the span is short and labels them all alike)."""
    years = sorted({int(p[:4]) for p in periods if p[:4].isdigit()})
    if not years:
        return []
    first, last = years[0], years[-1]
    step = next((s for s in YEAR_STEPS if (last - first) // s + 1 <= MAX_YEAR_TICKS), 100)
    start = -(-first // step) * step
    return list(range(start, last + 1, step)) or [first]


def _base(marks: int, height: int = 300, layer: str | None = None) -> dict[str, Any]:
    """A spec's common part; ``layer`` names the layer whose marks are the data marks."""
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "usermeta": {"marks": marks, "layer": layer},
        "config": {
            "font": "system-ui, sans-serif",
            "view": {"stroke": None},
            "axis": {"labelColor": "#333", "titleColor": "#333"},
        },
    }


def line_chart(
    points: list[dict[str, Any]],
    *,
    x_title: str,
    y_title: str,
    series_title: str,
    gaps: bool = False,
    status_title: str | None = None,
) -> dict[str, Any]:
    """Lines over time: ``points`` are ``{period, series, value}``; one line per series.

    With ``gaps``, a point whose value is ``None`` breaks its line (a lone value between gaps
    is shown by its point only); without, the line joins the values on either side. A point
    with a ``status`` (estimated, provisional ...) is drawn hollow and says it on hover."""
    series = list(dict.fromkeys(p["series"] for p in points))
    line: dict[str, Any] = {"type": "line", "strokeWidth": 2}
    if gaps:
        line["invalid"] = "break-paths-show-domains"
    dots: dict[str, Any] = {
        "name": "points",
        "mark": {"type": "point", "filled": False, "size": 30, "strokeWidth": 1.5},
        "encoding": {
            "fill": {
                "field": "series",
                "type": "nominal",
                "sort": series,
                "scale": {"range": PALETTE},
                "legend": None,
            },
            "fillOpacity": {"condition": {"test": "datum.status", "value": 0}, "value": 1},
        },
    }
    spec = _base(len(series), layer="series")
    years = [{"year": y, "utc": True} for y in year_ticks([p["period"] for p in points])]
    spec.update(
        {
            "data": {"values": points},
            "layer": [{"name": "series", "mark": line}, dots],
            "encoding": {
                "x": {
                    "field": "period",
                    "type": "temporal",
                    "timeUnit": "utcyear",
                    "title": x_title,
                    "axis": {"format": "%Y", "labelOverlap": True, "values": years},
                    "scale": {"padding": 12},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "axis": dict(COUNT_AXIS),
                },
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": series_title,
                    "sort": series,
                    "scale": {"range": PALETTE},
                    "legend": {
                        "orient": "bottom",
                        "columns": (
                            1 if max(map(len, series), default=0) > LEGEND_SHORT else TWO_WIDE
                        ),
                        "labelLimit": FITS,
                    },
                },
                "tooltip": [
                    {"field": "series", "title": series_title},
                    {"field": "period", "title": x_title},
                    {"field": "value", "type": "quantitative", "title": y_title, "format": ","},
                ],
            },
        }
    )
    if status_title and any(p.get("status") for p in points):
        spec["encoding"]["tooltip"].append({"field": "status", "title": status_title})
    return spec


def bar_chart(bars: list[dict[str, Any]], *, x_title: str, y_title: str) -> dict[str, Any]:
    """Horizontal bars, largest first: ``bars`` are ``{label, value}``."""
    spec = _base(len(bars), height=max(120, 22 * len(bars)))
    spec.update(
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "color": PALETTE[0]},
            "encoding": {
                "y": {
                    "field": "label",
                    "type": "nominal",
                    "title": y_title,
                    "sort": "-x",
                    "axis": {"labelLimit": 220},
                },
                "x": {
                    "field": "value",
                    "type": "quantitative",
                    "title": x_title,
                    "axis": dict(COUNT_AXIS, tickCount=ACROSS),
                },
                "tooltip": [
                    {"field": "label", "title": y_title},
                    {"field": "value", "type": "quantitative", "title": x_title, "format": ","},
                ],
            },
        }
    )
    return spec


def pyramid(
    bars: list[dict[str, Any]], *, age_title: str, value_title: str, sex_title: str
) -> dict[str, Any]:
    """An age-sex pyramid: ``bars`` are ``{age, order, sex, sex_label, value}``; men left."""
    for bar in bars:
        bar["signed"] = -bar["value"] if bar["sex"] == "M" else bar["value"]
    ages = [b["age"] for b in sorted(bars, key=lambda b: -b["order"])]
    labels = {b["sex"]: b["sex_label"] for b in bars}
    spec = _base(len(bars), height=max(160, 16 * len(set(ages))))
    spec.update(
        {
            "data": {"values": bars},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {
                    "field": "age",
                    "type": "ordinal",
                    "title": age_title,
                    "sort": list(dict.fromkeys(ages)),
                },
                "x": {
                    "field": "signed",
                    "type": "quantitative",
                    "title": value_title,
                    "axis": {
                        "labelExpr": "format(abs(datum.value), ',d')",
                        "tickMinStep": 1,
                        "tickCount": ACROSS,
                    },
                },
                "color": {
                    "field": "sex_label",
                    "type": "nominal",
                    "title": sex_title,
                    "scale": {
                        "domain": [labels.get("M", "M"), labels.get("F", "F")],
                        "range": [SEX_COLOURS["M"], SEX_COLOURS["F"]],
                    },
                    "legend": {"orient": "top"},
                },
                "tooltip": [
                    {"field": "sex_label", "title": sex_title},
                    {"field": "age", "title": age_title},
                    {"field": "value", "type": "quantitative", "title": value_title, "format": ","},
                ],
            },
        }
    )
    return spec


def choropleth(
    areas: list[dict[str, Any]],
    *,
    value_title: str,
    country_title: str,
    geometry_ids: frozenset[str],
) -> dict[str, Any]:
    """Partner countries shaded by value: ``areas`` are ``{m49, label, value}`` (value > 0).

    Countries too small for the 1:110m geometry have no shape; ``usermeta.marks`` counts only
    those that are drawn.
    """
    drawn = [a for a in areas if a["m49"] in geometry_ids]
    geo = {"url": GEOMETRY, "format": {"type": "topojson", "feature": "countries"}}
    spec = _base(len(drawn), height=380, layer="partners")
    spec.update(
        {
            "projection": {"type": "equalEarth"},
            "layer": [
                {
                    "data": geo,
                    "name": "land",
                    "mark": {
                        "type": "geoshape",
                        "aria": False,  # the grey world underneath: decoration, not data
                        "fill": "#e6e8eb",
                        "stroke": "#ffffff",
                        "strokeWidth": 0.4,
                    },
                },
                {
                    "data": geo,
                    "name": "partners",
                    "transform": [
                        {
                            "lookup": "id",
                            "from": {
                                "data": {"values": drawn},
                                "key": "m49",
                                "fields": ["label", "value"],
                            },
                        },
                        {"filter": "isValid(datum.value) && datum.value > 0"},
                    ],
                    "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4},
                    "encoding": {
                        "color": {
                            "field": "value",
                            "type": "quantitative",
                            "title": value_title,
                            "scale": {"type": "log", "scheme": "blues", "nice": True},
                            "legend": {"format": ",d", "orient": "bottom-left"},
                        },
                        "tooltip": [
                            {"field": "label", "title": country_title},
                            {
                                "field": "value",
                                "type": "quantitative",
                                "title": value_title,
                                "format": ",",
                            },
                        ],
                    },
                },
            ],
        }
    )
    return spec


def flow_diagram(
    links: list[dict[str, Any]],
    origins: list[str],
    destinations: list[str],
    *,
    value_title: str,
    origin_title: str,
    destination_title: str,
) -> dict[str, Any]:
    """Origin -> destination flows between two columns of countries, one band per link.

    ``links`` are ``{origin, destination, value}`` with labels; a link's width follows its
    value. Origins are on the left, destinations on the right, both in the given order.
    """
    o_at = {o: i for i, o in enumerate(origins)}
    d_at = {d: i for i, d in enumerate(destinations)}
    rows = max(len(origins), len(destinations), 1)
    data = [dict(link, oy=o_at[link["origin"]], dy=d_at[link["destination"]]) for link in links]
    nodes = [{"x": 0, "y": i, "label": o, "align": "right"} for i, o in enumerate(origins)] + [
        {"x": 1, "y": i, "label": d, "align": "left"} for i, d in enumerate(destinations)
    ]
    x_scale = {"domain": [-SIDE, 1 + SIDE]}
    # a name longer than its margin ends in an ellipsis rather than off the chart
    limit = {"expr": f"width * {SIDE / (1 + 2 * SIDE):.4f} - 8"}
    y_scale = {"domain": [rows - 0.5, -0.5]}
    spec = _base(len(data), height=max(200, 30 * rows), layer="flows")
    spec.update(
        {
            "layer": [
                {
                    "data": {"values": data},
                    "name": "flows",
                    "mark": {"type": "rule", "opacity": 0.55, "strokeCap": "butt"},
                    "encoding": {
                        "x": {"datum": 0, "type": "quantitative", "scale": x_scale, "axis": None},
                        "x2": {"datum": 1},
                        "y": {
                            "field": "oy",
                            "type": "quantitative",
                            "scale": y_scale,
                            "axis": None,
                        },
                        "y2": {"field": "dy"},
                        "strokeWidth": {
                            "field": "value",
                            "type": "quantitative",
                            "scale": {"range": [0.8, 18]},
                            "title": value_title,
                            "legend": {
                                "format": ",d",
                                "orient": "bottom",
                                "columns": {"expr": "max(1, floor(width / 110))"},
                            },
                        },
                        "color": {
                            "field": "origin",
                            "type": "nominal",
                            "legend": None,
                            "scale": {"range": PALETTE},
                        },
                        "tooltip": [
                            {"field": "origin", "title": origin_title},
                            {"field": "destination", "title": destination_title},
                            {
                                "field": "value",
                                "type": "quantitative",
                                "title": value_title,
                                "format": ",",
                            },
                        ],
                    },
                },
                {
                    "data": {"values": [n for n in nodes if n["x"] == 0]},
                    "name": "origins",
                    "mark": {
                        "type": "text",
                        "align": "right",
                        "dx": -6,
                        "fontSize": 12,
                        "limit": limit,
                    },
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative", "scale": x_scale, "axis": None},
                        "y": {"field": "y", "type": "quantitative", "scale": y_scale, "axis": None},
                        "text": {"field": "label"},
                        "tooltip": {"field": "label"},
                    },
                },
                {
                    "data": {"values": [n for n in nodes if n["x"] == 1]},
                    "name": "destinations",
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 6,
                        "fontSize": 12,
                        "limit": limit,
                    },
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative", "scale": x_scale, "axis": None},
                        "y": {"field": "y", "type": "quantitative", "scale": y_scale, "axis": None},
                        "text": {"field": "label"},
                        "tooltip": {"field": "label"},
                    },
                },
            ],
            "title": {
                "text": f"{origin_title} → {destination_title}",
                "fontSize": 12,
                "anchor": "middle",
            },
        }
    )
    return spec
