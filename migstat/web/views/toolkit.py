"""The toolkit the 2010 workshop asked for (report, para 37): the data sources, worked examples
of good and not-so-good practice, and a bibliography, in English and Russian, for the five
audiences of the guide. The texts are data (``glossary/sources.yaml``, ``examples.yaml``,
``references.yaml``, read through :mod:`.toolkit_schema`); the examples' numbers come from the
store (:mod:`.practice`). Each page of the portal links to the section that explains it
(:func:`help_link`, from ``pagehelp.yaml``).
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import pick
from migstat.web.views import guide
from migstat.web.views.data import PortalData
from migstat.web.views.dataset_titles import text_language
from migstat.web.views.toolkit_schema import (
    AUDIENCES,
    references,
    section_of_route,
    slug,
    sources,
)

RULE_TERMS = {
    "12_months": "Long-term migrant (12-month rule)",
    "6_months": "6-month rule (6 months and 1 day)",
    "permanent": "Permanent registration",
}
"""The glossary term that explains each residence rule a source may follow."""

RULE_NAMES = {
    "12_months": N_("12 months (usual residence)"),
    "6_months": N_("6 months and 1 day"),
    "permanent": N_("permanent registration"),
    "none": N_("no residence rule: documents or events"),
    "varies": N_("varies by country"),
}

PAGES = (
    ("sources", N_("Data sources"), "/toolkit/sources"),
    ("examples", N_("Good and not-so-good practice"), "/toolkit/examples"),
    ("references", N_("References and links"), "/toolkit/references"),
)
"""The toolkit's pages, in order: id, title, path."""


def _terms(names: list[str], lang: str) -> list[dict[str, str]]:
    terms = {g["term"]["en"]: g["term"] for g in guide.content()["glossary"]}
    return [
        {"label": pick(terms[n], lang), "href": f"/guide?lang={lang}#term-{slug(n)}"} for n in names
    ]


def _tables(data: PortalData, ids: list[str]) -> list[dict[str, str]]:
    out = []
    for table_id in ids:
        if table_id in data.registry.tables:
            table = data.table(table_id)
            out.append(
                {
                    "id": table_id,
                    "title": table.label(data.lang),
                    "href": f"/explore?table={table_id}&lang={data.lang}",
                }
            )
    return out


def source_list(data: PortalData, audience: str | None = None) -> list[dict[str, Any]]:
    """The data sources in the reader's language (those for ``audience`` only, if given)."""
    lang = data.lang
    out = []
    for s in sources().sources:
        if audience is not None and audience not in s.audiences:
            continue
        rule_term = RULE_TERMS.get(s.rule)
        out.append(
            {
                "id": s.id,
                "name": pick(s.name.model_dump(), lang),
                "what": pick(s.what.model_dump(), lang),
                "good": [pick(t.model_dump(), lang) for t in s.good],
                "poor": [pick(t.model_dump(), lang) for t in s.poor],
                "rule": gettext_(RULE_NAMES[s.rule], lang),
                "rule_term": _terms([rule_term], lang)[0] if rule_term else None,
                "definition": pick(s.definition.model_dump(), lang),
                "pitfalls": [pick(t.model_dump(), lang) for t in s.pitfalls],
                "terms": _terms(s.terms, lang),
                "tables": _tables(data, s.tables),
            }
        )
    return out


def reference_groups(lang: str) -> list[dict[str, Any]]:
    """The bibliography in the reader's language (titles as published)."""
    return [
        {
            "id": g.id,
            "title": pick(g.title.model_dump(), lang),
            "works": [
                {
                    "authors": ", ".join(w.authors),
                    "title": w.title,
                    "year": w.year,
                    "publisher": w.publisher,
                    "url": str(w.url) if w.url else None,
                    "note": pick(w.note.model_dump(), lang),
                    "lang": w.lang or text_language(w.title) or "en",
                }
                for w in g.works
            ],
        }
        for g in references().groups
    ]


def pdf_links(lang: str) -> list[dict[str, Any]]:
    """The printable toolkit of every audience, in both languages."""
    titles = {a["id"]: a["title"] for a in guide.content()["audiences"]}
    return [
        {
            "audience": a,
            "title": pick(titles[a], lang),
            "files": [
                {"lang": code, "href": f"/toolkit/{a}.pdf?lang={code}"} for code in ("en", "ru")
            ],
        }
        for a in AUDIENCES
    ]


def pages(lang: str, current: str | None = None) -> list[dict[str, Any]]:
    return [
        {"id": i, "title": gettext_(t, lang), "href": f"{p}?lang={lang}", "current": i == current}
        for i, t, p in PAGES
    ]


def help_link(route_path: str | None, lang: str) -> dict[str, str] | None:
    """The "How to read this page" link of the page of ``route_path`` (as the app declares
    it), or ``None`` for a path no page kind lists (an error page)."""
    section = section_of_route().get(route_path or "")
    if section is None:
        return None
    path, _, anchor = section.href.partition("#")
    return {
        "href": f"{path}?lang={lang}#{anchor}",
        "title": pick(section.title.model_dump(), lang),
    }
