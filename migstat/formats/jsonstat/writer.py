"""JSON-stat 2.0 data sets: a cube with labels, flags, source and definitions.

The dimensions are those of the SDMX layout (:mod:`migstat.formats.sdmx_layout`):
``REF_AREA`` (role geo), the table's breakdowns, ``DATA_PROVIDER`` and ``TIME_PERIOD`` (role
time), with category labels in the chosen language. Values are a dense array when most cells
of the cube are filled, an object keyed by cell position otherwise (both are JSON-stat 2.0).
``status`` carries ``OBS_STATUS`` for cells that are not normal values, and the extension
``conf_status`` the cells that are not free; ``note`` holds the table's definition, universe
and unit; ``source`` names the providers and their publications.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from migstat.formats import sdmx_layout as L
from migstat.model import CodeList, TableDef, pick
from migstat.model.precision import ATTRIBUTE_NAMES
from migstat.model.precision import ATTRIBUTES as PRECISION

DENSE_AT = 0.5
"""Fill ratio from which the value array is written dense."""


def write_jsonstat(
    observations: Iterable[L.ObservationLike],
    table: TableDef,
    *,
    codelists: Mapping[str, CodeList],
    lang: str = "en",
    sources: Sequence[str] = (),
    updated: datetime | None = None,
    extension: Mapping[str, Any] | None = None,
) -> str:
    """A JSON-stat 2.0 ``dataset`` document with the observations of one table."""
    found = L.cube(observations, table, dict(codelists))
    dims = found.dims
    size = found.size
    strides = [1] * len(size)
    for i in range(len(size) - 2, -1, -1):
        strides[i] = strides[i + 1] * size[i + 1]
    index = [{code: i for i, code in enumerate(codes)} for codes in found.codes]
    obs_status = codelists.get("OBS_STATUS")
    conf_status = codelists.get("CONF_STATUS")

    values: dict[int, Any] = {}
    status: dict[str, str] = {}
    confidential: dict[str, str] = {}
    comments: dict[str, str] = {}
    precision: dict[str, dict[str, Any]] = {}
    for key, obs in found.cells.items():
        at = sum(index[i][c] * strides[i] for i, c in enumerate(key))
        value = obs.value
        values[at] = None if value is None else int(value) if float(value).is_integer() else value
        if obs.obs_status and obs.obs_status != "A":
            status[str(at)] = obs.obs_status
        if obs.conf_status and obs.conf_status != "F":
            confidential[str(at)] = obs.conf_status
        if obs.comment:
            comments[str(at)] = obs.comment
        given = getattr(obs, "precision", None)
        if given is not None:
            precision[str(at)] = {
                name: value
                for name, value in zip(PRECISION, given.row(), strict=True)
                if value is not None
            }

    n_cells = found.n_cells if found.cells else 0
    value_out: list[Any] | dict[str, Any]
    if n_cells and len(values) >= DENSE_AT * n_cells:
        dense: list[Any] = [None] * n_cells
        for at, value in values.items():
            dense[at] = value
        value_out = dense
    else:
        value_out = {str(at): value for at, value in sorted(values.items())}

    dimension: dict[str, Any] = {}
    for i, dim in enumerate(dims):
        cl = None if dim == L.TIME else codelists.get(L.dimension_codelist(table, dim))
        labels = {c: (cl.label(c, lang) if cl is not None else c) for c in found.codes[i]}
        dimension[dim] = {
            "label": pick(L.component_name(table, dim), lang),
            "category": {"index": found.codes[i], "label": labels},
        }
    notes = [
        text
        for text in (
            pick(table.description, lang),
            f"{pick(L.CONCEPTS['OBS_VALUE'], lang)}: {pick(table.unit, lang)}",
            pick(table.universe, lang),
        )
        if text
    ]
    status_legend = (
        {code: obs_status.label(code, lang) for code in sorted(set(status.values()))}
        if obs_status is not None
        else {}
    )
    conf_legend = (
        {code: conf_status.label(code, lang) for code in sorted(set(confidential.values()))}
        if conf_status is not None
        else {}
    )
    doc: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": f"{table.id}: {table.label(lang)}",
        "source": "; ".join(sources),
        "updated": (updated or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": notes,
        "id": dims,
        "size": size,
        "role": {"geo": ["REF_AREA"], "time": [L.TIME]},
        "dimension": dimension,
        "value": value_out,
        "extension": {
            "table": table.id,
            "language": lang,
            "unit": {"id": table.unit_id, "label": pick(table.unit, lang)},
            "status_legend": status_legend,
            "conf_status": confidential,
            "conf_status_legend": conf_legend,
            "comment": comments,
            **(
                {
                    "precision": precision,
                    "precision_legend": {a: pick(ATTRIBUTE_NAMES[a], lang) for a in PRECISION},
                }
                if precision
                else {}
            ),
            **(extension or {}),
        },
    }
    if status:
        doc["status"] = status
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


__all__ = ["write_jsonstat"]
