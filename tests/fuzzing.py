"""Mutated real files for the reader fuzzing (tests/test_fuzz_readers.py, bench/fuzz_readers.py).

Seeds are small real files: the head of the published files in ``shared/data`` (a few dozen
lines, so that each try is quick) and what migstat's own writers produce (a questionnaire, a
long CSV, an SDMX-CSV). :func:`mutate` damages a seed the way files get damaged, in bytes and in
tokens: a byte flipped or dropped, a byte no code page defines, a NUL, a byte-order mark, a
cut-off end, a number replaced by text, infinity or a huge exponent, a line doubled or moved, a
separator or quote inserted. A workbook is damaged inside its zip, member by member, so that the
XML readers are reached rather than only the zip check.
"""

from __future__ import annotations

import io
import json
import random
import re
import tempfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from migstat.formats.detect import read_bytes
from migstat.model import MigstatError
from migstat.sources import SOURCES, read_source
from tests.shared import SHARED_DATA

TEXT_SEEDS: dict[str, tuple[str, int | None]] = {
    "unhcr/unhcr_2020.csv": ("unhcr", 30),
    "unhcr/unhcr_ukraine_origin_1992_export__jatofi.csv": ("unhcr", 30),
    "cisstat/cis_migration.csv": ("cisstat", 30),
    "belstat/belstat_net_oblast_2024-2025.json": ("belstat", None),
    "eurostat/eurostat_migr_resfirst_BY_2019_duration.json": ("jsonstat", None),
    "eurostat/estat_tps00176_en.csv": ("eurostat", 30),
    "eurostat/estat_tps00191_sdmxcsv_labels__jatofi.csv": ("sdmx", 30),
    "eurostat/estat_migr_eipre_sdmxcsv_labels__natix.csv": ("sdmx", 30),
    "eurostat/demo_pjan_1_Data.csv": ("eurostat", 30),
    "sdmx/v3_csv_example-01.csv": ("sdmx", None),
    "oecd/oecd_DSD_MIG_DF_MIG_B11_inflows_sdmxcsv_labels__melanie-vera.csv": ("sdmx", 20),
    "px/scb_pxweb_example__NPM_EXEMPEL1.PX": ("px", None),
    "px/scb_pxweb_example__NPM_BE0101F1datasymbols.px": ("px", None),
    "px/scb_pxweb_example__AttributesCellnotes_BE0101F1langensvfiolikacelln.px": ("px", None),
    "sdmx/ESTAT_demography-xs.xml": ("sdmx", None),
    "un_desa/UN_MigrantStockByOriginAndDestination_2019_clean.csv": ("matrix", 20),
    "un_desa/stock_totals_2020.csv": ("undesa", 30),
    "cis_admin/ru_mvd_2RD_migration_situation_2016_regions_countries__GeorgyGol.xls": (
        "mvd",
        None,
    ),
}
"""Published files (under shared/data), the reader they are meant for, how many lines to keep."""

SPECIAL = [
    b"\x98",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xfe\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b'"',
    b"'",
    b",",
    b";",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"=",
    b":",
    b"{",
    b"}",
    b"[",
    b"]",
    b"inf",
    b"-inf",
    b"nan",
    b"1e999",
    b"-1",
    b"0.5",
    b"99999999999999999999",
    b'"x"',
    b"null",
    b"..",
    b"-",
    b"\xd0",
    b"\xd0\x9a",
    b'CODEPAGE="x\x00y";',
    b"\\",
    b"<",
    b"&#0;",
]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_WORK = Path(tempfile.mkdtemp(prefix="migstat-fuzz-"))


def _lines(data: bytes, keep: int | None) -> bytes:
    if keep is None:
        return data
    return b"".join(data.splitlines(keepends=True)[:keep])


@cache
def text_seeds() -> list[tuple[str, str, bytes]]:
    """(reader, suffix, bytes) of each published seed that is there."""
    out = []
    for rel, (reader, keep) in TEXT_SEEDS.items():
        path = SHARED_DATA / rel
        if path.is_file():
            out.append((reader, path.suffix.lower(), _lines(path.read_bytes(), keep)))
    return out


LONG_CSV = (
    b"TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE,OBS_STATUS,CONF_STATUS,COMMENT\n"
    b"F03,KGZ,2023,RUS,LT,F,120,,,\n"
    b"F03,KGZ,2023,RUS,LT,M,130,E,,estimate\n"
    b"F03,KGZ,2023,RUS,LT,_T,250,,,\n"
)
SDMX_CSV = (
    b"DATAFLOW,REF_AREA,TIME_PERIOD,COUNTRY_BIRTH,SEX,AGE,OBS_VALUE,OBS_STATUS\n"
    b"MIGSTAT:S01(1.0),ARM,2024-01-01,RUS,F,Y20T24,310,\n"
    b"MIGSTAT:S01(1.0),ARM,2024-01-01,RUS,M,Y20T24,298,E\n"
)


@cache
def questionnaire() -> bytes:
    """A questionnaire from migstat's own writer, two cells filled (one with a formula)."""
    import openpyxl

    from migstat.formats.questionnaire import HIDDEN_SHEET, write_template

    path = write_template(_WORK / "kgz.xlsx", country="KGZ", year=2024, tables=["F03"])
    wb = openpyxl.load_workbook(path)
    facts = list(wb[HIDDEN_SHEET].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(facts) if row[0] == "table")
    spec = dict(zip(facts[header], facts[header + 1], strict=False))
    first, col = int(spec["first_data_row"]), spec["first_data_col"]
    wb["F03"][f"{col}{first}"] = 4200
    wb["F03"][f"{col}{first + 1}"] = "=1+1"
    wb.save(path)
    return path.read_bytes()


@cache
def undesa_workbook() -> bytes:
    """UN DESA's 2019 workbook cut to its contents, Table 1 (40 rows) and annex: a real
    publisher's workbook small enough to read many times."""
    import openpyxl

    wb = openpyxl.load_workbook(
        SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
    )
    for name in wb.sheetnames:
        if name not in ("CONTENTS", "Table 1", "ANNEX"):
            del wb[name]
    for ws in wb.worksheets:
        if ws.max_row > 40:
            ws.delete_rows(41, ws.max_row - 40)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def mutate(rng: random.Random, data: bytes) -> bytes:
    """``data`` with one to four kinds of damage."""
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(_MUTATIONS)(rng, data)
    return data


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randint(0, len(data)) if data else 0


def _flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]


def _insert(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + rng.choice(SPECIAL) + data[i:]


def _prefix(rng: random.Random, data: bytes) -> bytes:
    return rng.choice(SPECIAL) + data


def _cut(rng: random.Random, data: bytes) -> bytes:
    return data[: _at(rng, data)]


def _drop(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + data[i + rng.randint(1, 64) :]


def _number(rng: random.Random, data: bytes) -> bytes:
    found = list(_NUMBER.finditer(data[:20000]))
    if not found:
        return data
    m = rng.choice(found)
    return data[: m.start()] + rng.choice(SPECIAL) + data[m.end() :]


def _lines_shuffle(rng: random.Random, data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def _utf16(rng: random.Random, data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    encoded = b"\xff\xfe" + text.encode("utf-16-le")
    return encoded[: len(encoded) - rng.randint(0, 1)]


def _cp1251(rng: random.Random, data: bytes) -> bytes:
    try:
        return data.decode("utf-8").encode("cp1251", errors="replace")
    except UnicodeDecodeError:
        return data


_ODD_VALUES: list[object] = [
    None,
    "x",
    "",
    -1,
    0.5,
    10**30,
    float("inf"),
    float("nan"),
    [],
    {},
    [1, "a"],
    {"a": None},
    True,
]


def _json_value(rng: random.Random, data: bytes) -> bytes:
    """A JSON file with one of its values (at any depth) replaced by an odd one, written with
    ``Infinity`` and ``NaN`` as Python's json module reads them."""
    try:
        tree = json.loads(data)
    except ValueError:
        return data
    node, path = tree, []
    while isinstance(node, dict | list) and node and rng.random() < 0.85:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append((node, key))
        node = node[key]
    if not path:
        return json.dumps(rng.choice(_ODD_VALUES)).encode()
    parent, key = path[-1]
    parent[key] = rng.choice(_ODD_VALUES)
    return json.dumps(tree).encode()


_MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _json_value,
    _json_value,
    _flip,
    _insert,
    _insert,
    _prefix,
    _cut,
    _drop,
    _number,
    _number,
    _lines_shuffle,
    _utf16,
    _cp1251,
]


def mutate_zip(rng: random.Random, data: bytes) -> bytes:
    """A workbook with one of its members damaged (or, now and then, the zip itself)."""
    if rng.random() < 0.1:
        return mutate(rng, data)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = rng.choice([n for n in names if n.endswith(".xml")] or names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            member = source.read(name)
            if name == victim:
                if rng.random() < 0.05:
                    continue  # a member missing
                member = mutate(rng, member)
            target.writestr(name, member)
    return out.getvalue()


# -- running a reader --------------------------------------------------------------------------
class Unexpected(AssertionError):
    """A reader failed outside the project's errors, or with an error that names no file."""


def run_source(source: str | None, data: bytes, suffix: str) -> None:
    """Read ``data`` with an importer (``None``: detect it) and check how it fails."""
    path = _WORK / f"fuzzed{suffix}"
    path.write_bytes(data)
    _check(lambda: read_source(path, source=source), path.name)


def run_import(data: bytes, suffix: str) -> None:
    """Import ``data`` as UNHCR's file, dry (the columnar path, or the row path where the
    columnar path declines the file), and check how it fails."""
    from migstat.importing import import_file

    path = _WORK / f"fuzzed{suffix}"
    path.write_bytes(data)
    _check(lambda: import_file(path, source="unhcr", dry_run=True), path.name)


def run_submission(data: bytes, suffix: str) -> None:
    """Read ``data`` as ``validate`` and ``submit`` do (questionnaire, long CSV, SDMX-CSV)."""
    name = f"fuzzed{suffix}"
    _check(lambda: read_bytes(data, file_name=name), name)


def _check(read: Callable[[], object], name: str) -> None:
    try:
        read()
    except MigstatError as problem:
        for lang in ("en", "ru"):
            if name not in problem.text(lang):
                raise Unexpected(f"error without the file name: {problem.text(lang)}") from None
    except RecursionError:
        raise
    except Exception as problem:
        raise Unexpected(f"{type(problem).__name__}: {problem}") from problem


READERS = sorted(SOURCES)
