"""The schemas of the toolkit's data files (``web/glossary/``: ``sources.yaml``,
``examples.yaml``, ``references.yaml``, ``pagehelp.yaml``), read like the glossary through
:func:`~migstat.web.views.guide_schema.load`: a text missing, empty or cut short, an unknown
key, a glossary term that is not in ``guide.yaml``, an audience the guide does not have, or a
page kind pointing at no section is refused with the file, line and place.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from migstat.web.views.guide_schema import Text, Words, load

FOLDER = Path(__file__).resolve().parent.parent / "glossary"

AUDIENCES = ("statisticians", "policy", "agencies", "researchers", "media")
"""The guide's five audiences (``guide.yaml``), the printable toolkits there are."""

Audience = Literal["statisticians", "policy", "agencies", "researchers", "media"]


def slug(text: str) -> str:
    """The anchor of a glossary term: ``Revision / vintage`` -> ``revision-vintage``."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


@cache
def glossary_terms() -> frozenset[str]:
    """The English terms of the glossary, the names sources link to."""
    return frozenset(g["term"]["en"] for g in load(FOLDER / "guide.yaml")["glossary"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One kind of data source: what it measures well and badly, its usual definition."""

    id: Words
    name: Text
    what: Text
    good: list[Text] = Field(min_length=1)
    poor: list[Text] = Field(min_length=1)
    rule: Literal["12_months", "6_months", "permanent", "none", "varies"]
    definition: Text
    pitfalls: list[Text] = Field(min_length=1)
    terms: list[Words] = Field(min_length=1)
    tables: list[Words]
    audiences: list[Audience] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _known_terms(cls, terms: list[str]) -> list[str]:
        unknown = [t for t in terms if t not in glossary_terms()]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a term of guide.yaml's glossary")
        return terms


class Sources(_Strict):
    sources: list[Source] = Field(min_length=1)


class Example(_Strict):
    """One worked example: its texts; the numbers come from the store."""

    id: Literal["mirror", "absentees", "detail", "definitions"]
    practice: Literal["good", "poor"]
    title: Text
    finding: Text
    why: Text
    advice: Text
    missing: Text
    audiences: list[Audience] = Field(min_length=1)
    origin: Words | None = None
    destination: Words | None = None


class Examples(_Strict):
    examples: list[Example] = Field(min_length=1)


class Work(_Strict):
    """One entry of the bibliography; a year or address not known is left out."""

    authors: list[Words] = Field(min_length=1)
    title: Words
    year: int | None = Field(default=None, ge=1900, le=2100)
    publisher: Words
    url: HttpUrl | None = None
    note: Text
    lang: Literal["en", "ru", "fr", "de"] | None = None
    """The language of the title as published, where it is not English or Russian (a page
    marks it so that a screen reader says it right)."""


class Group(_Strict):
    id: Words
    title: Text
    works: list[Work] = Field(min_length=1)


class References(_Strict):
    groups: list[Group] = Field(min_length=1)


class Section(_Strict):
    href: Words
    title: Text

    @field_validator("href")
    @classmethod
    def _portal_anchor(cls, href: str) -> str:
        if not href.startswith("/") or "#" not in href:
            raise ValueError(f"{href} is not a page of the portal with an anchor (/page#part)")
        return href


class Kind(_Strict):
    id: Words
    section: Words
    routes: list[Words] = Field(min_length=1)


class PageHelp(_Strict):
    """``pagehelp.yaml``: the toolkit's sections and which page kinds link to which."""

    sections: dict[str, Section] = Field(min_length=1)
    kinds: list[Kind] = Field(min_length=1)
    exempt: list[Words] = []

    @model_validator(mode="after")
    def _sections_exist(self) -> PageHelp:
        for kind in self.kinds:
            if kind.section not in self.sections:
                raise ValueError(f"kind {kind.id} points at no section {kind.section}")
        routes = [r for k in self.kinds for r in k.routes]
        twice = sorted({r for r in routes if routes.count(r) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is listed under more than one kind")
        return self


@cache
def sources() -> Sources:
    return Sources.model_validate(load(FOLDER / "sources.yaml", Sources))


@cache
def examples() -> Examples:
    return Examples.model_validate(load(FOLDER / "examples.yaml", Examples))


@cache
def references() -> References:
    return References.model_validate(load(FOLDER / "references.yaml", References))


@cache
def page_help() -> PageHelp:
    return PageHelp.model_validate(load(FOLDER / "pagehelp.yaml", PageHelp))


@cache
def section_of_route() -> dict[str, Section]:
    """Route path (as the app declares it) -> the toolkit section its page links to."""
    helps = page_help()
    return {route: helps.sections[k.section] for k in helps.kinds for route in k.routes}
