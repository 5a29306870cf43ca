"""Synthetic but internally consistent questionnaire data, for the demo and for tests.

:func:`consistent_dataset` makes the nine standard tables of one country and year so that
every hierarchy adds up exactly (sex, age, education, reasons, the world total over partner
countries) and the cross-table identities hold (S01 and S02 describe the same population; S03
and S04 are the foreign-born and the non-citizens aged 15 and over of S01 and S02; F03 and F04
split the immigrants and emigrants of F01 and F02 by citizenship). Partner countries follow
``weights`` (for the demo: the country's real UN DESA stock by country of birth) so the
numbers look like the country's migration, but they are **not** official statistics: the
dataset is marked synthetic, and so is everything made from it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import product
from pathlib import Path

from migstat.model import (
    Dataset,
    Observation,
    Registry,
    SubmissionMetadata,
    TableMetadata,
    default_registry,
)

POPULATION_THOUSANDS = {
    "ARM": 2_960, "AZE": 10_100, "BLR": 9_200, "GEO": 3_700, "KAZ": 19_800, "KGZ": 7_000,
    "MDA": 2_500, "RUS": 146_000, "TJK": 10_100, "TKM": 6_400, "UKR": 37_000, "UZB": 36_000,
}
"""Rounded resident populations (millions x 1000), only to give the demo plausible sizes."""

REGION = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
AGES = ("Y0T4", "Y5T9", "Y10T14", "Y15T19", "Y20T24", "Y25T29", "Y30T34", "Y35T39", "Y40T44",
        "Y45T49", "Y50T54", "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y75T79", "Y_GE80")
ADULT = AGES[3:]
NATIVE_PROFILE = (9, 9, 8, 7, 7, 8, 8, 8, 7, 6, 6, 6, 5, 4, 3, 2, 2)
STOCK_PROFILE = (1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 9, 9, 8, 6, 5)
"""Foreign-born stocks in the region are old: many were born elsewhere in the USSR."""
MOVER_PROFILE = (6, 4, 3, 6, 14, 16, 13, 10, 8, 6, 4, 3, 2, 2, 1, 1, 1)
EDU_LEVELS = ("ED0", "ED1", "ED2", "ED3", "ED4", "ED5", "ED6", "ED7", "ED8")
EDU_PROFILE = (1, 3, 10, 35, 12, 14, 15, 9, 1)
REASONS = ("FAM", "EDUC", "OCC", "PROT", "FREE", "SETTLE", "OTH")
REASON_PROFILE = (30, 15, 40, 2, 0, 8, 5)
ALL_TOTALS = ("_T", "_T", "_T")


def split(total: int, weights: Sequence[float], rng: random.Random | None = None,
          jitter: float = 0.0) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` exactly
    (largest remainder), optionally with a little random noise in the weights."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    w = [max(x, 0.0) * (1 + jitter * (rng.random() - 0.5) if rng else 1) for x in weights]
    s = sum(w) or 1.0
    raw = [total * x / s for x in w]
    out = [int(r) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[:rest]:
        out[i] += 1
    return out


def _partners(country: str, weights: dict[str, float] | None, rng: random.Random,
              registry: Registry, n: int = 30) -> dict[str, float]:
    """Partner countries and their weights: the largest of ``weights``, or the region;
    ``n = 0`` means every partner country of the questionnaire (a dense table)."""
    allowed = set(registry.areas.subsets["partner"]) - {"_T", "_U", "STATELESS", country}
    if n == 0:
        weights = weights or {}
        return {p: weights.get(p) or rng.uniform(10, 3000)
                for p in registry.areas.subsets["partner"] if p in allowed}
    if weights:
        ranked = sorted(((w, p) for p, w in weights.items() if p in allowed and w > 0),
                        reverse=True)[:n]
        if ranked:
            return {p: w for w, p in ranked}
    base = {p: rng.uniform(200, 5000) for p in REGION if p != country}
    for p in ("TUR", "CHN", "DEU", "USA", "IRN", "AFG", "IND", "KOR"):
        base[p] = rng.uniform(50, 800)
    return base


class _Builder:
    def __init__(self, country: str, year: int, registry: Registry) -> None:
        self.country = country
        self.year = year
        self.registry = registry
        self.obs: list[Observation] = []

    def add(self, table: str, period: str, key: tuple[str, ...], value: int) -> None:
        self.obs.append(Observation(table, self.country, period, key, float(value)))


def with_totals(bottom: dict[tuple[str, ...], int], totals: Sequence[str | None]
                ) -> dict[tuple[str, ...], int]:
    """The finest cells plus every total cell as their sum, along each key position whose
    ``totals`` entry is a total code (``None``: the dimension has no total, e.g. DURATION)."""
    dims = [i for i, t in enumerate(totals) if t is not None]
    out: dict[tuple[str, ...], int] = {}
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


def consistent_dataset(country: str = "KGZ", year: int = 2024, *, seed: int = 0,
                       weights: dict[str, float] | None = None,
                       registry: Registry | None = None, scale: float = 1.0,
                       n_partners: int = 30) -> Dataset:
    """A complete, consistent questionnaire dataset for ``country`` and ``year``, with data
    for the ``n_partners`` largest partner countries (0: every country, about 150,000 cells)."""
    reg = registry or default_registry()
    rng = random.Random(f"{country}-{year}-{seed}")
    partners = _partners(country, weights, rng, reg, n_partners)
    pop = int(POPULATION_THOUSANDS.get(country, 5_000) * 1000 * scale)
    foreign_total = int(sum(partners.values()) * scale) if weights else int(pop * 0.05)
    foreign_total = min(foreign_total, pop // 3)
    b = _Builder(country, year, reg)
    stock_period = f"{year}-01-01"
    flow_period = str(year)

    # S01: population by country of birth x sex x age (natives on the reporting country's row).
    births = dict(zip(partners, split(foreign_total, list(partners.values())), strict=True))
    births[country] = pop - foreign_total
    s01: dict[tuple[str, ...], int] = {}
    for p, n in births.items():
        profile = NATIVE_PROFILE if p == country else STOCK_PROFILE
        m, f = split(n, (0.48, 0.52), rng, 0.1)
        for sex, ns in (("M", m), ("F", f)):
            for age, v in zip(AGES, split(ns, profile, rng, 0.2), strict=True):
                s01[(p, sex, age)] = v
            s01[(p, sex, "_U")] = 0
        for age in (*AGES, "_U"):
            s01[(p, "_U", age)] = 0
    s01 = with_totals(s01, ALL_TOTALS)

    # S02: citizenship: a fifth of the foreign-born are foreign citizens, a few stateless.
    s02: dict[tuple[str, ...], int] = {}
    for (p, sex, age), v in s01.items():
        if p in ("_T", country) or "_T" in (sex, age):
            continue
        s02[(p, sex, age)] = v // 5
    for sex in ("M", "F", "_U"):
        for age in (*AGES, "_U"):
            foreign_born = s01[("_T", sex, age)] - s01[(country, sex, age)]
            stateless = foreign_born // 200
            noncit = sum(s02.get((p, sex, age), 0) for p in partners)
            s02[("STATELESS", sex, age)] = stateless
            s02[(country, sex, age)] = s01[("_T", sex, age)] - noncit - stateless
    s02 = with_totals(s02, ALL_TOTALS)

    def education(src: dict[tuple[str, ...], int], rows: Iterable[str]) -> dict:
        out: dict[tuple[str, ...], int] = {}
        for p in rows:
            for sex in ("M", "F", "_U"):
                n = sum(src.get((p, sex, a), 0) for a in ADULT)
                levels = split(n, EDU_PROFILE, rng, 0.3)
                for lev, v in zip(EDU_LEVELS, levels, strict=True):
                    out[(p, sex, lev)] = v
                out[(p, sex, "_U")] = 0
        return with_totals(out, ALL_TOTALS)

    s03 = education(s01, list(partners))
    s04 = education(s02, [*partners, "STATELESS"])

    # Flows: F01/F02 by previous/next residence x duration x sex x age; F03/F04 by citizenship.
    def flows(scale_share: float, returning: float) -> tuple[dict, dict]:
        by_res: dict[tuple[str, ...], int] = {}
        for dur, share in (("LT", 1.0), ("ST", 0.6)):
            size = int(pop * scale_share * share)
            amounts = split(size, list(partners.values()), rng, 0.4)
            for p, n in zip(partners, amounts, strict=True):
                m, f = split(n, (0.55, 0.45), rng, 0.2)
                for sex, ns in (("M", m), ("F", f)):
                    for age, v in zip(AGES, split(ns, MOVER_PROFILE, rng, 0.3), strict=True):
                        by_res[(p, dur, sex, age)] = v
                    by_res[(p, dur, sex, "_U")] = 0
                for age in (*AGES, "_U"):
                    by_res[(p, dur, "_U", age)] = 0
        by_res = with_totals(by_res, ("_T", None, "_T", "_T"))
        by_cit: dict[tuple[str, ...], int] = {}
        cit_rows = [country, *partners, "STATELESS"]
        cit_w = [returning * sum(partners.values()), *partners.values(),
                 0.002 * sum(partners.values())]
        for dur in ("LT", "ST"):
            for sex in ("M", "F", "_U"):
                total = by_res[("_T", dur, sex, "_T")]
                for p, v in zip(cit_rows, split(total, cit_w, rng, 0.2), strict=True):
                    by_cit[(p, dur, sex)] = v
        by_cit = with_totals(by_cit, ("_T", None, "_T"))
        return by_res, by_cit

    f01, f03 = flows(0.002, 0.35)
    f02, f04 = flows(0.003, 0.8)

    a01: dict[tuple[str, ...], int] = {}
    for p, w in partners.items():
        n = int(w * 0.02 * scale) + rng.randint(0, 20)
        m, f = split(n, (0.6, 0.4), rng, 0.2)
        for sex, ns in (("M", m), ("F", f), ("_U", 0)):
            for reason, v in zip(REASONS, split(ns, REASON_PROFILE, rng, 0.3), strict=True):
                a01[(p, sex, reason)] = v
            a01[(p, sex, "_U")] = 0
    a01 = with_totals(a01, ALL_TOTALS)

    for table, cells, period in (("S01", s01, stock_period), ("S02", s02, stock_period),
                                 ("S03", s03, stock_period), ("S04", s04, stock_period),
                                 ("F01", f01, flow_period), ("F02", f02, flow_period),
                                 ("F03", f03, flow_period), ("F04", f04, flow_period),
                                 ("A01", a01, flow_period)):
        for key, v in cells.items():
            b.add(table, period, key, v)

    meta = SubmissionMetadata(country=country, year=year,
                              agency=f"National statistical office ({country})",
                              contact_name="Demo Contact", contact_email="migration@example.org",
                              language="both")
    for table in ("S01", "S02", "S03", "S04"):
        meta.tables[table] = TableMetadata(table, source_type="register",
                                           reference_date=stock_period,
                                           population_covered="usual residents")
    for table in ("F01", "F02", "F03", "F04"):
        meta.tables[table] = TableMetadata(table, source_type="register",
                                           reference_date=flow_period, residence_rule="12_months",
                                           population_covered="usual residents")
    meta.tables["A01"] = TableMetadata("A01", source_type="permits", reference_date=flow_period,
                                       population_covered="first permits")
    return Dataset(file_name=f"{country}_{year}.xlsx", format="questionnaire",
                   provider=country, observations=b.obs, metadata=meta, synthetic=True)


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
    clean = [Observation(o.table, o.ref_area, o.time_period, o.key, 0.0)
             if (o.value is None and o.comment) else o for o in dataset.observations]
    data = Dataset(dataset.file_name, dataset.format, dataset.provider, clean, meta,
                   synthetic=True)
    write_template(path, country=dataset.provider, year=meta.year or 0, tables=tables,
                   lang="both", registry=reg, data=data, synthetic=True)
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
