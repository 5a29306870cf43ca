"""A JSON-stat 2.0 dataset read as a stream, so that memory does not grow with its values.

A JSON-stat answer puts its numbers in one member (``value``: an array in position order, or
an object keyed by position) and their flags in another (``status``), anywhere among the
dimensions that say what each position is. The file is read twice with an incremental parser
(ijson, over yajl): first everything but ``value`` and ``status``, which gives the dimensions
(:func:`migstat.formats.jsonstat.reader.parse` checks them as for a whole file); then the values
one by one, each position turned into its codes and fed to the tables' mappers through
:class:`~migstat.sources.coded_stream.CodedStream`, which hands on batches of observations.

What is held: the dimensions (at most :data:`MAX_SKELETON` parser events, past which the file
is read whole: Eurostat's largest answers have a few thousand categories), the flags of
``status`` by position (at most :data:`MAX_STATUS` flagged cells: publishers flag few), and
one batch. A table kept only where a dimension is broken down is decided from the
dimension's categories, as the whole read does.

Not streamed (read whole, under ``MIGSTAT_MAX_JSONSTAT_MB``, by :func:`opened_cube`'s caller):
collections and 1.0 bundles, a flag given once for every cell beside values keyed by
position, and migstat's own JSON-stat.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson

from migstat.formats.jsonstat.reader import Cube, parse
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError
from migstat.sources.coded import (
    Pairs,
    broken_down,
    jsonstat_dataset,
    jsonstat_mappers,
    value_of,
)
from migstat.sources.coded_stream import CodedStream, Ending, Options, Record
from migstat.sources.common import file_sha256

MAX_SKELETON = 2_000_000
"""Parser events outside ``value`` and ``status`` held (the dimensions and their labels)."""
MAX_STATUS = 1_000_000
"""Flagged cells held (each about 100 bytes)."""
_MEMBERS = ("value", "status")
_BOM = b"\xef\xbb\xbf"


def _opened(path: Path) -> IO[bytes]:
    """The file, past a UTF-8 byte-order mark."""
    handle = path.open("rb")
    if handle.read(3) != _BOM:
        handle.seek(0)
    return handle


def _not_json(file_name: str, problem: Exception) -> InputError:
    return InputError(
        N_("The file is not valid JSON: {problem}."),
        where=Location(file=file_name),
        problem=str(problem) or type(problem).__name__,
    )


_SCALARS = ("string", "number", "boolean", "null")
_ITEMS = (*_SCALARS, "start_map", "start_array")


@dataclass(slots=True)
class Shape:
    """What ``value`` and ``status`` are, seen on the first reading: the kind of each
    (``start_array``, ``start_map``, ``string``, ``null`` ...) and the length of an array."""

    kinds: dict[str, str] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    too_big: bool = False
    """More than :data:`MAX_SKELETON` events outside the values, or JSON the incremental
    parser refuses: not read as a stream."""

    def uniform(self, size: int) -> bool:
        """Whether ``status`` gives one flag for every cell."""
        kind = self.kinds.get("status")
        one = kind == "start_array" and self.lengths.get("status") == 1 and size > 1
        return kind in ("string", "number", "boolean") or one

    def streamable(self, top: dict[str, Any], size: int) -> bool:
        """Whether the values can be read one by one: a 2.0 dataset whose flags, if given
        once for every cell, go with values in an array (every position is read in turn)."""
        if self.too_big or top.get("class") != "dataset":
            return False
        return not (self.uniform(size) and self.kinds.get("value") != "start_array")


def skeleton(path: Path, file_name: str) -> tuple[dict[str, Any], Shape]:
    """The top-level object without ``value`` and ``status``, and their :class:`Shape`;
    an empty object when the file is not one JSON object."""
    builder = ijson.ObjectBuilder()
    shape = Shape()
    kinds, lengths = shape.kinds, shape.lengths
    skipping: str | None = None
    events = 0
    try:
        with _opened(path) as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if not prefix and event == "map_key" and value in _MEMBERS:
                    skipping = value
                    continue
                if skipping is not None and (
                    prefix == skipping or prefix.startswith(skipping + ".")
                ):
                    kinds.setdefault(skipping, event)
                    if prefix == skipping + ".item" and event in _ITEMS:
                        lengths[skipping] = lengths.get(skipping, 0) + 1
                    continue
                events += 1
                if events > MAX_SKELETON:  # a collection, or dimensions beyond any answer's
                    shape.too_big = True
                    return {}, shape
                builder.event(event, value)
    except (ijson.JSONError, UnicodeDecodeError, ValueError):
        # what yajl refuses (Infinity, NaN, 1e999, damage) is left to the whole read, whose
        # parser takes the first three and names what is wrong as it always has
        shape.too_big = True
        return {}, shape
    top = getattr(builder, "value", None)
    return (top, shape) if isinstance(top, dict) else ({}, shape)


class _Values:
    """The cells of a streamed dataset: each position with its value and flag, in the order
    of the file's ``value``, then the flagged positions that have no value."""

    def __init__(self, path: Path, cube: Cube, shape: Shape) -> None:
        self.path, self.cube, self.shape = path, cube, shape
        self.kinds = shape.kinds
        self.file_name = cube.file_name
        self.count = 0
        self._status: dict[int, str] | None = None
        self._uniform: str | None = None
        dims = cube.dimensions
        self._strides = [1] * len(dims)
        for i in range(len(dims) - 2, -1, -1):
            self._strides[i] = self._strides[i + 1] * len(dims[i + 1].codes)

    def _fail(self, member: str, message: str, **params: Any) -> InputError:
        return InputError(message, where=Location(file=self.file_name, column=member), **params)

    def _position(self, field: str, key: str) -> int:
        try:
            pos = int(key)
        except ValueError:
            pos = -1
        if not 0 <= pos < self.cube.size:
            raise self._fail(
                field,
                N_("JSON-stat: {field} has the key {key}, not a cell position."),
                field=field,
                key=key,
            )
        return pos

    def _items(self, field: str) -> Iterator[tuple[int, Any]]:
        """``(position, item)`` of ``value`` or ``status``, nulls left out."""
        kind = self.kinds.get(field)
        if kind in (None, "null"):
            return
        with _opened(self.path) as handle:
            if kind == "start_array":
                items = ijson.items(handle, f"{field}.item", use_float=True)
                yield from ((n, i) for n, i in enumerate(items) if i is not None)
            elif kind == "start_map":
                for key, item in ijson.kvitems(handle, field, use_float=True):
                    pos = self._position(field, key)
                    if item is not None:
                        yield pos, item
            else:
                raise self._fail(
                    field,
                    N_("JSON-stat: {field} is neither an array nor an object."),
                    field=field,
                )

    def check_length(self) -> None:
        """A value array has an item for every cell (or one), as the whole read requires."""
        count = self.shape.lengths.get("value", 0)
        if self.kinds.get("value") == "start_array" and count not in (self.cube.size, 1):
            raise self._fail(
                "value",
                N_("JSON-stat: {field} has {count} items but the dimensions make {size} cells."),
                field="value",
                count=count,
                size=self.cube.size,
            )
        if self.kinds.get("value") not in (None, "null", "start_array", "start_map"):
            raise self._fail(
                "value",
                N_("JSON-stat: {field} is neither an array nor an object."),
                field="value",
            )

    def _flags(self) -> dict[int, str]:
        """The flags by position (read once); with one flag for every cell, none, and that
        flag in ``_uniform``."""
        if self._status is not None:
            return self._status
        self._status = {}
        if self.shape.uniform(self.cube.size):
            path = "status.item" if self.kinds.get("status") == "start_array" else "status"
            with _opened(self.path) as handle:
                flag = next(ijson.items(handle, path, use_float=True), None)
            self._uniform = None if flag is None else str(flag)
            return self._status
        names: dict[str, str] = {}
        for n, (pos, flag) in enumerate(self._items("status")):
            if n >= MAX_STATUS:
                raise self._fail(
                    "status",
                    N_(
                        "JSON-stat: more than {limit} cells are flagged in status; migstat "
                        "holds the flags while it reads the values. Split the dataset."
                    ),
                    limit=MAX_STATUS,
                )
            text = str(flag)
            self._status[pos] = names.setdefault(text, sys.intern(text))
        return self._status

    def cells(self) -> Iterator[tuple[int, Any, str | None]]:
        flags = self._flags()
        uniform = self._uniform
        matched: set[int] = set()
        last = -1
        for pos, value in self._values_and_nulls():
            flag = uniform if uniform is not None else flags.get(pos)
            if flag is not None and uniform is None:
                matched.add(pos)
            if value is not None or flag is not None:
                self.count += 1
                yield pos, value, flag
            last = pos
        if uniform is not None and self.kinds.get("value") == "start_array":
            for pos in range(last + 1, self.cube.size):  # a one-item value array
                self.count += 1
                yield pos, None, uniform
        for pos in sorted(set(flags) - matched):  # flagged, without a value
            self.count += 1
            yield pos, None, flags[pos]

    def _values_and_nulls(self) -> Iterator[tuple[int, Any]]:
        """Every position of a value array (nulls as ``None``, so that a flagged cell without
        a value is met in turn), or the positions of a value object."""
        if self.kinds.get("value") != "start_array":
            yield from self._items("value")
            return
        with _opened(self.path) as handle:
            yield from enumerate(ijson.items(handle, "value.item", use_float=True))

    def codes(self, pos: int) -> dict[str, str]:
        codes = {}
        rest = pos
        for dim, stride in zip(self.cube.dimensions, self._strides, strict=True):
            index, rest = divmod(rest, stride)
            codes[dim.id] = dim.codes[index]
        return codes

    def records(self) -> Iterator[Record]:
        try:
            for pos, value, flag in self.cells():
                codes = self.codes(pos)
                where = Location(
                    file=self.file_name,
                    column=f"value[{pos}] ("
                    + ", ".join(f"{k}={v}" for k, v in codes.items())
                    + ")",
                )
                yield {k.upper(): v for k, v in codes.items()}, value_of(value), flag, where
        except (ijson.JSONError, UnicodeDecodeError) as problem:
            raise _not_json(self.file_name, problem) from None


def stream_jsonstat(
    path: Path, cube: Cube, shape: Shape, options: Options, *, agency: Any
) -> CodedStream:
    """The JSON-stat dataset at ``path`` (its dimensions in ``cube``, read by :func:`skeleton`
    and :func:`~migstat.formats.jsonstat.reader.parse`; :meth:`Shape.streamable`) of
    ``agency`` as a stream of coded records."""
    file_name = path.name
    values = _Values(path, cube, shape)
    values.check_length()
    code, pairs, known = jsonstat_mappers(
        cube,
        file_name=file_name,
        registry=options.registry,
        agency=agency,
        table=options.table,
        dataset=options.dataset,
    )
    out = jsonstat_dataset(cube, file_name, file_sha256(path), agency, code, options.edition)
    note = f"{agency.id} {code.lower()}"
    return CodedStream(
        out,
        _decided(pairs, cube),
        values.records,
        frozenset({"TOTAL", "_T"}),
        options.allow_unmatched,
        Ending(known, lambda: f"{note}, JSON-stat ({values.count} cells)"),
    )


def _decided(pairs: Pairs, cube: Cube) -> Pairs:
    """The tables the file fills: a table kept only where a dimension is broken down is kept
    when the dimension lists a category other than the total (as the whole read decides)."""
    return [(m, None) for m, needs in pairs if needs is None or broken_down(cube, needs)]


def opened_cube(path: Path) -> tuple[Cube, Shape] | None:
    """The dimensions and shape of a JSON-stat dataset that can be read as a stream, or
    ``None`` when the file must be read whole (:meth:`Shape.streamable`)."""
    top, shape = skeleton(path, path.name)
    if not top or top.get("class") != "dataset":
        return None
    cube = parse(top, path.name)
    return (cube, shape) if shape.streamable(top, cube.size) else None
