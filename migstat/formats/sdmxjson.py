"""SDMX-JSON 1.0 data messages (``application/vnd.sdmx.data+json;version=1.0.0``).

The same data set as the SDMX-ML writer (:mod:`migstat.formats.sdmxml.writer`), in the JSON
form that browser charts and JavaScript clients read: every dimension's values are listed
once in ``structure`` and observations refer to them by position. Series are keyed by the
positions of their dimension values (``"0:3:0:0:1"``), observations by the position of their
time period; with ``AllDimensions`` every observation carries the full key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from migstat.formats import sdmx_layout as L
from migstat.model import CodeList, TableDef, pick

ALL_DIMENSIONS = "AllDimensions"


def _values(codes: list[str], cl: CodeList | None, lang: str) -> list[dict[str, str]]:
    return [{"id": c, "name": cl.label(c, lang) if cl is not None else c} for c in codes]


def _attributes(
    attr_codes: list[list[str]], codelists: Mapping[str, CodeList], lang: str
) -> list[dict[str, Any]]:
    """The observation attributes' descriptions, each with the values the message uses."""
    return [
        {
            "id": att,
            "name": pick(L.CONCEPTS[att], lang),
            "values": _values(
                attr_codes[i], codelists.get(att) if att in L.CODED_ATTRIBUTES else None, lang
            ),
        }
        for i, att in enumerate((*L.ATTRIBUTES, *L.PRECISION_ATTRIBUTES)[: len(attr_codes)])
    ]


def write_sdmx_json(
    observations: Iterable[L.ObservationLike],
    table: TableDef,
    *,
    codelists: Mapping[str, CodeList],
    lang: str = "en",
    dimension_at_observation: str = L.TIME,
    detail: str = "full",
    message_id: str = "MIGSTAT",
    prepared: datetime | None = None,
    source: str | None = None,
) -> str:
    """An SDMX-JSON data message with the observations of one table."""
    found = L.cube(observations, table, dict(codelists))
    dims = found.dims
    at_obs = dimension_at_observation
    flat = at_obs == ALL_DIMENSIONS
    if not flat and at_obs not in dims:
        raise ValueError(f"{table.id} has no dimension {at_obs}")
    index = [{code: i for i, code in enumerate(codes)} for codes in found.codes]
    lists = [None if d == L.TIME else codelists.get(L.dimension_codelist(table, d)) for d in dims]
    with_attributes = detail == "full"
    # a survey estimate's precision attributes only in a message that has some
    precise = any(getattr(o, "precision", None) is not None for o in found.cells.values())
    n_attrs = len(L.ATTRIBUTES) + (len(L.PRECISION_ATTRIBUTES) if precise else 0)
    attr_codes: list[list[str]] = [[] for _ in range(n_attrs)]
    attr_index: list[dict[str, int]] = [{} for _ in range(n_attrs)]

    def attr_pos(i: int, value: str | None) -> int | None:
        if value is None or value == "":
            return None
        pos = attr_index[i].get(value)
        if pos is None:
            pos = attr_index[i][value] = len(attr_codes[i])
            attr_codes[i].append(value)
        return pos

    def obs_value(obs: Any) -> list[Any]:
        value: list[Any] = [
            None
            if obs.value is None
            else (int(obs.value) if float(obs.value).is_integer() else obs.value)
        ]
        if with_attributes:
            value += [
                attr_pos(0, obs.obs_status),
                attr_pos(1, obs.conf_status),
                attr_pos(2, obs.comment),
            ]
            if precise:
                value += [attr_pos(3 + i, text) for i, text in enumerate(L.precision_cells(obs))]
        return value

    data_set: dict[str, Any] = {"action": "Information"}
    dim_desc = [
        {
            "id": d,
            "name": pick(L.component_name(table, d), lang),
            "keyPosition": i,
            "values": _values(found.codes[i], lists[i], lang),
            **({"role": "time"} if d == L.TIME else {}),
        }
        for i, d in enumerate(dims)
    ]
    ordered = sorted(
        found.cells.items(), key=lambda item: tuple(index[i][c] for i, c in enumerate(item[0]))
    )
    if flat:
        if detail in ("full", "dataonly"):
            data_set["observations"] = {
                ":".join(str(index[i][c]) for i, c in enumerate(key)): obs_value(obs)
                for key, obs in ordered
            }
        structure_dims: dict[str, Any] = {"dataSet": [], "series": [], "observation": dim_desc}
    else:
        at = dims.index(at_obs)
        series: dict[str, Any] = {}
        for key, obs in ordered:
            skey = ":".join(str(index[i][c]) for i, c in enumerate(key) if i != at)
            entry = series.setdefault(skey, {"attributes": [], "observations": {}})
            if detail in ("full", "dataonly"):
                entry["observations"][str(index[at][key[at]])] = obs_value(obs)
        if detail in ("serieskeysonly", "nodata"):
            for entry in series.values():
                entry.pop("observations")
        data_set["series"] = series
        structure_dims = {
            "dataSet": [],
            "series": [d for i, d in enumerate(dim_desc) if i != at],
            "observation": [dim_desc[at]],
        }
    attributes = _attributes(attr_codes, codelists, lang) if with_attributes else []
    when = (prepared or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    header: dict[str, Any] = {
        "id": message_id,
        "test": False,
        "prepared": when,
        "sender": {"id": L.AGENCY},
    }
    if source:
        header["source"] = source
    message = {
        "header": header,
        "dataSets": [data_set],
        "structure": {
            "name": table.label(lang),
            "description": pick(table.description, lang),
            "links": [
                {"rel": "dataflow", "urn": L.urn("datastructure.Dataflow", table.id, table.version)}
            ],
            "dimensions": structure_dims,
            "attributes": {"dataSet": [], "series": [], "observation": attributes},
        },
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


__all__ = ["write_sdmx_json"]
