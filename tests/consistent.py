"""A fully consistent national submission for tests, benchmarks and the demo.

``consistent_dataset("KGZ", 2024)`` builds the nine standard tables (S01-S04, F01-F04, A01)
for one country and year with realistic integer numbers in which every hierarchy adds up
(sex, age, education, reason, world = sum of partner rows) and the cross-table identities
hold (S01 = S02 in total; S03 = S01 foreign-born 15+; S04 = S02 non-citizens 15+; F01 = F03 and
F02 = F04 per duration and sex). Metadata are complete and every observation has a unique
questionnaire-like place (sheet = table id, cell computed from the table's layout; the exact
cells are the questionnaire writer's business).

Partner rows are sparse by default (the reporting country, the other eleven countries of the
region, a couple of dozen others, stateless and unknown: the rows a country would fill);
``dense=True`` gives every partner row of the questionnaire, mostly zeros, about 150,000
observations.

The numbers are built bottom-up: the finest cells are drawn, every total is their sum, and the
tables derived from others (S02 from S01, S03/S04 from S01/S02 aged 15+, F03/F04 from F01/F02)
split the same totals differently.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import product

from migstat.demo.synthetic import split, with_totals
from migstat.model import (
    Dataset,
    Location,
    Observation,
    Registry,
    SubmissionMetadata,
    TableDef,
    TableMetadata,
    default_registry,
)

STANDARD_TABLES = ("S01", "S02", "S03", "S04", "F01", "F02", "F03", "F04", "A01")

REGION = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
OTHERS = ("CHN", "TUR", "DEU", "USA", "IND", "PAK", "AFG", "IRN", "KOR", "ISR", "LVA", "LTU",
          "EST", "POL", "ITA", "FRA", "GBR", "MNG", "CZE", "BGR", "ARE", "CAN", "JPN", "ESP")
POPULATION = {"ARM": 2_990_000, "AZE": 10_150_000, "BLR": 9_160_000, "GEO": 3_700_000,
              "KAZ": 20_030_000, "KGZ": 7_160_000, "MDA": 2_420_000, "RUS": 146_150_000,
              "TJK": 10_280_000, "TKM": 7_060_000, "UKR": 37_000_000, "UZB": 36_800_000}
AGENCY = {"KGZ": "National Statistical Committee of the Kyrgyz Republic",
          "KAZ": "Bureau of National Statistics of Kazakhstan",
          "ARM": "Statistical Committee of the Republic of Armenia"}

AGE_PARTS = ("Y0T4", "Y5T9", "Y10T14", "Y15T19", "Y20T24", "Y25T29", "Y30T34", "Y35T39",
             "Y40T44", "Y45T49", "Y50T54", "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y75T79",
             "Y_GE80", "_U")
AGE_15_PLUS = AGE_PARTS[3:17]
SEX_PARTS = ("M", "F", "_U")
EDU_PARTS = ("ED0", "ED1", "ED2", "ED3", "ED4", "ED5", "ED6", "ED7", "ED8", "_U")
REASON_PARTS = ("FAM", "EDUC", "OCC", "PROT", "FREE", "SETTLE", "OTH", "_U")
DURATIONS = ("LT", "ST")

# Relative weights: the resident population by age, the foreign-born by age (older: born in
# other Soviet republics), movers by age (young adults), education levels.
AGE_W_NATIVE = (10, 10, 9.5, 8.5, 8, 8, 8, 7.5, 7, 6.5, 6, 5.5, 4.5, 3.5, 2.5, 1.5, 1.2, 0.05)
AGE_W_FOREIGN = (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 8.5, 9, 9, 8.5, 7.5, 6, 4.5, 4, 0.3)
AGE_W_MOVERS = (5, 4, 3.5, 6, 14, 16, 13, 10, 7, 5, 4, 3, 2.5, 1.5, 1, 0.6, 0.4, 0.2)
EDU_W = (0.5, 2, 7, 35, 10, 8, 22, 12, 1, 2.5)
REASON_W = (30, 15, 35, 3, 5, 7, 4, 1)


def _jitter(rng: random.Random, weights: Iterable[float], spread: float = 0.25) -> list[float]:
    return [w * rng.uniform(1 - spread, 1 + spread) for w in weights]


def _col(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


class _Builder:
    def __init__(self, country: str, year: int, rng: random.Random, registry: Registry,
                 dense: bool, file_name: str) -> None:
        self.country = country
        self.year = year
        self.rng = rng
        self.registry = registry
        self.dense = dense
        self.file_name = file_name
        self.observations: list[Observation] = []

    def emit(self, table_id: str, period: str, values: dict[tuple[str, ...], int],
             partners: Sequence[str]) -> None:
        """Observations of one table in questionnaire order, with their cells."""
        reg = self.registry
        table: TableDef = reg.tables[table_id]
        dim_ids = table.dimension_ids
        order = {d: list(reg.codes(table, d)) for d in dim_ids}
        partner = table.partner
        if partner is not None and not self.dense:
            order[partner.id] = ["_T", *partners]
        full_pos = {d: {c: n for n, c in enumerate(reg.codes(table, d))} for d in dim_ids}
        rows, cols = table.layout.rows, table.layout.columns
        radix_rows = [len(reg.codes(table, d)) for d in rows]
        radix_cols = [len(reg.codes(table, d)) for d in cols]
        first_row = 6 + len(cols)
        first_col = len(rows) + 2
        idx_rows = [dim_ids.index(d) for d in rows]
        idx_cols = [dim_ids.index(d) for d in cols]
        sheet = table.sheet
        file_name = self.file_name
        ref_area = self.country
        append = self.observations.append
        get = values.get
        pos_rows = [full_pos[d] for d in rows]
        pos_cols = [full_pos[d] for d in cols]
        for key in product(*(order[d] for d in dim_ids)):
            r = 0
            for n, i in enumerate(idx_rows):
                r = r * radix_rows[n] + pos_rows[n][key[i]]
            c = 0
            for n, i in enumerate(idx_cols):
                c = c * radix_cols[n] + pos_cols[n][key[i]]
            cell = f"{_col(first_col + c)}{first_row + r}"
            append(Observation(table_id, ref_area, period, key, float(get(key, 0)),
                               where=Location(file=file_name, sheet=sheet, cell=cell)))


def consistent_dataset(country: str = "KGZ", year: int = 2024, *, seed: int = 0,
                       registry: Registry | None = None, dense: bool = False) -> Dataset:
    """A national questionnaire submission in which every rule of migstat holds."""
    registry = registry or default_registry()
    rng = random.Random(f"{country}-{year}-{seed}")
    file_name = f"{country}_{year}.xlsx"
    b = _Builder(country, year, rng, registry, dense, file_name)
    stock_period = f"{year}-01-01"
    flow_period = str(year)
    pop = POPULATION.get(country, 5_000_000)

    region = [c for c in REGION if c != country]
    foreign = [*region, *OTHERS]
    # Weights of partner countries: the region dominates (brief, section 7).
    w_partner = {c: rng.uniform(3, 12) for c in region}
    w_partner.update({c: rng.uniform(0.2, 2) for c in OTHERS})
    w_partner["RUS"] = w_partner.get("RUS", 0) * 3 + 10 if country != "RUS" else 0

    # -- S01: population by country of birth ---------------------------------------------------
    s01: dict[tuple[str, ...], int] = {}
    foreign_born = int(pop * rng.uniform(0.05, 0.09))
    births = [country, *foreign, "_U"]
    totals_by_birth = dict(zip(births, split(pop, [
        (pop - foreign_born) / pop, *(w_partner[c] / sum(w_partner.values()) * foreign_born / pop
                                      for c in foreign), 0.0004]), strict=True))
    for p, n in totals_by_birth.items():
        by_sex = split(n, [rng.uniform(0.46, 0.52), rng.uniform(0.48, 0.54), 0.0005])
        age_w = AGE_W_NATIVE if p == country else AGE_W_FOREIGN
        for s, ns in zip(SEX_PARTS, by_sex, strict=True):
            for a, v in zip(AGE_PARTS, split(ns, _jitter(rng, age_w, 0.1)), strict=True):
                s01[(p, s, a)] = v
    b.emit("S01", stock_period, with_totals(s01, ("_T", "_T", "_T")), births)

    # -- S02: the same population by citizenship -----------------------------------------------
    s02: dict[tuple[str, ...], int] = {}
    keep = {c: rng.uniform(0.2, 0.6) for c in foreign}  # share of foreign-born still foreigners
    citizenships = [country, *foreign, "STATELESS", "_U"]
    for s in SEX_PARTS:
        for a in AGE_PARTS:
            total = sum(s01[(p, s, a)] for p in births)
            others = 0
            for c in foreign:
                v = int(s01[(c, s, a)] * keep[c])
                s02[(c, s, a)] = v
                others += v
            s02[("STATELESS", s, a)] = stateless = int(total * 0.0006)
            s02[("_U", s, a)] = unknown = int(total * 0.0003)
            s02[(country, s, a)] = total - others - stateless - unknown
    b.emit("S02", stock_period, with_totals(s02, ("_T", "_T", "_T")), citizenships)

    # -- S03 / S04: foreign-born and non-citizens aged 15+ by education -------------------------
    for table_id, source, rows in (("S03", s01, [*foreign, "_U"]),
                                   ("S04", s02, [*foreign, "STATELESS", "_U"])):
        cells: dict[tuple[str, ...], int] = {}
        for p in rows:
            for s in SEX_PARTS:
                n = sum(source[(p, s, a)] for a in AGE_15_PLUS)
                for e, v in zip(EDU_PARTS, split(n, _jitter(rng, EDU_W)), strict=True):
                    cells[(p, s, e)] = v
        b.emit(table_id, stock_period, with_totals(cells, ("_T", "_T", "_T")), rows)

    # -- F01 / F03 immigration, F02 / F04 emigration --------------------------------------------
    flows = (("F01", "F03", rng.uniform(0.0004, 0.0008), 0.3),
             ("F02", "F04", rng.uniform(0.0008, 0.0014), 0.85))
    for by_residence, by_citizenship, rate, own_share in flows:
        movers_rows = [*foreign, "_U"]
        fr: dict[tuple[str, ...], int] = {}
        for d, scale in zip(DURATIONS, (1.0, 1.8), strict=True):
            total = int(pop * rate * scale)
            weights = [w_partner[c] for c in foreign] + [0.3]
            for p, n in zip(movers_rows, split(total, _jitter(rng, weights)), strict=True):
                by_sex = split(n, [rng.uniform(0.5, 0.62), rng.uniform(0.38, 0.5), 0.01])
                for s, ns in zip(SEX_PARTS, by_sex, strict=True):
                    for a, v in zip(AGE_PARTS, split(ns, _jitter(rng, AGE_W_MOVERS)),
                                    strict=True):
                        fr[(p, d, s, a)] = v
        b.emit(by_residence, flow_period, with_totals(fr, ("_T", None, "_T", "_T")), movers_rows)

        cit_rows = [country, *foreign, "STATELESS", "_U"]
        fc: dict[tuple[str, ...], int] = {}
        foreign_w = [w_partner[c] * rng.uniform(0.7, 1.3) for c in foreign]
        scale_foreign = (1 - own_share) / sum(foreign_w)
        weights = [own_share, *(w * scale_foreign * 0.97 for w in foreign_w),
                   (1 - own_share) * 0.02, (1 - own_share) * 0.01]
        for d in DURATIONS:
            for s in SEX_PARTS:
                total = sum(fr[(p, d, s, a)] for p in movers_rows for a in AGE_PARTS)
                for c, v in zip(cit_rows, split(total, weights), strict=True):
                    fc[(c, d, s)] = v
        b.emit(by_citizenship, flow_period, with_totals(fc, ("_T", None, "_T")), cit_rows)

    # -- A01: first residence permits ------------------------------------------------------------
    a01: dict[tuple[str, ...], int] = {}
    permit_rows = [*foreign, "STATELESS"]
    permits = int(pop * rng.uniform(0.0008, 0.0015))
    weights = [w_partner[c] for c in foreign] + [0.2]
    for c, n in zip(permit_rows, split(permits, _jitter(rng, weights)), strict=True):
        by_sex = split(n, [rng.uniform(0.5, 0.6), rng.uniform(0.4, 0.5), 0.005])
        for s, ns in zip(SEX_PARTS, by_sex, strict=True):
            for r, v in zip(REASON_PARTS, split(ns, _jitter(rng, REASON_W)), strict=True):
                a01[(c, s, r)] = v
    b.emit("A01", flow_period, with_totals(a01, ("_T", "_T", "_T")), permit_rows)

    return Dataset(file_name=file_name, format="questionnaire", provider=country,
                   observations=b.observations,
                   metadata=complete_metadata(country, year, registry, file_name))


def complete_metadata(country: str, year: int, registry: Registry | None = None,
                      file_name: str = "submission.xlsx") -> SubmissionMetadata:
    """Complete metadata for the standard tables, each field at a cell of a metadata sheet."""
    registry = registry or default_registry()
    def at(cell: str) -> Location:
        return Location(file=file_name, sheet="Metadata", cell=cell)

    tables: dict[str, TableMetadata] = {}
    fields = ("source_type", "reference_date", "residence_rule", "population_covered",
              "origin_concept", "rounding_base")
    for row, table_id in enumerate(STANDARD_TABLES, start=12):
        table = registry.tables[table_id]
        stock = table.kind.value == "stock"
        partner = table.partner
        tables[table_id] = TableMetadata(
            table=table_id,
            source_type={"S": "census", "F": "register", "A": "permits"}[table_id[0]],
            reference_date=f"{year}-01-01" if stock else f"{year}-12-31",
            residence_rule=None if stock else "12_months",
            residence_rule_months=None if stock else 12,
            population_covered=("total resident population" if table_id in ("S01", "S02")
                                else "resident population aged 15 and over"
                                if stock else "registered migrants"),
            origin_concept=partner.concept if partner is not None else None,
            where={f: at(f"{_col(3 + n)}{row}") for n, f in enumerate(fields)},
        )
    return SubmissionMetadata(
        country=country, year=year,
        agency=AGENCY.get(country, f"National statistical office ({country})"),
        contact_name="Aigul Osmonova", contact_email="migration@stat.example.org",
        language="ru", tables=tables,
        where={"country": at("C4"), "year": at("C5"), "agency": at("C6"),
               "contact_name": at("C7"), "contact_email": at("C8"), "language": at("C9")},
    )
