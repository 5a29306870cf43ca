"""Publishers' dataset titles in the page's language.

An import stores its dataset's title as the publisher gives it, in English
(``International Migrant Stock``, ``DEMO_PJAN: Population on 1 January by age and sex``). The
curated file ``glossary/dataset_titles.yaml`` gives the titles of the datasets migstat imports in
English and Russian, keyed by the dataflow or dataset id (the part before ``": "``) or by the
whole title. A title it does not list is shown as published; in HTML it is then marked with
its language (``<span lang="en">``, :func:`mark_foreign`) so that a screen reader reading a
Russian page says it as English. The same holds for the free text of a national definition no
catalog translates (:func:`foreign`). The text of downloads, API answers and chart source
lines stays plain.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict

from migstat.i18n import gettext_
from migstat.web.views.guide_schema import Text, load

TITLES_FILE = Path(__file__).resolve().parent.parent / "glossary" / "dataset_titles.yaml"
CODED = re.compile(r"^([A-Z][A-Z0-9_.@-]*): (.+)$", re.S)
"""``CODE: title``: how the SDMX and Eurostat importers name a dataflow."""
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2}")
MAX_REMEMBERED = 2_000
"""At most so many untranslated texts are remembered for :func:`mark_foreign` (one per
distinct title or definition in the store; the bound keeps a store of many files from
growing it)."""


class Titles(BaseModel):
    """The curated file: dataflow or dataset id -> its title in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    titles: dict[str, Text]


@cache
def titles() -> dict[str, Text]:
    """The curated titles, read through their schema (a title missing a language is refused
    with the file and line)."""
    return Titles.model_validate(load(TITLES_FILE, Titles)).titles


_foreign: dict[str, str] = {}
"""Texts shown untranslated on a page of another language -> their language."""


def text_language(text: str) -> str | None:
    """``ru`` for a text in Cyrillic letters, ``en`` for one in Latin letters (the two
    languages of the portal; a publisher's title or a country's definition is in one of
    them), ``None`` for one without words (a number, a date)."""
    if CYRILLIC.search(text):
        return "ru"
    return "en" if LATIN_WORD.search(text) else None


def foreign(text: str, lang: str) -> str:
    """``text`` as it is, remembered for :func:`mark_foreign` when it is not in ``lang``."""
    own = text_language(text)
    if own is not None and own != lang and text not in _foreign and len(_foreign) < MAX_REMEMBERED:
        _foreign[text] = own
    return text


def dataset_title(dataset: str, lang: str) -> str:
    """``dataset`` (as stored) in ``lang``: the curated title, the id kept in front of a coded
    one (``DEMO_PJAN: Численность населения …``); the publisher's own title when the file
    has none, remembered so that :func:`mark_foreign` marks it in a page."""
    coded = CODED.match(dataset)
    entry = titles().get(coded.group(1) if coded else dataset) or titles().get(dataset)
    if entry is not None:
        text = entry.ru if lang == "ru" else entry.en
        return f"{coded.group(1)}: {text}" if coded else text
    return foreign(dataset, lang)


def free_text(text: str, lang: str) -> str:
    """A stored free text (a national definition, a publisher's note on its numbers) in
    ``lang`` where the catalogs translate it, else as written, remembered for
    :func:`mark_foreign`."""
    if not text.strip():
        return text
    translated = gettext_(text, lang)
    return translated if translated != text else foreign(text, lang)


def mark_foreign(text: object) -> Markup:
    """``text`` for HTML, every untranslated title or definition in it marked with its
    language, ``<span lang="en">`` (a Jinja filter: ``{{ s.origin | foreign }}``)."""
    if isinstance(text, Markup):
        return text
    plain = str(text)
    found = [t for t in _foreign if t and t in plain]
    if not found:
        return escape(plain)
    longest_first = sorted(found, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in longest_first) + r")(?!\w)")
    out, at = [], 0
    for match in pattern.finditer(plain):
        out.append(escape(plain[at : match.start()]))
        text_lang = _foreign[match.group(0)]
        out.append(Markup('<span lang="{}">{}</span>').format(text_lang, match.group(0)))
        at = match.end()
    out.append(escape(plain[at:]))
    return Markup("").join(out)
