"""Synthetic but fully consistent questionnaire data: the one generator of the demo and the tests.

:func:`consistent_dataset` makes the nine standard tables (S01-S04, F01-F04, A01) of one country
and year with realistic integer numbers in which every hierarchy adds up (sex, age, education,
reasons, the world total over partner rows) and the cross-table identities hold (S01 and S02
describe the same population; S03 and S04 are the foreign-born and the non-citizens aged 15 and
over of S01 and S02; F03 and F04 split the immigrants and emigrants of F01 and F02 by
citizenship). Metadata are complete, and every observation and metadata field has a
questionnaire-like place (sheet and cell computed from the table's layout; the exact cells of a
written workbook are the questionnaire writer's business). A new standard table is taught here,
once, and both the demo and the tests get it.

Partner rows are those a country would fill: by default the reporting country, the other eleven
countries of the region, a couple of dozen others, stateless and unknown, with drawn weights;
with ``weights`` (for the demo: the country's real UN DESA stock by country of birth) the
largest partners of those weights, so the numbers look like the country's migration.
``dense=True`` gives every partner row of the questionnaire, mostly zeros, about 150,000
observations. Whatever the options, the numbers are **not** official statistics: the dataset is
marked synthetic, and so is everything made from it (:func:`write_workbook`).

The numbers are built bottom-up: the finest cells are drawn, every total is their sum, and the
tables derived from others (S02 from S01, S03/S04 from S01/S02 aged 15+, F03/F04 from F01/F02)
split the same totals differently. The same arguments always give the same numbers: the tests
assert on them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from openpyxl.utils import get_column_letter

from migstat.i18n import N_
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
OTHERS = (
    "CHN",
    "TUR",
    "DEU",
    "USA",
    "IND",
    "PAK",
    "AFG",
    "IRN",
    "KOR",
    "ISR",
    "LVA",
    "LTU",
    "EST",
    "POL",
    "ITA",
    "FRA",
    "GBR",
    "MNG",
    "CZE",
    "BGR",
    "ARE",
    "CAN",
    "JPN",
    "ESP",
)
POPULATION = {
    "ARM": 2_990_000,
    "AZE": 10_150_000,
    "BLR": 9_160_000,
    "GEO": 3_700_000,
    "KAZ": 20_030_000,
    "KGZ": 7_160_000,
    "MDA": 2_420_000,
    "RUS": 146_150_000,
    "TJK": 10_280_000,
    "TKM": 7_060_000,
    "UKR": 37_000_000,
    "UZB": 36_800_000,
}
"""Rounded resident populations, only to give plausible sizes."""
AGENCY = {
    "KGZ": N_("National Statistical Committee of the Kyrgyz Republic"),
    "KAZ": N_("Bureau of National Statistics of Kazakhstan"),
    "ARM": N_("Statistical Committee of the Republic of Armenia"),
}
"""The agencies of the synthetic questionnaires; stored in English, like the definitions
below, and shown in the page's language through the catalogs."""
WEIGHTED_PARTNERS = 30
"""With ``weights``: how many of the largest partners get rows."""

AGE_PARTS = (
    "Y0T4",
    "Y5T9",
    "Y10T14",
    "Y15T19",
    "Y20T24",
    "Y25T29",
    "Y30T34",
    "Y35T39",
    "Y40T44",
    "Y45T49",
    "Y50T54",
    "Y55T59",
    "Y60T64",
    "Y65T69",
    "Y70T74",
    "Y75T79",
    "Y_GE80",
    "_U",
)
AGE_15_PLUS = AGE_PARTS[3:17]
SEX_PARTS = ("M", "F", "_U")
EDU_PARTS = ("ED0", "ED1", "ED2", "ED3", "ED4", "ED5", "ED6", "ED7", "ED8", "_U")
REASON_PARTS = ("FAM", "EDUC", "OCC", "PROT", "FREE", "SETTLE", "OTH", "_U")
DURATIONS = ("LT", "ST")
ALL_TOTALS = ("_T", "_T", "_T")

# Relative weights: the resident population by age, the foreign-born by age (older: born in
# other Soviet republics), movers by age (young adults), education levels.
AGE_W_NATIVE = (10, 10, 9.5, 8.5, 8, 8, 8, 7.5, 7, 6.5, 6, 5.5, 4.5, 3.5, 2.5, 1.5, 1.2, 0.05)
AGE_W_FOREIGN = (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 8.5, 9, 9, 8.5, 7.5, 6, 4.5, 4, 0.3)
AGE_W_MOVERS = (5, 4, 3.5, 6, 14, 16, 13, 10, 7, 5, 4, 3, 2.5, 1.5, 1, 0.6, 0.4, 0.2)
EDU_W = (0.5, 2, 7, 35, 10, 8, 22, 12, 1, 2.5)
REASON_W = (30, 15, 35, 3, 5, 7, 4, 1)

Cells = dict[tuple[str, ...], int]


def split(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` exactly (largest
    remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    w = [max(x, 0.0) for x in weights]
    s = sum(w) or 1.0
    raw = [total * x / s for x in w]
    out = [int(r) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[:rest]:
        out[i] += 1
    return out


def with_totals(bottom: Cells, totals: Sequence[str | None]) -> Cells:
    """The finest cells plus every total cell as their sum, along each key position whose
    ``totals`` entry is a total code (``None``: the dimension has no total, e.g. DURATION)."""
    dims = [i for i, t in enumerate(totals) if t is not None]
    out: Cells = {}
    masks = list(product((False, True), repeat=len(dims)))
    for key, value in bottom.items():
        for mask in masks:
            k = list(key)
            for i, use in zip(dims, mask, strict=True):
                if use:
                    k[i] = totals[i]  # type: ignore[assignment]
            kt = tuple(k)
            out[kt] = out.get(kt, 0) + value
    return out


def _jitter(rng: random.Random, weights: Iterable[float], spread: float = 0.25) -> list[float]:
    return [w * rng.uniform(1 - spread, 1 + spread) for w in weights]


class _Builder:
    """Collects the observations of one submission, each at its questionnaire cell."""

    def __init__(self, country: str, registry: Registry, dense: bool, file_name: str) -> None:
        self.country = country
        self.registry = registry
        self.dense = dense
        self.file_name = file_name
        self.observations: list[Observation] = []

    def emit(self, table_id: str, period: str, values: Cells, partners: Sequence[str]) -> None:
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
            cell = f"{get_column_letter(first_col + c)}{first_row + r}"
            append(
                Observation(
                    table_id,
                    ref_area,
                    period,
                    key,
                    float(get(key, 0)),
                    where=Location(file=file_name, sheet=sheet, cell=cell),
                )
            )


@dataclass
class _Country:
    """What every table of one submission shares: who reports, its partners, the draws."""

    code: str
    pop: int
    rng: random.Random
    foreign: list[str]
    w_partner: dict[str, float]
    foreign_born: int
    builder: _Builder
    s01: Cells = field(default_factory=dict)
    s02: Cells = field(default_factory=dict)


def _drawn_partners(country: str, rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """The region and a couple of dozen others, with drawn weights; the region dominates."""
    region = [c for c in REGION if c != country]
    w_partner = {c: rng.uniform(3, 12) for c in region}
    w_partner.update({c: rng.uniform(0.2, 2) for c in OTHERS})
    w_partner["RUS"] = w_partner.get("RUS", 0) * 3 + 10 if country != "RUS" else 0
    return [*region, *OTHERS], w_partner


def _weighted_partners(
    country: str, weights: dict[str, float], registry: Registry
) -> tuple[list[str], dict[str, float]]:
    """The largest partner countries of ``weights`` (none when no weight is usable)."""
    allowed = set(registry.areas.subsets["partner"]) - {"_T", "_U", "STATELESS", country}
    ranked = sorted(((w, p) for p, w in weights.items() if p in allowed and w > 0), reverse=True)[
        :WEIGHTED_PARTNERS
    ]
    return [p for _w, p in ranked], {p: w for w, p in ranked}


def _stocks_by_birth(c: _Country, period: str) -> None:
    """S01: the population by country of birth, sex and age."""
    rng, pop, fb = c.rng, c.pop, c.foreign_born
    births = [c.code, *c.foreign, "_U"]
    total_w = sum(c.w_partner.values())
    totals_by_birth = dict(
        zip(
            births,
            split(
                pop,
                [
                    (pop - fb) / pop,
                    *(c.w_partner[p] / total_w * fb / pop for p in c.foreign),
                    0.0004,
                ],
            ),
            strict=True,
        )
    )
    for p, n in totals_by_birth.items():
        by_sex = split(n, [rng.uniform(0.46, 0.52), rng.uniform(0.48, 0.54), 0.0005])
        age_w = AGE_W_NATIVE if p == c.code else AGE_W_FOREIGN
        for s, ns in zip(SEX_PARTS, by_sex, strict=True):
            for a, v in zip(AGE_PARTS, split(ns, _jitter(rng, age_w, 0.1)), strict=True):
                c.s01[(p, s, a)] = v
    c.builder.emit("S01", period, with_totals(c.s01, ALL_TOTALS), births)


def _stocks_by_citizenship(c: _Country, period: str) -> None:
    """S02: the same population by citizenship."""
    keep = {p: c.rng.uniform(0.2, 0.6) for p in c.foreign}  # foreign-born still foreigners
    births = [c.code, *c.foreign, "_U"]
    citizenships = [c.code, *c.foreign, "STATELESS", "_U"]
    for s in SEX_PARTS:
        for a in AGE_PARTS:
            total = sum(c.s01[(p, s, a)] for p in births)
            others = 0
            for p in c.foreign:
                v = int(c.s01[(p, s, a)] * keep[p])
                c.s02[(p, s, a)] = v
                others += v
            c.s02[("STATELESS", s, a)] = stateless = int(total * 0.0006)
            c.s02[("_U", s, a)] = unknown = int(total * 0.0003)
            c.s02[(c.code, s, a)] = total - others - stateless - unknown
    c.builder.emit("S02", period, with_totals(c.s02, ALL_TOTALS), citizenships)


def _stocks_by_education(c: _Country, period: str) -> None:
    """S03 / S04: the foreign-born and the non-citizens aged 15+ by education."""
    for table_id, source, rows in (
        ("S03", c.s01, [*c.foreign, "_U"]),
        ("S04", c.s02, [*c.foreign, "STATELESS", "_U"]),
    ):
        cells: Cells = {}
        for p in rows:
            for s in SEX_PARTS:
                n = sum(source[(p, s, a)] for a in AGE_15_PLUS)
                for e, v in zip(EDU_PARTS, split(n, _jitter(c.rng, EDU_W)), strict=True):
                    cells[(p, s, e)] = v
        c.builder.emit(table_id, period, with_totals(cells, ALL_TOTALS), rows)


def _flows_by_residence(c: _Country, table_id: str, period: str, rate: float) -> Cells:
    """F01 / F02: movers by previous or next residence, duration, sex and age."""
    rng = c.rng
    movers_rows = [*c.foreign, "_U"]
    cells: Cells = {}
    for d, scale in zip(DURATIONS, (1.0, 1.8), strict=True):
        total = int(c.pop * rate * scale)
        weights = [c.w_partner[p] for p in c.foreign] + [0.3]
        for p, n in zip(movers_rows, split(total, _jitter(rng, weights)), strict=True):
            by_sex = split(n, [rng.uniform(0.5, 0.62), rng.uniform(0.38, 0.5), 0.01])
            for s, ns in zip(SEX_PARTS, by_sex, strict=True):
                for a, v in zip(AGE_PARTS, split(ns, _jitter(rng, AGE_W_MOVERS)), strict=True):
                    cells[(p, d, s, a)] = v
    c.builder.emit(table_id, period, with_totals(cells, ("_T", None, "_T", "_T")), movers_rows)
    return cells


def _flows_by_citizenship(
    c: _Country, table_id: str, period: str, by_residence: Cells, own_share: float
) -> None:
    """F03 / F04: the same movers by citizenship, ``own_share`` of them the country's own."""
    movers_rows = [*c.foreign, "_U"]
    cit_rows = [c.code, *c.foreign, "STATELESS", "_U"]
    cells: Cells = {}
    foreign_w = [c.w_partner[p] * c.rng.uniform(0.7, 1.3) for p in c.foreign]
    scale_foreign = (1 - own_share) / sum(foreign_w)
    weights = [
        own_share,
        *(w * scale_foreign * 0.97 for w in foreign_w),
        (1 - own_share) * 0.02,
        (1 - own_share) * 0.01,
    ]
    for d in DURATIONS:
        for s in SEX_PARTS:
            total = sum(by_residence[(p, d, s, a)] for p in movers_rows for a in AGE_PARTS)
            for p, v in zip(cit_rows, split(total, weights), strict=True):
                cells[(p, d, s)] = v
    c.builder.emit(table_id, period, with_totals(cells, ("_T", None, "_T")), cit_rows)


def _permits(c: _Country, period: str) -> None:
    """A01: first residence permits by citizenship, sex and reason."""
    rng = c.rng
    cells: Cells = {}
    permit_rows = [*c.foreign, "STATELESS"]
    permits = int(c.pop * rng.uniform(0.0008, 0.0015))
    weights = [c.w_partner[p] for p in c.foreign] + [0.2]
    for p, n in zip(permit_rows, split(permits, _jitter(rng, weights)), strict=True):
        by_sex = split(n, [rng.uniform(0.5, 0.6), rng.uniform(0.4, 0.5), 0.005])
        for s, ns in zip(SEX_PARTS, by_sex, strict=True):
            for r, v in zip(REASON_PARTS, split(ns, _jitter(rng, REASON_W)), strict=True):
                cells[(p, s, r)] = v
    c.builder.emit("A01", period, with_totals(cells, ALL_TOTALS), permit_rows)


def consistent_dataset(
    country: str = "KGZ",
    year: int = 2024,
    *,
    seed: int = 0,
    weights: dict[str, float] | None = None,
    registry: Registry | None = None,
    dense: bool = False,
) -> Dataset:
    """A national questionnaire submission of ``country`` for ``year`` in which every rule of
    migstat holds; partners follow ``weights`` when given (see the module's description)."""
    registry = registry or default_registry()
    rng = random.Random(f"{country}-{year}-{seed}")
    file_name = f"{country}_{year}.xlsx"
    pop = POPULATION.get(country, 5_000_000)
    foreign, w_partner = _weighted_partners(country, weights or {}, registry)
    if foreign:
        foreign_born = min(int(sum(w_partner.values())), pop // 3)
    else:
        foreign, w_partner = _drawn_partners(country, rng)
        foreign_born = int(pop * rng.uniform(0.05, 0.09))
    c = _Country(
        country,
        pop,
        rng,
        foreign,
        w_partner,
        foreign_born,
        _Builder(country, registry, dense, file_name),
    )
    stock_period, flow_period = f"{year}-01-01", str(year)
    _stocks_by_birth(c, stock_period)
    _stocks_by_citizenship(c, stock_period)
    _stocks_by_education(c, stock_period)
    immigration_rate, emigration_rate = rng.uniform(0.0004, 0.0008), rng.uniform(0.0008, 0.0014)
    immigrants = _flows_by_residence(c, "F01", flow_period, immigration_rate)
    _flows_by_citizenship(c, "F03", flow_period, immigrants, 0.3)
    emigrants = _flows_by_residence(c, "F02", flow_period, emigration_rate)
    _flows_by_citizenship(c, "F04", flow_period, emigrants, 0.85)
    _permits(c, flow_period)
    return Dataset(
        file_name=file_name,
        format="questionnaire",
        provider=country,
        observations=c.builder.observations,
        metadata=complete_metadata(country, year, registry, file_name),
        synthetic=True,
    )


def complete_metadata(
    country: str, year: int, registry: Registry | None = None, file_name: str = "submission.xlsx"
) -> SubmissionMetadata:
    """Complete metadata for the standard tables, each field at a cell of a metadata sheet."""
    registry = registry or default_registry()

    def at(cell: str) -> Location:
        return Location(file=file_name, sheet="Metadata", cell=cell)

    tables: dict[str, TableMetadata] = {}
    fields = (
        "source_type",
        "reference_date",
        "residence_rule",
        "population_covered",
        "origin_concept",
        "rounding_base",
    )
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
            population_covered=(
                N_("total resident population")
                if table_id in ("S01", "S02")
                else N_("resident population aged 15 and over")
                if stock
                else N_("registered migrants")
            ),
            origin_concept=partner.concept if partner is not None else None,
            where={f: at(f"{get_column_letter(3 + n)}{row}") for n, f in enumerate(fields)},
        )
    return SubmissionMetadata(
        country=country,
        year=year,
        agency=AGENCY.get(country, f"National statistical office ({country})"),
        contact_name="Aigul Osmonova",
        contact_email="migration@stat.example.org",
        language="ru",
        tables=tables,
        where={
            "country": at("C4"),
            "year": at("C5"),
            "agency": at("C6"),
            "contact_name": at("C7"),
            "contact_email": at("C8"),
            "language": at("C9"),
        },
    )


def write_workbook(path: Path, dataset: Dataset, *, registry: Registry | None = None) -> Path:
    """Write ``dataset`` into a filled questionnaire (marked synthetic).

    An observation whose value is ``None`` and whose comment is set is written as that text,
    which is how the demo plants "text where a number belongs".
    """
    from openpyxl import load_workbook

    from migstat.formats.questionnaire import read_questionnaire, write_template

    reg = registry or default_registry()
    tables = list(dict.fromkeys(o.table for o in dataset.observations))
    meta = dataset.metadata
    texts = [o for o in dataset.observations if o.value is None and o.comment]
    # Planted text cells are first written as 0 so that the reader tells where they are.
    clean = [
        Observation(o.table, o.ref_area, o.time_period, o.key, 0.0)
        if (o.value is None and o.comment)
        else o
        for o in dataset.observations
    ]
    data = Dataset(dataset.file_name, dataset.format, dataset.provider, clean, meta, synthetic=True)
    write_template(
        path,
        country=dataset.provider,
        year=meta.year or 0,
        tables=tables,
        lang="both",
        registry=reg,
        data=data,
        synthetic=True,
    )
    if texts:
        back = read_questionnaire(path.read_bytes(), file_name=path.name, registry=reg)
        cells = {(o.table, o.key): o.where for o in back.observations}
        wb = load_workbook(path)
        for o in texts:
            where = cells.get((o.table, o.key))
            if where is None or not where.sheet or not where.cell:
                continue
            wb[where.sheet][where.cell].value = o.comment
        wb.save(path)
    return path
