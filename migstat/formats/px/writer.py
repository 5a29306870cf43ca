"""PC-Axis (PX) files, the format of PxWeb, in English or Russian.

One file holds one table in one language (``LANGUAGE``), written as UTF-8
(``CODEPAGE="utf-8"``). The stub holds ``REF_AREA``, the table's breakdowns and
``DATA_PROVIDER``; the heading holds ``TIME_PERIOD``. ``VALUES`` carry the labels in the
file's language and ``CODES`` the codes. Cells without a number use the PX missing-value
symbols, explained by ``DATASYMBOL1``-``DATASYMBOL3``:

* ``"."``   the value cannot exist (OBS_STATUS M);
* ``".."``  not available (no observation, or OBS_STATUS L, O);
* ``"..."`` confidential or suppressed (CONF_STATUS other than F, OBS_STATUS Q).

A value that carries a flag other than "normal" (estimated, provisional, break ...) gets a
``DATANOTECELL`` with the flag's name. ``SOURCE`` names the providers and their
publications; ``NOTE`` holds the table's definition, universe and the flag legend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import product

from migstat.formats import sdmx_layout as L
from migstat.model import CodeList, TableDef, pick

LINE = 200
"""Longest line written (PX readers accept 256 characters)."""

NOT_POSSIBLE, NOT_AVAILABLE, CONFIDENTIAL = '"."', '".."', '"..."'
SYMBOLS: dict[str, dict[str, str]] = {
    "en": {
        NOT_POSSIBLE: "value cannot exist",
        NOT_AVAILABLE: "not available",
        CONFIDENTIAL: "confidential",
    },
    "ru": {
        NOT_POSSIBLE: "значение не может существовать",
        NOT_AVAILABLE: "нет данных",
        CONFIDENTIAL: "конфиденциально",
    },
}
KEYWORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Migration",
        "by": "by",
        "and": "and",
        "source": "Source",
        "flags": "Flags",
        "universe": "Universe",
        "unit": "Unit",
    },
    "ru": {
        "subject": "Миграция",
        "by": "по",
        "and": "и",
        "source": "Источник",
        "flags": "Отметки",
        "universe": "Совокупность",
        "unit": "Единица",
    },
}


def _clean(value: object) -> str:
    """Text as a PX string may hold it: no double quotes, no line breaks."""
    return " ".join(str(value).replace('"', "'").split())


def _quoted(value: object) -> str:
    """A PX string, split into concatenated pieces when it is long."""
    text = _clean(value) or "-"
    if len(text) <= LINE:
        return f'"{text}"'
    pieces = [text[i : i + LINE] for i in range(0, len(text), LINE)]
    return "\n".join(f'"{p}"' for p in pieces)


def _list(items: Sequence[str]) -> str:
    """A PX list of strings, wrapped so that no line grows past :data:`LINE`."""
    lines: list[str] = []
    current = ""
    for item in items:
        piece = _quoted(item)
        if current and len(current) + len(piece) + 1 > LINE:
            lines.append(current + ",")
            current = piece
        else:
            current = f"{current},{piece}" if current else piece
    lines.append(current)
    return "\n".join(lines)


def _variables(
    found: L.Cube, table: TableDef, codelists: Mapping[str, CodeList], lang: str
) -> tuple[list[str], list[list[str]]]:
    """The variables' names and their values' labels in ``lang``, each made unique: PX names
    a variable and a value by its text, so two equal texts would be one."""
    dims = found.dims
    names = [_clean(pick(L.component_name(table, d), lang)) for d in dims]
    for i, name in enumerate(names):
        if names.count(name) > 1:
            names[i] = f"{name} ({dims[i]})"
    labels: list[list[str]] = []
    for i, dim in enumerate(dims):
        cl = None if dim == L.TIME else codelists.get(L.dimension_codelist(table, dim))
        labels.append([_clean(cl.label(c, lang)) if cl is not None else c for c in found.codes[i]])
    for column in labels:  # values of one variable must differ too
        counts: dict[str, int] = {}
        for value in column:
            counts[value] = counts.get(value, 0) + 1
        for j, value in enumerate(column):
            if counts[value] > 1:
                column[j] = f"{value} [{j}]"
    return names, labels


def _decimals(found: L.Cube) -> int:
    """The decimals the values need (at most 6): PX declares one number for the table."""
    decimals = 0
    for obs in found.cells.values():
        if obs.value is not None and not float(obs.value).is_integer():
            decimals = max(decimals, min(6, len(repr(float(obs.value)).split(".")[1])))
    return decimals


def write_px(
    observations: Iterable[L.ObservationLike],
    table: TableDef,
    *,
    codelists: Mapping[str, CodeList],
    lang: str = "en",
    sources: Sequence[str] = (),
    updated: datetime | None = None,
    created: datetime | None = None,
) -> str:
    """A PX file with the observations of one table, labelled in ``lang``."""
    words = KEYWORDS.get(lang, KEYWORDS["en"])
    symbols = SYMBOLS.get(lang, SYMBOLS["en"])
    found = L.cube(observations, table, dict(codelists))
    names, labels = _variables(found, table, codelists, lang)
    obs_status = codelists.get("OBS_STATUS")
    stub, heading = names[:-1], names[-1]
    decimals = _decimals(found)

    title = f"{table.label(lang)}"
    stamp = (created or datetime.now(UTC)).strftime("%Y%m%d %H:%M")
    head = [
        'CHARSET="ANSI";',
        'AXIS-VERSION="2013";',
        'CODEPAGE="utf-8";',
        f'LANGUAGE="{lang}";',
        f'CREATION-DATE="{stamp}";',
        f"DECIMALS={decimals};",
        f"SHOWDECIMALS={decimals};",
        f'MATRIX="{table.id}";',
        'SUBJECT-CODE="MIGR";',
        f"SUBJECT-AREA={_quoted(words['subject'])};",
        f"TITLE={_quoted(title)};",
        f"CONTENTS={_quoted(f'{table.id}: {title}')};",
        f"UNITS={_quoted(pick(table.unit, lang))};",
        f"STUB={_list(stub)};",
        f"HEADING={_quoted(heading)};",
    ]
    for i, name in enumerate(names):
        head.append(f"VALUES({_quoted(name)})={_list(labels[i])};")
    if str(table.period_type) == "year" and all(len(c) == 4 for c in found.codes[-1]):
        head.append(f"TIMEVAL({_quoted(heading)})=TLIST(A1),{_list(found.codes[-1])};")
    for i, name in enumerate(names):
        head.append(f"CODES({_quoted(name)})={_list(found.codes[i])};")
    if updated is not None:
        head.append(f'LAST-UPDATED="{updated.strftime("%Y%m%d %H:%M")}";')
    if sources:
        head.append(f"SOURCE={_quoted('; '.join(sources))};")
    legend = "; ".join(f"{symbol} {meaning}" for symbol, meaning in symbols.items())
    note = " ".join(
        part
        for part in (
            pick(table.description, lang),
            f"{words['universe']}: {pick(table.universe, lang)}." if table.universe else "",
            f"{words['unit']}: {pick(table.unit, lang)}.",
            f"{words['flags']}: {legend.replace(chr(34), '')}.",
        )
        if part
    )
    head.append(f"NOTE={_quoted(note)};")
    for n, meaning in enumerate(symbols.values(), start=1):
        head.append(f"DATASYMBOL{n}={_quoted(meaning)};")

    index = [{code: j for j, code in enumerate(codes)} for codes in found.codes]
    notes: list[str] = []
    for key, obs in found.cells.items():
        flag = obs.obs_status
        if obs.value is not None and flag and flag != "A":
            cell = ",".join(_quoted(labels[i][index[i][c]]) for i, c in enumerate(key))
            label = obs_status.label(flag, lang) if obs_status is not None else flag
            notes.append(f"DATANOTECELL({cell})={_quoted(f'{flag}: {label}')};")
    head.extend(notes)

    times = found.codes[-1]
    rows = ["DATA="]
    for stub_key in product(*found.codes[:-1]):
        cells = []
        for period in times:
            obs = found.cells.get((*stub_key, period))
            cells.append(NOT_AVAILABLE if obs is None else _cell(obs))
        rows.append(" ".join(cells))
    rows[-1] += ";"
    return "\n".join(head + rows) + "\n"


def _cell(obs: L.ObservationLike) -> str:
    if obs.value is None:
        if obs.conf_status not in (None, "", "F") or obs.obs_status == "Q":
            return CONFIDENTIAL
        return NOT_POSSIBLE if obs.obs_status == "M" else NOT_AVAILABLE
    return L.number(obs.value)


__all__ = ["write_px"]
