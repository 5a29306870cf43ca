"""Eurostat: legacy "Data Explorer" CSV exports, JSON-stat answers, and Eurostat's quirks.

What this module knows about Eurostat, used by every Eurostat format (the SDMX-ML and
SDMX-CSV readers of :mod:`migstat.sources.sdmx` call it for agency ``ESTAT``):

* **Areas.** Eurostat codes countries with ISO alpha-2 except ``EL`` (Greece), ``UK`` (United
  Kingdom) and ``XK`` (Kosovo), and publishes aggregates (``EU27_2020``, ``EA19``, ``EFTA``,
  ``EXT_EU28``, ``TOTAL``). Codes and labels are resolved through the AREA code list (its
  alpha-2 aliases and names) after a small curated table of these quirks; an aggregate is
  never a reporting country and is skipped with a warning; anything else unknown is listed.
* **Flags.** Eurostat's flags (``b`` break, ``c`` confidential, ``d`` definition differs,
  ``e`` estimated, ``f`` forecast, ``n`` not significant, ``p`` provisional, ``r`` revised,
  ``s`` Eurostat estimate, ``u`` low reliability, ``z`` not applicable) become one SDMX
  ``OBS_STATUS`` (the first of B, E, P, F, U, D, N that applies) and ``CONF_STATUS`` C for
  ``c``; the flags exactly as published are kept in the observation's comment.
* **Datasets → tables.** ``migr_resfirst`` → A01 (length of validity total) and A01V (by
  length of validity); ``migr_asyappctza`` → A05; ``migr_asydcfsta`` → A06; ``demo_pjan`` →
  S01 (country of birth total, on 1 January). Any other dataset goes to a table made from its
  data structure (``ESTAT_<DATASET>``, see :mod:`migstat.formats.sdmxml.structure`).

The legacy CSV export (``"TIME","GEO",...,"Value","Flag and Footnotes"``) carries labels
instead of codes, thousands separators (``1,160``), ``:`` for not available and arrives in
UTF-8 (with or without BOM) or ISO-8859-1, separated by commas, semicolons or tabs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.formats.jsonstat.reader import looks_like
from migstat.formats.notation import read_number
from migstat.formats.text import WESTERN, decode_text, line_one
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, SourceType
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.coded import (
    Agency,
    Pairs,
    StatusReader,
    add_metadata,
    feed,
    finish,
    mappers,
    new_dataset,
    read_jsonstat,
)
from migstat.sources.common import header_fields, paused_gc
from migstat.sources.cube import SKIP, CubeMapper, Status
from migstat.sources.cube import year_period as _year
from migstat.sources.names import resolve_country

NAME = "eurostat"
PROVIDER = "ESTAT"
PUBLISHER = "Eurostat"
URL = "https://ec.europa.eu/eurostat/databrowser/"
LICENCE = "Eurostat: free re-use with acknowledgement of the source"

GEO_CODES: dict[str, str] = {
    "EL": "GRC",
    "UK": "GBR",
    "XK": "XKX",
    "TOTAL": "_T",
    "STLS": "STATELESS",
    "UNK": "_U",
    "DE_TOT": SKIP,
    "FX": SKIP,
    "CN_X_HK": "CHN",
    "YU": "YUG",
    "CS": "CSK",
}
"""Eurostat area codes that are not ISO alpha-2 (or not countries of their own). ``RNC``
(recognised non-citizens of Latvia and Estonia) has no AREA code and is reported."""
GEO_LABELS: dict[str, str] = {
    "Germany (until 1990 former territory of the FRG)": "DEU",
    "Germany (including former GDR)": SKIP,
    "France (metropolitan)": SKIP,
    "Former Yugoslav Republic of Macedonia, the": "MKD",
    "Kosovo (under United Nations Security Council Resolution 1244/99)": "XKX",
    "Kosovo (under United Nations Security Council Resolution 1244/99) (from 2014)": "XKX",
    "Kosovo*": "XKX",
    "Palestine": "PSE",
    "Palestine*": "PSE",
    "China (except Hong Kong)": "CHN",
    "China including Hong Kong": SKIP,
    "Micronesia": "FSM",
    "Brunei": "BRN",
    "Myanmar/Burma": "MMR",
    "Cape Verde": "CPV",
    "Swaziland": "SWZ",
    "Vatican City State": "VAT",
    "Yugoslavia": "YUG",
    "Czechoslovakia": "CSK",
    "Stateless": "STATELESS",
    "Unknown": "_U",
    "Total": "_T",
}
"""Labels of the legacy exports that differ from the AREA code list's names and aliases."""
AGGREGATE_CODE = re.compile(
    r"^(EU\d*(_\d{4})?|EA\d*|EEA\d*|EFTA|EXT_\w+|NEU\w*|EU_\w+|"
    r"EA_\w+|(EUR|AFR|AME|ASI|OCE)_\w+|EXT_EU\w*)$"
)
AGGREGATE_LABEL = (
    "European Union",
    "Euro area",
    "European Economic Area",
    "European Free Trade Association",
    "Extra-EU",
    "Extra EU",
    "Non-EU",
    "Candidate countries",
    "Countries outside",
)


def resolve_geo(text: str) -> str | None:
    """An AREA code for a Eurostat area code or label; :data:`SKIP` for an aggregate that the
    AREA code list does not hold; ``None`` when unknown (never guessed)."""
    text = text.strip()
    if text in GEO_CODES:
        return GEO_CODES[text]
    if text in GEO_LABELS:
        return GEO_LABELS[text]
    found = resolve_country(text)
    if found is not None:
        return found
    if AGGREGATE_CODE.match(text) or text.startswith(AGGREGATE_LABEL):
        return SKIP
    return None


STATUS_ORDER = (
    ("b", "B"),
    ("e", "E"),
    ("s", "E"),
    ("p", "P"),
    ("f", "F"),
    ("u", "U"),
    ("d", "D"),
    ("n", "N"),
)


def flag_status(flag: str | None, missing: bool) -> Status:
    """``(OBS_STATUS, CONF_STATUS, comment)`` for a Eurostat flag string such as ``bep``."""
    flags = (flag or "").strip()
    comment = f"Eurostat flag {flags}" if flags else None
    letters = flags.lower()
    conf = "C" if "c" in letters else "F"
    if missing:
        if conf == "C":
            return "Q", conf, comment
        return ("M" if "z" in letters else "O"), conf, comment
    for letter, status in STATUS_ORDER:
        if letter in letters:
            return status, conf, comment
    return "A", conf, comment


# -- datasets and their tables ------------------------------------------------------------

_SEX = {
    "T": "_T",
    "M": "M",
    "F": "F",
    "UNK": "_U",
    "Total": "_T",
    "Males": "M",
    "Females": "F",
    "Unknown": "_U",
}
_REASON = {
    "TOTAL": "_T",
    "FAM": "FAM",
    "EDUC": "EDUC",
    "OCC": "OCC",
    "OTH": "OTH",
    "Total": "_T",
    "Family reasons": "FAM",
    "Education reasons": "EDUC",
    "Remunerated activities reasons": "OCC",
    "Other reasons": "OTH",
}
_UNIT_LABELS = {"Person": "PER", "Number": "NR", "Persons": "PER"}


def _age_code(text: str) -> str:
    """A Eurostat age label of the legacy exports as its code (``From 5 to 9 years`` →
    ``Y5-9``); codes and unknown labels are returned as given."""
    m = re.fullmatch(r"From (\d+) to (\d+) years", text)
    if m:
        return f"Y{m.group(1)}-{m.group(2)}"
    m = re.fullmatch(r"Less than (\d+) years?", text)
    if m:
        return f"Y_LT{m.group(1)}"
    m = re.fullmatch(r"(\d+) years? or over", text)
    if m:
        return f"Y_GE{m.group(1)}"
    m = re.fullmatch(r"(\d+) years?", text)
    if m:
        return f"Y{m.group(1)}"
    return {"Total": "TOTAL", "Unknown": "UNK", "Open-ended age class": "Y_OPEN"}.get(text, text)


_SINGLE_AGE = re.compile(r"^Y(\d+|_LT1|_OPEN|_GE\d+)$")


@dataclass(frozen=True, slots=True)
class TableMap:
    """How one Eurostat dataset fills one migstat table."""

    table: str
    dims: dict[str, str]
    """Table dimension → Eurostat dimension (upper case)."""
    codes: dict[str, Mapping[str, str] | Callable[[str], str]] = field(default_factory=dict)
    select: dict[str, frozenset[str]] = field(default_factory=dict)
    require: dict[str, frozenset[str]] = field(default_factory=dict)
    period: str = "year"
    """``year`` (events and flows) or ``jan1`` (population on 1 January)."""
    only_if_broken_down: str | None = None
    """Keep this table only if the file breaks this Eurostat dimension down."""


@dataclass(frozen=True, slots=True)
class EstatDataset:
    code: str
    title: str
    tables: tuple[TableMap, ...]
    source_type: str
    population: str | None = None

    @property
    def origin_concept(self) -> str | None:
        """Eurostat's migration datasets break down by citizenship."""
        return "CITIZENSHIP" if self.code.startswith("MIGR") else None


def _s01_age(code: str) -> str:
    """demo_pjan ages: five-year groups map through the AGE aliases; single years of age are
    not a breakdown of S01 and are not stored."""
    return SKIP if _SINGLE_AGE.match(code) and code not in ("Y_GE80",) else code


_PERSONS = frozenset({"PER", "NR"})
DATASETS: dict[str, EstatDataset] = {
    "MIGR_RESFIRST": EstatDataset(
        "MIGR_RESFIRST",
        "First permits by reason, length of validity and citizenship",
        (
            TableMap(
                "A01",
                {"CITIZENSHIP": "CITIZEN", "REASON": "REASON"},
                {"REASON": _REASON},
                select={"DURATION": frozenset({"TOTAL", "Total"})},
                require={"UNIT": _PERSONS, "FREQ": frozenset({"A"})},
            ),
            TableMap(
                "A01V",
                {"CITIZENSHIP": "CITIZEN", "REASON": "REASON", "VALIDITY": "DURATION"},
                {"REASON": _REASON},
                require={"UNIT": _PERSONS, "FREQ": frozenset({"A"})},
                only_if_broken_down="DURATION",
            ),
        ),
        SourceType.PERMITS.value,
    ),
    "MIGR_ASYAPPCTZA": EstatDataset(
        "MIGR_ASYAPPCTZA",
        "Asylum applicants by type of applicant, citizenship, age and sex",
        (
            TableMap(
                "A05",
                {
                    "CITIZENSHIP": "CITIZEN",
                    "SEX": "SEX",
                    "AGE": "AGE",
                    "APPLICANT_TYPE": "ASYL_APP",
                },
                {"SEX": _SEX},
                require={"UNIT": _PERSONS, "FREQ": frozenset({"A"})},
            ),
        ),
        SourceType.ASYLUM.value,
    ),
    "MIGR_ASYDCFSTA": EstatDataset(
        "MIGR_ASYDCFSTA",
        "First instance decisions on applications by citizenship, age and sex",
        (
            TableMap(
                "A06",
                {"CITIZENSHIP": "CITIZEN", "SEX": "SEX", "AGE": "AGE", "DECISION": "DECISION"},
                {"SEX": _SEX},
                require={"UNIT": _PERSONS, "FREQ": frozenset({"A"})},
            ),
        ),
        SourceType.ASYLUM.value,
    ),
    "DEMO_PJAN": EstatDataset(
        "DEMO_PJAN",
        "Population on 1 January by age and sex",
        (
            TableMap(
                "S01",
                {"SEX": "SEX", "AGE": "AGE"},
                {"SEX": _SEX, "AGE": _s01_age},
                require={"UNIT": _PERSONS, "FREQ": frozenset({"A"})},
                period="jan1",
            ),
        ),
        SourceType.REGISTER.value,
        population="usual resident population on 1 January",
    ),
}
"""The Eurostat datasets migstat maps to its own tables."""


def identify(columns: set[str], file_name: str) -> str | None:
    """The Eurostat dataset of a legacy export, from its columns (or its file name)."""
    stem = re.sub(r"^ESTAT_", "", Path(file_name).name.upper())
    for code in DATASETS:
        if stem.startswith(code):
            return code
    if "ASYL_APP" in columns:
        return "MIGR_ASYAPPCTZA"
    if "DECISION" in columns and "CITIZEN" in columns:
        return "MIGR_ASYDCFSTA"
    if "REASON" in columns and "CITIZEN" in columns:
        return "MIGR_RESFIRST"
    if {"AGE", "SEX", "GEO"} <= columns and "CITIZEN" not in columns and len(columns) <= 7:
        return "DEMO_PJAN"
    return None


def curated(
    registry: Registry,
    dataset: str,
    file_name: str,
    columns: set[str],
    *,
    area: str,
    time: str,
    table: str | None,
    status: StatusReader,
) -> tuple[Pairs, EstatDataset] | None:
    """The mappers of a dataset of :data:`DATASETS` (``None`` for any other dataset, or when
    ``table`` is none of its tables)."""
    known = DATASETS.get(dataset.upper())
    if known is None or (
        table is not None and all(registry.table(table).id != t.table for t in known.tables)
    ):
        return None
    out: Pairs = []
    for tmap in known.tables:
        if table is not None and registry.table(table).id != tmap.table:
            continue
        tdef = registry.table(tmap.table)
        period = (
            (lambda text: (y + "-01-01") if (y := _year(text)) else None)
            if tmap.period == "jan1"
            else _year
        )
        codes: dict[str, Any] = dict(tmap.codes)
        mapper = CubeMapper(
            registry=registry,
            table=tdef,
            file_name=file_name,
            area=area,
            time=time,
            period=period,
            resolve_area=resolve_geo,
            status=status,
            dims=dict(tmap.dims),
            codes=codes,
            select=dict(tmap.select),
            require={k: v for k, v in tmap.require.items() if k in columns},
        )
        out.append((mapper, tmap.only_if_broken_down))
    return out, known


AGENCY = Agency(
    PROVIDER,
    PUBLISHER,
    URL,
    LICENCE,
    resolve_area=resolve_geo,
    status=flag_status,
    curated=curated,
    mapped=tuple(DATASETS),
)
"""Eurostat's quirks, for the readers of coded records of :mod:`migstat.sources.coded`."""


# -- reading ------------------------------------------------------------------------------

LEGACY_VALUE = "VALUE"
LEGACY_FLAGS = ("FLAG AND FOOTNOTES", "FLAGS AND FOOTNOTES", "FLAG", "FLAGS")
NOT_AVAILABLE = frozenset({":", ": ", ""})


def sniff(path: Path, head: bytes) -> bool:
    """A legacy Eurostat CSV export (``TIME``, ``GEO``, ``Value`` and the flags column), a
    bulk-download TSV (``freq,unit,geo\\TIME_PERIOD``) or a JSON-stat answer of Eurostat's
    API."""
    if looks_like(head):
        text = head.decode("utf-8", "ignore")
        return '"ESTAT"' in text or "Eurostat" in text
    line = line_one(head)
    if _TSV_CORNER.search(line.decode("latin-1")):
        return b"\t" in line
    names = {f.upper() for f in header_fields(line, legacy=WESTERN)}
    return {"TIME", "GEO", LEGACY_VALUE} <= names and bool(names & set(LEGACY_FLAGS))


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    decimal: str | None = None,
    dataset: str | None = None,
    **_: Any,
) -> Dataset:
    """A legacy CSV export, a bulk-download TSV or a JSON-stat answer of Eurostat.

    Options: ``dataset`` (the Eurostat dataset code when neither the file name nor the
    dimensions tell it), ``table`` (keep that table, or read into a table made from a data
    structure), ``edition`` (overrides the date the file gives), ``decimal`` (``,`` or ``.``
    when the numbers of a legacy export are ambiguous), ``allow_unmatched`` (skip rows with
    unknown codes, with warnings). Other options are ignored.
    """
    path = Path(path)
    raw = path.read_bytes()
    with paused_gc():
        if looks_like(raw[:8192]):
            return read_jsonstat(
                raw,
                file_name=path.name,
                registry=registry,
                agency=AGENCY,
                allow_unmatched=allow_unmatched,
                edition=edition,
                table=table,
            )
        if _TSV_CORNER.search(line_one(raw[:8192]).decode("latin-1")):
            return read_tsv(
                raw,
                file_name=path.name,
                registry=registry,
                allow_unmatched=allow_unmatched,
                edition=edition,
                table=table,
                dataset=dataset,
            )
        return read_legacy_csv(
            raw,
            file_name=path.name,
            registry=registry,
            allow_unmatched=allow_unmatched,
            edition=edition,
            table=table,
            decimal=decimal,
            dataset=dataset,
        )


def _export_mappers(
    registry: Registry, file_name: str, columns: set[str], dataset: str | None, table: str | None
) -> tuple[str, Pairs, EstatDataset | None]:
    """The dataset code of an export (option, file name or dimensions) and its mappers."""
    code = (dataset or identify(columns, file_name) or "").upper()
    if not code:
        raise InputError(
            N_(
                "Cannot tell which Eurostat dataset this export holds (columns: "
                "{header}); name it with the dataset option."
            ),
            where=Location(file=file_name, line=1),
            header=", ".join(sorted(columns)),
        )
    pairs, known = mappers(
        registry,
        code,
        file_name,
        columns,
        agency=AGENCY,
        area="GEO",
        time="TIME",
        table=table,
        status=flag_status,
    )
    return code, pairs, known


_TSV_CORNER = re.compile(r"\\(TIME_PERIOD|time)\b", re.IGNORECASE)
_TSV_CELL = re.compile(r"^\s*(:|-?[\d.]+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$")


def read_tsv(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    dataset: str | None = None,
) -> Dataset:
    """Eurostat's bulk-download TSV: codes, one row per series, one column per period.

    The first column holds the series' codes separated by commas under a header such as
    ``freq,unit,geo\\TIME_PERIOD``; each period column holds the value and its flags
    (``1234 p``, ``: c``). The dataset code is not in the file: it comes from the file name
    (``migr_resfirst.tsv``, ``estat_migr_resfirst.tsv``), the ``dataset`` option or the
    dimensions.
    """
    text = decode_text(raw, legacy=WESTERN)
    lines = text.splitlines()
    header = lines[0].lstrip("\ufeff").split("\t") if lines else []
    corner = header[0] if header else ""
    dims = [d.strip().upper() for d in _TSV_CORNER.sub("", corner).split(",")]
    periods = [h.strip() for h in header[1:]]
    columns = set(dims)
    code, pairs, known = _export_mappers(registry, file_name, columns, dataset, table)
    seen: dict[str, set[str]] = {d: set() for d in dims}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        codes = [c.strip() for c in cells[0].split(",")]
        if len(codes) != len(dims):
            raise InputError(
                N_(
                    "The row has {got} codes but the header names {expected} "
                    "dimensions ({dimensions})."
                ),
                where=Location(file=file_name, line=number, column=corner),
                got=len(codes),
                expected=len(dims),
                dimensions=", ".join(dims),
            )
        record = dict(zip(dims, codes, strict=True))
        for dim, c in record.items():
            seen[dim].add(c)
        for period, cell in zip(periods, cells[1:], strict=False):
            m = _TSV_CELL.match(cell)
            where = Location(file=file_name, line=number, column=period)
            if m is None:
                raise InputError(
                    N_("Value {value} is not a number, nor ':' for not available."),
                    where=where,
                    value=cell.strip(),
                )
            value = None if m.group(1) == ":" else read_number(m.group(1), decimal=".")
            record["TIME"] = period
            feed(pairs, record, value, m.group(2) or None, where)
    out = _new_dataset(raw, file_name, "eurostat_tsv", code, known, edition)
    finish(pairs, out, lambda dim: bool(seen.get(dim, set()) - {"TOTAL"}), allow_unmatched)
    add_metadata(
        out, known, f"Eurostat {code.lower()}, bulk-download TSV; flags as published in the comment"
    )
    return out


def _decimal_mark(values: list[str]) -> str:
    """The decimal mark of a file's numbers (the export offered ``1,234.5``, ``1.234,5``,
    ``1 234,5`` and ``1234.5``): the last mark of a number that has both; else a mark not
    followed by groups of three digits; else the mark that is only ever followed by groups of
    three digits separates thousands (counts have no decimals), so the other one is decimal."""
    groups = {",": False, ".": False}
    for text in values:
        text = text.strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." in text:
            return "," if text.rfind(",") > text.rfind(".") else "."
        for mark in (",", "."):
            if mark in text:
                if re.fullmatch(rf"-?\d{{1,3}}(\{mark}\d{{3}})+", text):
                    groups[mark] = True
                else:
                    return mark
    return "," if groups["."] and not groups[","] else "."


def read_legacy_csv(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    decimal: str | None = None,
    dataset: str | None = None,
) -> Dataset:
    text = decode_text(raw, legacy=WESTERN)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(line_one(text)))
    try:
        header = [h.strip().upper() for h in next(reader)]
    except StopIteration:
        raise InputError(N_("The file is empty."), where=Location(file=file_name)) from None
    where0 = Location(file=file_name, line=1)
    for needed in ("TIME", "GEO", LEGACY_VALUE):
        if needed not in header:
            raise InputError(
                N_("Column {column} is missing; the header has: {header}."),
                where=where0,
                column=needed.title() if needed == LEGACY_VALUE else needed,
                header=", ".join(header),
            )
    flag_at = next((header.index(f) for f in LEGACY_FLAGS if f in header), None)
    value_at = header.index(LEGACY_VALUE)
    dims = [(i, h) for i, h in enumerate(header) if i not in (value_at, flag_at) and h]
    columns = {h for _, h in dims}
    code, pairs, known = _export_mappers(registry, file_name, columns, dataset, table)
    rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    mark = decimal or _decimal_mark([r[value_at] for _, r in rows[:2000] if len(r) > value_at])
    translate = {"AGE": _age_code, "UNIT": lambda t: _UNIT_LABELS.get(t, t)}
    cache: dict[tuple[str, str], str] = {}
    width = len(header)
    for line, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        record: dict[str, str] = {}
        for i, h in dims:
            cell = row[i].strip()
            got = cache.get((h, cell))
            if got is None:
                fn = translate.get(h)
                got = cache[(h, cell)] = fn(cell) if fn else cell
            record[h] = got
        cell = row[value_at].strip()
        where = Location(file=file_name, line=line, column="Value")
        if cell in NOT_AVAILABLE:
            value = None
        else:
            value = read_number(cell, decimal=mark)
            if value is None:
                raise InputError(
                    N_("Value {value} is not a number, nor ':' for not available."),
                    where=where,
                    value=cell,
                )
        flag = row[flag_at].strip() if flag_at is not None else None
        feed(pairs, record, value, flag, where)
    out = _new_dataset(raw, file_name, "eurostat_csv", code, known, edition)
    seen = {(h, got) for (h, _cell), got in cache.items()}  # every code met, by dimension
    finish(
        pairs,
        out,
        lambda dim: any(h == dim and got not in ("TOTAL", "Total") for h, got in seen),
        allow_unmatched,
    )
    add_metadata(
        out,
        known,
        f"Eurostat {code.lower()}, legacy CSV export (labels); flags as published in the comment",
    )
    return out


def _new_dataset(
    raw: bytes, file_name: str, fmt: str, code: str, known: EstatDataset | None, edition: str | None
) -> Dataset:
    """An empty dataset with the provenance of an export; its edition is the option, else
    the date in the file name."""
    m = re.search(r"(\d{4}-\d{2}-\d{2})", file_name)
    return new_dataset(
        file_name=file_name,
        fmt=fmt,
        sha256=hashlib.sha256(raw).hexdigest(),
        provider=PROVIDER,
        publisher=PUBLISHER,
        dataset_code=code,
        title=known.title if known else None,
        edition=edition or (m.group(1) if m else None),
        url=URL,
        licence=LICENCE,
    )
