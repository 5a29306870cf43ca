"""JSON-stat (2.0 datasets, collections; 1.0 bundles) as a cube of coded cells.

A JSON-stat answer stores values in one flat array (or a sparse object keyed by position) in
row-major order of the dimensions listed in ``id`` with their ``size``: the position of a cell
is its category indexes combined with the sizes as strides. Publishers order the dimensions as
they like, list categories as an array or as an object of positions, send ``status`` as one
string, an array or a sparse object. :class:`Cube` absorbs all that, so a reader only maps
dimension ids and codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

_CLASS = re.compile(r'"class"\s*:\s*"(?:dataset|collection)"')


@dataclass(frozen=True, slots=True)
class Dimension:
    """One dimension of a cube: its categories in index order, with their labels."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Cell:
    """One cell: codes by dimension id, the value (``None`` when absent) and its status."""

    codes: dict[str, str]
    value: float | int | None
    status: str | None
    position: int


@dataclass(slots=True)
class Cube:
    """A JSON-stat dataset."""

    file_name: str
    dimensions: list[Dimension]
    values: dict[int, Any]
    status: dict[int, str]
    label: str | None = None
    source: str | None = None
    updated: str | None = None
    extension: dict[str, Any] = field(default_factory=dict)
    size: int = 0

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dim_id: str) -> Dimension | None:
        folded = dim_id.casefold()
        return next((d for d in self.dimensions if d.id.casefold() == folded), None)

    def cells(self, *, with_empty: bool = False) -> Iterator[Cell]:
        """Cells in position order; positions without a value are skipped unless asked for
        (a status without a value is always given)."""
        dims = self.dimensions
        strides = [1] * len(dims)
        for i in range(len(dims) - 2, -1, -1):
            strides[i] = strides[i + 1] * len(dims[i + 1].codes)
        if with_empty:
            positions: Any = range(self.size)
        else:
            positions = sorted(set(self.values) | set(self.status))
        for pos in positions:
            codes = {}
            rest = pos
            for dim, stride in zip(dims, strides, strict=True):
                index, rest = divmod(rest, stride)
                codes[dim.id] = dim.codes[index]
            yield Cell(codes, self.values.get(pos), self.status.get(pos), pos)


def _fail(file_name: str, where: str, message: str, **params: Any) -> InputError:
    return InputError(message, where=Location(file=file_name, column=where), **params)


def _categories(dim_id: str, raw: Any, file_name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    where = f"dimension.{dim_id}.category"
    if not isinstance(raw, dict):
        raise _fail(
            file_name,
            where,
            N_("JSON-stat dimension {dimension} has no category object."),
            dimension=dim_id,
        )
    labels = {str(k): str(v) for k, v in _object(raw.get("label")).items()}
    index = raw.get("index")
    if index is None:
        if len(labels) != 1:
            raise _fail(
                file_name,
                where,
                N_("JSON-stat dimension {dimension} has several categories but no index."),
                dimension=dim_id,
            )
        return tuple(labels), labels
    if isinstance(index, list):
        return tuple(str(c) for c in index), labels
    if isinstance(index, dict):
        # a position must be a whole number: text, a fraction, infinity or NaN is not one
        whole = all(type(p) is int for p in index.values())
        ordered = sorted(index.items(), key=lambda item: item[1]) if whole else []
        codes = tuple(str(c) for c, _ in ordered) if whole else tuple(map(str, index))
        if not whole or [p for _, p in ordered] != list(range(len(codes))):
            raise _fail(
                file_name,
                where,
                N_("JSON-stat dimension {dimension}: the category positions are not 0 to {last}."),
                dimension=dim_id,
                last=len(codes) - 1,
            )
        return codes, labels
    raise _fail(
        file_name,
        where,
        N_("JSON-stat dimension {dimension} has no category object."),
        dimension=dim_id,
    )


def _sparse(raw: Any, size: int, file_name: str, what: str) -> dict[int, Any]:
    """A value or status array or object as ``{position: item}`` (nulls dropped)."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) not in (size, 1) and what == "value":
            raise _fail(
                file_name,
                what,
                N_("JSON-stat: {field} has {count} items but the dimensions make {size} cells."),
                field=what,
                count=len(raw),
                size=size,
            )
        if len(raw) == 1 and size > 1 and what == "status":
            return dict.fromkeys(range(size), raw[0])
        return {i: v for i, v in enumerate(raw) if v is not None}
    if isinstance(raw, dict):
        out = {}
        for k, v in raw.items():
            try:
                pos = int(k)
            except ValueError:
                raise _fail(
                    file_name,
                    what,
                    N_("JSON-stat: {field} has the key {key}, not a cell position."),
                    field=what,
                    key=k,
                ) from None
            if not 0 <= pos < size:
                raise _fail(
                    file_name,
                    what,
                    N_("JSON-stat: {field} has the key {key}, not a cell position."),
                    field=what,
                    key=k,
                )
            if v is not None:
                out[pos] = v
        return out
    if isinstance(raw, str) and what == "status":
        return dict.fromkeys(range(size), raw)
    raise _fail(
        file_name, what, N_("JSON-stat: {field} is neither an array nor an object."), field=what
    )


def _dataset(raw: dict[str, Any], file_name: str) -> Cube:
    dims_raw = raw.get("dimension")
    if not isinstance(dims_raw, dict):
        raise _fail(file_name, "dimension", N_("JSON-stat: the dataset has no dimension object."))
    ids = raw.get("id", dims_raw.get("id"))
    sizes = raw.get("size", dims_raw.get("size"))
    if (
        not isinstance(ids, list)
        or not isinstance(sizes, list)
        or len(ids) != len(sizes)
        or not all(type(size) is int and size >= 0 for size in sizes)  # not text, inf, 1.5
        or not all(isinstance(dim_id, str) for dim_id in ids)
    ):
        raise _fail(
            file_name,
            "id",
            N_("JSON-stat: the dataset does not list its dimensions (id) with their sizes (size)."),
        )
    dims = []
    for dim_id, size in zip(ids, sizes, strict=True):
        entry = dims_raw.get(dim_id)
        if not isinstance(entry, dict):
            raise _fail(
                file_name,
                f"dimension.{dim_id}",
                N_("JSON-stat dimension {dimension} is listed but not described."),
                dimension=dim_id,
            )
        codes, labels = _categories(dim_id, entry.get("category"), file_name)
        if len(codes) != int(size):
            raise _fail(
                file_name,
                f"dimension.{dim_id}",
                N_("JSON-stat dimension {dimension} has {count} categories but size {size}."),
                dimension=dim_id,
                count=len(codes),
                size=size,
            )
        dims.append(Dimension(str(dim_id), str(entry.get("label") or dim_id), codes, labels))
    total = 1
    for d in dims:
        total *= len(d.codes)
    values = _sparse(raw.get("value"), total, file_name, "value")
    status = {k: str(v) for k, v in _sparse(raw.get("status"), total, file_name, "status").items()}
    return Cube(
        file_name=file_name,
        dimensions=dims,
        values=values,
        status=status,
        label=_text(raw.get("label")),
        source=_text(raw.get("source")),
        updated=_text(raw.get("updated")),
        extension=_object(raw.get("extension")),
        size=total,
    )


def parse(data: bytes | str | dict[str, Any], file_name: str) -> Cube:
    """The dataset of a JSON-stat answer (a dataset, the first of a collection or bundle)."""
    if isinstance(data, dict):
        raw: Any = data
    else:
        try:
            raw = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            raise InputError(
                N_("The file is not valid JSON: {problem}."),
                where=Location(file=file_name, line=line),
                problem=str(exc),
            ) from None
    if not isinstance(raw, dict):
        raise _fail(file_name, "", N_("The file is not a JSON-stat dataset."))
    kind = raw.get("class")
    if kind == "dataset" or ("value" in raw and "dimension" in raw):
        return _dataset(raw, file_name)
    if kind == "collection":
        items = _object(raw.get("link")).get("item")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("class") == "dataset" and "value" in item:
                return _dataset(item, file_name)
        raise _fail(
            file_name, "link.item", N_("The JSON-stat collection holds no dataset with values.")
        )
    if kind is None:  # a JSON-stat 1.0 bundle: {name: dataset, ...}
        for item in raw.values():
            if isinstance(item, dict) and "value" in item and "dimension" in item:
                return _dataset(item, file_name)
    raise _fail(file_name, "", N_("The file is not a JSON-stat dataset."))


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file look like a JSON-stat answer (a JSON object with a
    dataset or collection class, or with a dimension object as in 1.0 bundles)."""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    return text.startswith("{") and (_CLASS.search(text) is not None or '"dimension"' in text)


def _text(value: Any) -> str | None:
    """A text member of the file (a label, a date), or ``None`` when it is not text."""
    return value if isinstance(value, str) else None


def _object(value: Any) -> dict[Any, Any]:
    """An object member of the file (labels, an extension, links), empty when it is not one."""
    return value if isinstance(value, dict) else {}
