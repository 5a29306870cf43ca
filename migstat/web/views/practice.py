"""The toolkit's worked examples of good and not-so-good practice, found in the store.

No number of an example is written anywhere: each is looked for in the data the reader may see
when the page is built (and kept with the page per data version). The texts are in
``glossary/examples.yaml``; where the store lacks what an example needs, the example says what
data would show it instead of inventing a number.

- ``mirror``: of the corridors both countries report with at least :data:`MIN_MOVES` moves on
  each side, the one whose two numbers are furthest apart (the ratio of the larger to the
  smaller);
- ``absentees``: the people born in a country living in another (S01) against the population
  of the country they left (P01), the double count a census makes that keeps long-term
  absentees as residents;
- ``detail``: one table of one country and period published by two sources, one in detail and
  one with totals only;
- ``definitions``: a corridor whose two sides state different definitions (residence rule,
  source, population covered), national submissions preferred.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from migstat.analysis.mirror import mirror_matrix
from migstat.i18n import N_, gettext_
from migstat.model import pick
from migstat.store.records import StoredObservation
from migstat.web.views.data import WARMERS, PortalData
from migstat.web.views.definitions import VALUE_LABELS
from migstat.web.views.numbers import number
from migstat.web.views.provenance import received, status_marks
from migstat.web.views.toolkit_schema import Example, examples

MIN_MOVES = 100
"""A mirror pair is compared only where each side records at least this many moves."""

DEFINITION_FLAGS = ("RESIDENCE_RULE", "SOURCE_TYPE", "POPULATION", "ORIGIN_CONCEPT")
"""Flags of the mirror pages that say the two sides follow different definitions."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of an example: what it is, where it comes from, and its page."""

    what: str
    value: float
    provider: str
    submission_id: int
    period: str
    href: str
    synthetic: bool = False
    statuses: tuple[str, ...] = ()


@dataclass(slots=True)
class Found:
    """What the store gave an example: the values of its text and its figures."""

    values: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


# -- the mirror pairs -------------------------------------------------------------------------


def _mirror_rows(data: PortalData, providers: list[str] | None = None) -> list[dict[str, Any]]:
    r = data.reader
    matrix = mirror_matrix(r.store, providers=providers, principal=r.principal)
    return matrix.rows(two_sided=True) if matrix.years else []


def _corridor(row: dict[str, Any], values: dict[str, Any], providers: str = "") -> Found:
    origin, dest, year = row["ORIGIN"], row["DESTINATION"], row["TIME_PERIOD"]
    keep = {"provider": providers} if providers else {}
    corridor = "/mirror/corridor?" + urlencode({"origin": origin, "destination": dest, **keep})
    figures = [
        Figure(
            N_("Emigration recorded by the country of origin (F02)"),
            row["EMIGRATION"],
            row["EMIGRATION_PROVIDER"],
            row["EMIGRATION_SUBMISSION"],
            year,
            "/explore?" + urlencode({"table": "F02", "REF_AREA": origin, "COUNTRY_NEXT_RES": dest}),
            row["SYNTHETIC"],
            (row["EMIGRATION_STATUS"] or "A",),
        ),
        Figure(
            N_("Immigration recorded by the country of destination (F01)"),
            row["IMMIGRATION"],
            row["IMMIGRATION_PROVIDER"],
            row["IMMIGRATION_SUBMISSION"],
            year,
            "/explore?" + urlencode({"table": "F01", "REF_AREA": dest, "COUNTRY_PREV_RES": origin}),
            row["SYNTHETIC"],
            (row["IMMIGRATION_STATUS"] or "A",),
        ),
    ]
    links = [
        (N_("Both sides of this corridor over time"), corridor),
        (N_("All corridors of {year} (mirror explorer)"), f"/mirror?year={year}"),
    ]
    base = {"origin": origin, "destination": dest, "year": year}
    return Found({**base, **values}, figures, links)


def find_mirror(data: PortalData) -> Found | None:
    """The two-sided corridor with the largest ratio between its sides, each side at least
    :data:`MIN_MOVES`; the larger corridor where two ratios tie."""
    best: tuple[float, float, dict[str, Any]] | None = None
    for row in _mirror_rows(data):
        e, i = row["EMIGRATION"], row["IMMIGRATION"]
        if e is None or i is None or min(e, i) < MIN_MOVES:
            continue
        candidate = (max(e / i, i / e), e + i, row)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        return None
    factor, _volume, row = best
    return _corridor(
        row, {"factor": factor, "emigration": row["EMIGRATION"], "immigration": row["IMMIGRATION"]}
    )


def find_definitions(data: PortalData) -> Found | None:
    """The largest corridor whose sides state different definitions, both sides real data
    (national submissions preferred over publishers' compilations); ``None`` where only
    synthetic numbers differ (the demo's questionnaires state 12 months against CIS-Stat's
    permanent registration): the page then says what the real data state and what would
    show it."""
    national = sorted({s.provider for s in data.coverage() if data.is_national(s.provider)})
    others = sorted({s.provider for s in data.coverage() if s.provider not in national})
    providers = [*national, *others]
    best: tuple[tuple[bool, float], dict[str, Any]] | None = None
    for row in _mirror_rows(data, providers):
        codes = row["FLAGS"].split()
        if not any(code in DEFINITION_FLAGS for code in codes):
            continue
        rank = (not row["SYNTHETIC"], row["EMIGRATION"] + row["IMMIGRATION"])
        if not row["SYNTHETIC"] and (best is None or rank > best[0]):
            best = (rank, row)
    if best is None:
        return None
    row = best[1]
    found = _corridor(
        row,
        {"emigration": row["EMIGRATION"], "immigration": row["IMMIGRATION"]},
        ",".join(providers),
    )
    found.values["_flags"] = [f for f in row["_flags"] if f.code in DEFINITION_FLAGS]
    found.values["_rules"] = _rules(data, row)
    return found


def _rules(data: PortalData, row: dict[str, Any]) -> tuple[str | None, str | None]:
    """The residence rule each side's submission states (``None``: not stated)."""
    out = []
    for table, side in (("F02", "EMIGRATION"), ("F01", "IMMIGRATION")):
        meta = data.table_metadata(row[f"{side}_SUBMISSION"]).get(table, {})
        out.append(meta.get("residence_rule"))
    return out[0], out[1]


def real_rules(data: PortalData) -> str:
    """The residence rules the real (not synthetic) flow tables of the store state, each
    with its sources: "permanent registration (CIS-Stat, Belstat)"; what the definitions
    example says when no real pair of sides differs."""
    by_rule: dict[str, set[str]] = defaultdict(set)
    flows = {s.provider for s in data.coverage() if s.table in ("F01", "F02")}
    for record in data.submissions:
        if record.synthetic or record.provider not in flows:
            continue
        meta = data.table_metadata(record.id)
        for table in ("F01", "F02"):
            if table in meta:
                rule = _rule_name(meta[table].get("residence_rule"), data.lang)
                by_rule[rule].add(data.provider_label(record.provider))
    if not by_rule:
        return gettext_(N_("none: the store holds no real flow table"), data.lang)
    return "; ".join(
        f"{rule} ({', '.join(sorted(names))})" for rule, names in sorted(by_rule.items())
    )


# -- the census and its absentees -------------------------------------------------------------


def _latest(cells: list[StoredObservation]) -> StoredObservation | None:
    known = [o for o in cells if o.value is not None]
    return max(known, key=lambda o: (o.time_period, -o.submission_id), default=None)


def find_absentees(data: PortalData, example: Example) -> Found | None:
    """The latest stock of people born in the example's country of origin living in its
    country of destination, and the population of the origin on the nearest earlier date."""
    origin, dest = example.origin or "", example.destination or ""
    born = _latest(
        [
            o
            for o in data.observations("S01", [dest], partners=[origin])
            if o.key[1:] == ("_T", "_T")
        ]
    )
    if born is None:
        return None
    people = [
        o
        for o in data.observations("P01", [origin])
        if o.key == ("_T",) and o.time_period <= born.time_period
    ]
    population = _latest([o for o in people if o.provider == born.provider] or people)
    if population is None or not population.value:
        return None
    values = {
        "origin": origin,
        "destination": dest,
        "born": born.value,
        "date": born.time_period,
        "population": population.value,
        "population_date": population.time_period,
        "share": born.value / population.value,
    }
    figures = [
        Figure(
            N_("Residents born in the country of origin (S01)"),
            born.value,
            born.provider,
            born.submission_id,
            born.time_period,
            "/explore?" + urlencode({"table": "S01", "REF_AREA": dest, "COUNTRY_BIRTH": origin}),
            born.synthetic,
            (born.obs_status,),
        ),
        Figure(
            N_("Population of the country of origin (P01)"),
            population.value,
            population.provider,
            population.submission_id,
            population.time_period,
            "/explore?" + urlencode({"table": "P01", "REF_AREA": origin}),
            population.synthetic,
            (population.obs_status,),
        ),
    ]
    links = [(N_("Country profile of the country of origin"), f"/country/{origin}")]
    return Found(values, figures, links)


# -- totals only or in detail -----------------------------------------------------------------


def _editions(data: PortalData) -> dict[tuple[str, str, str], dict[str, int]]:
    """``(table, area, period) -> provider -> number of observations`` where two or more
    sources publish the same table for one country and period (from the coverage, no read)."""
    found: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for s in data.coverage():
        found[(s.table, s.ref_area, s.period)][s.provider] = s.n_observations
    return {k: v for k, v in found.items() if len(v) > 1}


def _broken_down(data: PortalData, table: str, cells: list[StoredObservation]) -> list[str]:
    """The dimensions of ``table`` along which ``cells`` give more than their total."""
    dims = data.table(table).dimensions
    out = []
    for k, dim in enumerate(dims):
        if len({o.key[k] for o in cells if len(o.key) > k}) > 1:
            out.append(dim.id)
    return out


def find_detail(data: PortalData) -> Found | None:
    """Of the tables one country published through two sources for one period, the pair whose
    detailed edition has the most numbers per number of the other (ranked from the coverage;
    only the chosen slice is read)."""
    best: tuple[float, tuple[str, str, str, str, str]] | None = None
    for (table, area, period), counts in _editions(data).items():
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
        (few_p, few_n), (many_p, many_n) = ranked[0], ranked[-1]
        if not few_n or many_n <= few_n:
            continue
        if best is None or many_n / few_n > best[0]:
            best = (many_n / few_n, (table, area, period, few_p, many_p))
    if best is None:
        return None
    table, area, period, few_p, many_p = best[1]
    cells = [
        o
        for o in data.observations(table, [area], periods=(int(period[:4]),) * 2)
        if o.time_period == period
    ]
    few = [o for o in cells if o.provider == few_p]
    many = [o for o in cells if o.provider == many_p]
    if not few or not many:
        return None
    href = "/explore?" + urlencode({"table": table, "REF_AREA": area})
    values = {
        "table": table,
        "area": area,
        "period": period,
        "detailed_cells": len(many),
        "totals_cells": len(few),
        "_detailed": (many_p, _broken_down(data, table, many)),
        "_totals": (few_p, _broken_down(data, table, few)),
    }
    figures = [
        Figure(
            N_("Numbers in the detailed edition"),
            len(many),
            many_p,
            many[0].submission_id,
            period,
            href,
            any(o.synthetic for o in many),
        ),
        Figure(
            N_("Numbers in the other edition"),
            len(few),
            few_p,
            few[0].submission_id,
            period,
            href,
            any(o.synthetic for o in few),
        ),
    ]
    return Found(values, figures, [(N_("The table in the explorer"), href)])


FINDERS = {
    "mirror": lambda data, _example: find_mirror(data),
    "absentees": find_absentees,
    "detail": lambda data, _example: find_detail(data),
    "definitions": lambda data, _example: find_definitions(data),
}


def found(data: PortalData) -> dict[str, Found | None]:
    """What the store gives every example, kept per data version and principal state (the
    same for both languages)."""

    def build() -> dict[str, Found | None]:
        return {e.id: FINDERS[e.id](data, e) for e in examples().examples}

    return data.cached("practice", None, build)


WARMERS.append(found)


# -- in the reader's language -----------------------------------------------------------------


def _dimension_names(data: PortalData, table: str, dims: list[str]) -> str:
    if not dims:
        return gettext_(N_("totals only"), data.lang)
    labels = {d.id: d.label(data.lang) for d in data.table(table).dimensions}
    return ", ".join(labels.get(d, d) for d in dims)


def _rule_name(rule: str | None, lang: str) -> str:
    if not rule:
        return gettext_(N_("rule not stated"), lang)
    return gettext_(VALUE_LABELS[rule], lang) if rule in VALUE_LABELS else rule


def _words(data: PortalData, values: dict[str, Any]) -> dict[str, str]:
    """The values of an example's text in the reader's language."""
    lang = data.lang
    out: dict[str, str] = {"minimum": number(MIN_MOVES, lang)}
    for key, value in values.items():
        if key in ("origin", "destination", "area"):
            out[key] = data.area_label(value)
        elif key == "factor":
            out[key] = number(value, lang, 0 if value >= 10 else 1)
        elif key == "share":
            out[key] = number(value * 100, lang, 1) + " %"
        elif isinstance(value, float | int) and not isinstance(value, bool):
            out[key] = number(value, lang)
        elif not key.startswith("_"):
            out[key] = str(value)
    if "_detailed" in values:
        for side in ("detailed", "totals"):
            provider, dims = values[f"_{side}"]
            out[f"{side}_source"] = data.provider_label(provider)
            out[f"{side}_dimensions"] = _dimension_names(data, values["table"], dims)
    if "_flags" in values:
        out["flags"] = " ".join(f.text(lang) for f in values["_flags"])
        out["sender_rule"], out["receiver_rule"] = (_rule_name(r, lang) for r in values["_rules"])
    return out


def _figure(data: PortalData, figure: Figure) -> dict[str, Any]:
    record = data.submission(figure.submission_id)
    origin = received(record, data.lang, data.is_national(figure.provider)) if record else ""
    synthetic = record.synthetic if record is not None else figure.synthetic
    name = data.provider_label(figure.provider)
    return {
        "what": gettext_(figure.what, data.lang),
        "value": number(figure.value, data.lang),
        "raw": figure.value,
        "source": gettext_(N_("{source}, {period}"), data.lang, source=name, period=figure.period),
        "origin": origin,
        "marks": status_marks(data.registry, data.lang, synthetic, figure.statuses),
        "href": f"{figure.href}&lang={data.lang}",
    }


def build(data: PortalData, audience: str | None = None) -> list[dict[str, Any]]:
    """The worked examples in the reader's language (those for ``audience`` only, if given)."""
    lang = data.lang
    facts = found(data)
    out = []
    for example in examples().examples:
        if audience is not None and audience not in example.audiences:
            continue
        got = facts.get(example.id)
        words = _words(data, got.values if got else {})
        if got is None and example.id == "definitions":
            words["real_rules"] = real_rules(data)
        if got is None and example.origin:
            words.update(
                origin=data.area_label(example.origin),
                destination=data.area_label(example.destination or ""),
            )
        texts = {
            name: pick(getattr(example, name).model_dump(), lang).format_map(_Blank(words))
            for name in ("title", "finding", "why", "advice", "missing")
        }
        out.append(
            {
                "id": example.id,
                "practice": example.practice,
                "found": got is not None,
                **texts,
                "figures": [_figure(data, f) for f in got.figures] if got else [],
                "links": [
                    {"label": gettext_(label, lang, **words), "href": _with_lang(href, lang)}
                    for label, href in (got.links if got else [])
                ],
            }
        )
    return out


def _with_lang(href: str, lang: str) -> str:
    return f"{href}{'&' if '?' in href else '?'}lang={lang}"


class _Blank(dict):  # type: ignore[type-arg]
    """Values for ``str.format_map``: a name the example does not have stays visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
