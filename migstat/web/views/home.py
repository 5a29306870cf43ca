"""The start page: search across tables, countries and indicators, and the latest releases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.web.views.data import REGION, PortalData
from migstat.web.views.providers import edition

MAX_HITS = 30
KINDS = {"table": N_("Table"), "country": N_("Country"), "indicator": N_("Indicator")}


@dataclass(slots=True)
class Hit:
    kind: str
    kind_label: str
    code: str
    label: str
    detail: str
    url: str
    score: int


def _score(query: str, texts: list[str]) -> int:
    """0 = no match; exact beats prefix beats word start beats anywhere."""
    best = 0
    for text in texts:
        t = text.casefold()
        if t == query:
            return 100
        if t.startswith(query):
            best = max(best, 80)
        elif f" {query}" in f" {t}":
            best = max(best, 60)
        elif query in t:
            best = max(best, 40)
    return best


def search(data: PortalData, query: str) -> list[Hit]:
    """Tables (id, alias, title), countries (codes and names in both languages) and indicators
    (the codes of every table's breakdowns: a reason, a permit type, refugees ...), best first;
    countries with data come before those without."""
    q = query.strip().casefold()
    if not q:
        return []
    lang = data.lang
    labels = {kind: gettext_(msgid, lang) for kind, msgid in KINDS.items()}
    hits: list[Hit] = []
    for table in data.tables():
        score = _score(q, [table.id, *table.aliases, *table.title.values()])
        if score:
            hits.append(
                Hit(
                    "table",
                    labels["table"],
                    table.id,
                    f"{table.id}. {table.label(lang)}",
                    table.universe.get(lang, ""),
                    f"/explore?table={table.id}&lang={lang}",
                    score + 5,
                )
            )
    with_data = {s.ref_area for s in data.coverage()}
    for code in data.registry.areas:
        kind = code.attributes.get("kind")
        if kind not in ("country", "historical") or (
            kind == "historical" and code.id not in with_data
        ):
            continue  # a former state is offered only when it has data
        score = _score(q, [code.id, *code.name.values(), *code.aliases])
        if score:
            bonus = 10 if code.id in REGION else (4 if code.id in with_data else -20)
            hits.append(
                Hit(
                    "country",
                    labels["country"],
                    code.id,
                    code.label(lang),
                    "" if code.id in with_data else gettext_(N_("no data yet"), lang),
                    f"/country/{code.id}?lang={lang}",
                    score + bonus,
                )
            )
    for table in data.tables():
        for dim in table.dimensions:
            if dim.role == "partner":
                continue
            cl = data.registry.codelist(dim.codelist)
            for code_id in data.registry.codes(table, dim.id):
                code = cl.get(code_id)
                if code is None or code_id.startswith("_"):
                    continue
                score = _score(q, [*code.name.values(), *code.aliases])
                if score >= 60:
                    hits.append(
                        Hit(
                            "indicator",
                            labels["indicator"],
                            f"{table.id}.{code_id}",
                            f"{code.label(lang)} ({dim.label(lang).lower()})",
                            f"{table.id}. {table.label(lang)}",
                            f"/explore?table={table.id}&{dim.id}={code_id}&lang={lang}",
                            score - 5,
                        )
                    )
    hits.sort(key=lambda h: (-h.score, h.kind != "country", h.label))
    return hits[:MAX_HITS]


def latest_releases(data: PortalData, limit: int = 10) -> list[dict[str, Any]]:
    """The newest accepted submissions: who, which tables, when, and where to look."""
    lang = data.lang
    out = []
    for record in sorted(data.submissions, key=lambda s: s.submitted_at, reverse=True):
        if record.status != "accepted":
            continue
        national = data.is_national(record.provider)
        first = record.tables[0] if record.tables else "S01"
        url = (
            f"/country/{record.provider}?lang={lang}"
            if national
            else f"/explore?table={first}&DATA_PROVIDER={record.provider}&lang={lang}"
        )
        out.append(
            {
                "id": record.id,
                "provider": record.provider,
                "label": data.provider_label(record.provider),
                "edition": record.file_name
                if national
                else edition(record, lang) or record.file_name,
                "example": data.is_example(record.provider),
                "national": national,
                "tables": record.tables,
                "date": record.submitted_at.date().isoformat(),
                "observations": record.n_observations,
                "synthetic": record.synthetic,
                "url": url,
            }
        )
        if len(out) >= limit:
            break
    return out


def overview(data: PortalData) -> dict[str, Any]:
    """Headline counts for the start page: what this clearing-house holds now, as of the
    latest submission it received (``as_of``)."""
    cover = data.coverage()
    national = {s.ref_area for s in cover if data.is_national(s.provider)}
    latest = max((s.submitted_at for s in data.submissions), default=None)
    return {
        "as_of": latest.date().isoformat() if latest else "",
        "tables": len({s.table for s in cover}),
        "countries": len({s.ref_area for s in cover}),
        "national": len(national),
        "observations": sum(s.n_observations for s in cover),
        "submissions": len(data.submissions),
    }
