"""The definitions and guide page: glossary, each table's definition, how to read the data,
and advice by audience, in English and Russian (text in ``glossary/guide.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from migstat.model import pick
from migstat.web.views.data import PortalData
from migstat.web.views.guide_schema import load
from migstat.web.views.toolkit_schema import slug

GUIDE_FILE = Path(__file__).resolve().parent.parent / "glossary" / "guide.yaml"


@cache
def content() -> dict[str, Any]:
    """The guide, read through its schema: a text missing or cut short is refused."""
    return load(GUIDE_FILE)


def build(data: PortalData) -> dict[str, Any]:
    """The guide in the reader's language (the other language's term alongside)."""
    lang = data.lang
    other = "ru" if lang == "en" else "en"
    raw = content()
    glossary = sorted(
        (
            {
                "id": slug(g["term"]["en"]),
                "term": pick(g["term"], lang),
                "other": pick(g["term"], other),
                "definition": pick(g["definition"], lang),
            }
            for g in raw["glossary"]
        ),
        key=lambda g: g["term"].casefold(),
    )
    tables = []
    for table in data.tables():
        tables.append(
            {
                "id": table.id,
                "title": table.label(lang),
                "kind": str(table.kind),
                "aliases": ", ".join(table.aliases),
                "universe": pick(table.universe, lang),
                "description": pick(table.description, lang),
                "unit": pick(table.unit, lang),
                "dimensions": [d.label(lang) for d in table.dimensions],
                "mirror": table.mirror_pair,
                "metadata": list(table.required_metadata),
            }
        )
    return {
        "glossary": glossary,
        "read_title": pick(raw["read"]["title"], lang),
        "mistakes": [pick(m, lang) for m in raw["read"]["mistakes"]],
        "audiences": [
            {"id": a["id"], "title": pick(a["title"], lang), "text": pick(a["text"], lang)}
            for a in raw["audiences"]
        ],
        "tables": tables,
    }
