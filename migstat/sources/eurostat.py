"""Eurostat's quirks: its areas, its flags and the datasets migstat maps to its tables.

What this module knows about Eurostat, used by every Eurostat format (the SDMX-ML and
SDMX-CSV readers of :mod:`migstat.sources.sdmx` call it for agency ``ESTAT``; Eurostat's own
files are read by :mod:`migstat.sources.eurostat_files`):

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
  length of validity); ``migr_resvalid`` (valid permits, a stock on 31 December) → A02;
  ``migr_asyappctza`` → A05; ``migr_asydcfsta`` → A06; ``demo_pjan`` → S01 (country of birth
  total, on 1 January). Any other dataset goes to a table made from its data structure
  (``ESTAT_<DATASET>``, see :mod:`migstat.formats.sdmxml.structure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from migstat.model.data import ResidenceRule, SourceType
from migstat.sources.coded import Agency
from migstat.sources.cube import SKIP, Status
from migstat.sources.curation import TableMap, curator
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
    "RNC": "RNC",
}
"""Eurostat area codes that are not ISO alpha-2 (or not countries of their own). ``RNC``
(recognised non-citizens of Latvia and Estonia) is a partner of its own in AREA."""
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
    "Other reason": "OTH",
}


_SINGLE_AGE = re.compile(r"^Y(\d+|_LT1|_OPEN|_GE\d+)$")


@dataclass(frozen=True, slots=True)
class EstatDataset:
    code: str
    title: str
    tables: tuple[TableMap, ...]
    source_type: str
    population: str | None = None
    residence_rule: str | None = None
    """Eurostat's migration flows follow the 12-month rule (Regulation (EC) 862/2007)."""

    @property
    def origin_concept(self) -> str | None:
        """Eurostat's migration datasets break down by citizenship."""
        return "CITIZENSHIP" if self.code.startswith("MIGR") else None


def _s01_age(code: str) -> str:
    """demo_pjan ages: five-year groups map through the AGE aliases; single years of age are
    not a breakdown of S01 and are not stored."""
    return SKIP if _SINGLE_AGE.match(code) and code not in ("Y_GE80",) else code


_PERSONS = frozenset({"PER", "NR", "Person", "Persons", "Number"})
"""The unit of a count of persons, as a code or as the label of a labelled export."""
_ANNUAL = frozenset({"A", "Annual"})
_TOTAL = frozenset({"TOTAL", "Total", "T", "_T"})
_COMPLETED = frozenset({"COMPLET", "Age in completed years"})
"""Eurostat gives ages two ways (completed years, or reached during the year); the totals
are the same, and only one is kept so that no value is counted twice."""
_COUNTS = {"UNIT": _PERSONS, "FREQ": _ANNUAL}


def _by_citizenship(table: str, *, sex: bool = True, totals: tuple[str, ...] = ()) -> TableMap:
    """A table of persons by citizenship (and sex), keeping only the totals of the dataset's
    other breakdowns (age, reason, place of apprehension ...)."""
    dims = {"CITIZENSHIP": "CITIZEN"} | ({"SEX": "SEX"} if sex else {})
    select = {dim: _TOTAL for dim in totals} | {"AGEDEF": _COMPLETED}
    return TableMap(table, dims, {"SEX": _SEX} if sex else {}, select=select, require=_COUNTS)


_ASYLUM_APPLICANTS = TableMap(
    "A05",
    {"CITIZENSHIP": "CITIZEN", "SEX": "SEX", "AGE": "AGE", "APPLICANT_TYPE": "ASYL_APP"},
    {"SEX": _SEX},
    require=_COUNTS,
)
_FIRST_PERMITS = TableMap(
    "A01",
    {"CITIZENSHIP": "CITIZEN", "REASON": "REASON"},
    {"REASON": _REASON},
    select={"DURATION": _TOTAL},
    require=_COUNTS,
)
_IMMIGRANTS = TableMap(
    "F03",
    {"CITIZENSHIP": "CITIZEN", "SEX": "SEX"},
    {"SEX": _SEX},
    select={"AGE": _TOTAL, "AGEDEF": _COMPLETED},
    require=_COUNTS,
    fixed={"DURATION": "LT"},
)
_ENFORCEMENT = {
    "MIGR_EIRFS": (
        "Third-country nationals refused entry at the external borders",
        _by_citizenship("E01", sex=False, totals=("REASON", "BORDER")),
    ),
    "MIGR_EIPRE": (
        "Third-country nationals found to be illegally present",
        _by_citizenship("E02", totals=("AGE", "REASON", "APPREHEN")),
    ),
    "MIGR_EIORD": (
        "Third-country nationals ordered to leave",
        _by_citizenship("E03", totals=("AGE",)),
    ),
    "MIGR_EIRTN": (
        "Third-country nationals returned following an order to leave",
        _by_citizenship("E04", totals=("AGE", "C_DEST", "TYPE_RTN", "RTN_ASST")),
    ),
}
DATASETS: dict[str, EstatDataset] = {
    "MIGR_RESFIRST": EstatDataset(
        "MIGR_RESFIRST",
        "First permits by reason, length of validity and citizenship",
        (
            TableMap(
                "A01",
                {"CITIZENSHIP": "CITIZEN", "REASON": "REASON"},
                {"REASON": _REASON},
                select={"DURATION": _TOTAL},
                require=_COUNTS,
            ),
            TableMap(
                "A01V",
                {"CITIZENSHIP": "CITIZEN", "REASON": "REASON", "VALIDITY": "DURATION"},
                {"REASON": _REASON},
                require=_COUNTS,
                only_if_broken_down="DURATION",
            ),
        ),
        SourceType.PERMITS.value,
    ),
    "MIGR_RESVALID": EstatDataset(
        "MIGR_RESVALID",
        "All valid permits by reason, length of validity and citizenship on 31 December",
        (
            TableMap(
                "A02",
                {"CITIZENSHIP": "CITIZEN", "REASON": "REASON"},
                {"REASON": _REASON},
                select={"DURATION": _TOTAL, "SEX": _TOTAL},
                require=_COUNTS,
                period="dec31",
            ),
        ),
        SourceType.PERMITS.value,
        population="residence permits valid on 31 December",
    ),
    "MIGR_ASYAPPCTZA": EstatDataset(
        "MIGR_ASYAPPCTZA",
        "Asylum applicants by type of applicant, citizenship, age and sex",
        (_ASYLUM_APPLICANTS,),
        SourceType.ASYLUM.value,
    ),
    "TPS00191": EstatDataset(
        "TPS00191",
        "Asylum applicants by type of applicant, citizenship, age and sex (main table)",
        (_ASYLUM_APPLICANTS,),
        SourceType.ASYLUM.value,
    ),
    "TPS00171": EstatDataset(
        "TPS00171",
        "First residence permits by reason (main table)",
        (_FIRST_PERMITS,),
        SourceType.PERMITS.value,
    ),
    "TPS00176": EstatDataset(
        "TPS00176",
        "Immigration (main table)",
        (_IMMIGRANTS,),
        SourceType.REGISTER.value,
        residence_rule=ResidenceRule.M12.value,
    ),
    "MIGR_IMM1CTZ": EstatDataset(
        "MIGR_IMM1CTZ",
        "Immigration by age group, sex and citizenship",
        (_IMMIGRANTS,),
        SourceType.REGISTER.value,
        residence_rule=ResidenceRule.M12.value,
    ),
    "MIGR_ACQ": EstatDataset(
        "MIGR_ACQ",
        "Acquisition of citizenship by age group, sex and former citizenship",
        (_by_citizenship("C01", totals=("AGE",)),),
        SourceType.REGISTER.value,
    ),
    **{
        code: EstatDataset(code, title, (tmap,), SourceType.ADMINISTRATIVE.value)
        for code, (title, tmap) in _ENFORCEMENT.items()
    },
    "MIGR_ASYDCFSTA": EstatDataset(
        "MIGR_ASYDCFSTA",
        "First instance decisions on applications by citizenship, age and sex",
        (
            TableMap(
                "A06",
                {"CITIZENSHIP": "CITIZEN", "SEX": "SEX", "AGE": "AGE", "DECISION": "DECISION"},
                {"SEX": _SEX},
                require=_COUNTS,
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
                require=_COUNTS,
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


def _lookup(dataset: str) -> tuple[tuple[TableMap, ...], EstatDataset] | None:
    known = DATASETS.get(dataset)
    return None if known is None else (known.tables, known)


curated = curator(_lookup, resolve_geo)
"""The mappers of a dataset of :data:`DATASETS` (``None`` for any other dataset, or when
``table`` is none of its tables)."""


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
