"""The OECD's quirks: its International Migration Database (``DSD_MIG``) and its areas.

The OECD Data Explorer gives the International Migration Database as dataflow
``OECD.ELS.IMD:DSD_MIG@DF_MIG``: one data structure whose ``MEASURE`` says what a value is.
Each measure is a table of migstat's (the OECD's own definitions, as its metadata state them):

* ``B11`` inflows of foreign population by nationality → F03 (immigration by citizenship);
* ``B12`` outflows of foreign population by nationality → F04;
* ``B13`` inflows of asylum seekers by nationality → A05 (all applicants, all ages);
* ``B16`` acquisitions of nationality by former nationality → C01;
* ``B14`` stock of foreign-born population by country of birth → S01 (dataflow
  ``DSD_MIG_F@DF_MIG_POPF``, the partner in the ``CITIZENSHIP`` position as in ``DSD_MIG``);
* ``B15`` stock of foreign population by nationality → S02.

**The stocks' reference date.** The data give only a year. The OECD's metadata for the stock
tables of its International Migration Outlook (tables A.4/B.4 and A.5/B.5) state each country's
source and reference date; for the population registers and registers of foreigners that most
series come from, the count is at the end of the year given (31 December, or 1 January of the
next year, the same instant). So a stock of year *Y* is stored on *Y*-12-31, and the table
metadata say so, with the exception the OECD documents: a series from a census or a labour
force survey counts on the census day or as an annual average, which the file does not show —
the note tells the user to check the OECD's country notes before comparing dates.
In a stock table the partner ``W`` is every foreign country (AREA ``FOR``), not the total
population: the OECD counts only the foreign-born (or foreigners).

Areas are ISO alpha-3; in a flow table the partner ``W`` is the world (all countries,
``_T``). Flows follow
national definitions (permanent and long-term, by residence permit or by register), stated as
residence rule *other* in the table metadata, with the duration counted as long-term.
"""

from __future__ import annotations

from collections.abc import Mapping

from migstat.model.data import Location, Observation, ResidenceRule, SourceType
from migstat.sources.coded import Agency, sdmx_status
from migstat.sources.cube import CubeMapper, Status
from migstat.sources.curation import TableMap, curator
from migstat.sources.names import resolve_country

AGENCY_ID = "OECD.ELS.IMD"
ALIASES = ("OECD", "OECD.ELS", "OECD.ELS.IMD")
PUBLISHER = "OECD, International Migration Database"
URL = "https://data-explorer.oecd.org/"
LICENCE = "OECD terms and conditions (https://www.oecd.org/termsandconditions/)"

_TOTAL = frozenset({"_T", "_Z"})
"""A breakdown the table does not have: its total, or not applicable."""
_COUNTS = {"UNIT_MEASURE": frozenset({"PS"}), "FREQ": frozenset({"A"})}


def _by_citizenship(table: str, measure: str, *, duration: bool) -> TableMap:
    return TableMap(
        table,
        {"CITIZENSHIP": "CITIZENSHIP", "SEX": "SEX"},
        select={
            "MEASURE": frozenset({measure}),
            "BIRTH_PLACE": _TOTAL,
            "EDUCATION_LEV": _TOTAL,
            "AGE": _TOTAL,
        },
        require=_COUNTS,
        fixed={"DURATION": "LT"} if duration else {},
    )


def _stock(table: str, measure: str, partner: str) -> TableMap:
    """A stock at the end of the year (see the module's docstring), all ages."""
    return TableMap(
        table,
        {partner: "CITIZENSHIP", "SEX": "SEX"},
        select={
            "MEASURE": frozenset({measure}),
            "BIRTH_PLACE": _TOTAL,
            "EDUCATION_LEV": _TOTAL,
            "AGE": _TOTAL,
        },
        require=_COUNTS,
        fixed={"AGE": "_T"},
        period="dec31",
    )


MEASURES: dict[str, TableMap] = {
    "B11": _by_citizenship("F03", "B11", duration=True),
    "B12": _by_citizenship("F04", "B12", duration=True),
    "B13": TableMap(
        "A05",
        {"CITIZENSHIP": "CITIZENSHIP", "SEX": "SEX"},
        select={"MEASURE": frozenset({"B13"}), "BIRTH_PLACE": _TOTAL, "EDUCATION_LEV": _TOTAL},
        require=_COUNTS,
    ),
    "B16": _by_citizenship("C01", "B16", duration=False),
    "B14": _stock("S01", "B14", "COUNTRY_BIRTH"),
    "B15": _stock("S02", "B15", "CITIZENSHIP"),
}
"""The measures of ``DSD_MIG`` that migstat stores, each in its table."""


STOCK_DATE_NOTE = (
    "reference date: 31 December of the year given (the OECD's convention for register-based "
    "stocks; a series from a census or a labour force survey counts on the census day or as "
    "an annual average: see the OECD's country notes to tables A.4-B.5 of the International "
    "Migration Outlook)"
)
_STOCKS = {
    "S01": {
        "population": "foreign-born population (OECD measure B14)",
        "origin_concept": "BIRTH",
        "notes": STOCK_DATE_NOTE + "; partner FOR is the total foreign-born population",
    },
    "S02": {
        "population": "foreign population (OECD measure B15)",
        "origin_concept": "CITIZENSHIP",
        "notes": STOCK_DATE_NOTE + "; partner FOR is the total foreign population",
    },
}
"""What the table metadata say of the stock measures (see the module's docstring)."""


class _Rounding(CubeMapper):
    """The OECD publishes some countries' counts as estimates with decimals (Spain's and
    France's inflows: ``248350.1526``). A table of persons holds whole numbers: such a value
    is stored rounded, flagged estimated (OBS_STATUS E), with the published value in the
    observation's comment, so nothing is lost and nothing is presented as counted."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.table.kind.value == "stock":  # W counts the foreign-born, not everyone
            self.resolve_area = _stock_partner

    def add(
        self, record: Mapping[str, str], value: float | None, flag: str | None, where: Location
    ) -> Observation | None:
        if value is None or float(value).is_integer():
            return super().add(record, value, flag, where)
        obs = super().add(record, round(value), flag, where)
        if obs is not None:
            obs.obs_status = "E"
            obs.comment = f"OECD published {value!r} (an estimate); stored rounded"
        return obs


class _OtherThan(frozenset[str]):
    """Every code but those given (a record of a measure no table takes)."""

    def __contains__(self, code: object) -> bool:
        return not super().__contains__(code)


def resolve_area(text: str) -> str | None:
    """An AREA code for an OECD area: ISO alpha-3, and ``W`` for the world."""
    code = text.strip()
    if code in ("W", "WORLD", "World"):
        return "_T"
    return resolve_country(code)


def _stock_partner(text: str) -> str | None:
    code = resolve_area(text)
    return "FOR" if code == "_T" else code


def status(flag: str | None, missing: bool) -> Status:
    """The OECD's ``OBS_STATUS`` codes are SDMX's."""
    return sdmx_status(flag, missing)


class Imd:
    """What the table metadata say about the International Migration Database."""

    title = "International Migration Database"
    source_type = SourceType.OTHER.value
    population = None
    origin_concept = "CITIZENSHIP"
    residence_rule = ResidenceRule.OTHER.value

    def for_table(self, table: str) -> dict[str, str | None]:
        """The stocks' own population, partner concept and reference-date note."""
        if table in _STOCKS:
            return {**_STOCKS[table], "residence_rule": None}
        return {}


_GUARD = TableMap(
    "F03",
    {},
    select={"MEASURE": _OtherThan(MEASURES)},
    require={"MEASURE": frozenset(MEASURES)},
    only_if_broken_down="\x00never kept",
)
"""Takes every record of a measure no table takes, and stops there naming its line, so that
nothing is dropped unsaid."""


def _lookup(dataset: str) -> tuple[tuple[TableMap, ...], Imd] | None:
    if dataset not in ("DSD_MIG", "DF_MIG", "DSD_MIG_F", "DF_MIG_POPF"):
        return None
    return (*MEASURES.values(), _GUARD), Imd()


curated = curator(_lookup, resolve_area, _Rounding)
"""The mappers of ``DSD_MIG``: one table per measure."""


AGENCY = Agency(
    AGENCY_ID,
    PUBLISHER,
    URL,
    LICENCE,
    resolve_area=resolve_area,
    status=status,
    curated=curated,
    mapped=("DSD_MIG", "DSD_MIG_F"),
)
"""The OECD's quirks, for the readers of coded records of :mod:`migstat.sources.coded`."""
