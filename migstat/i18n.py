"""English and Russian messages through gettext catalogs.

Messages meant for people are written in English in the code, marked with :func:`N_`
(so Babel's extractor finds them) and translated through the ``.po`` catalogs under
``migstat/locale/<lang>/LC_MESSAGES/``. Every ``.po`` file there is one domain (``cli``,
``validation``, ``formats``, ...) so that parts of the program keep their own catalogs; they
are merged into one translation per language.

The catalogs are compiled in memory with Babel on first use rather than shipped as ``.mo``
files, so a catalog can never be stale with respect to its source.

Parameters use ``str.format`` names: ``N_("Unknown code {code} in {dimension}")``.
"""

from __future__ import annotations

import gettext
import io
import locale
import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it (it is translated when shown)."""
    return message


def resolve_language(lang: str | None = None) -> str:
    """The language to speak: explicit choice, then ``MIGSTAT_LANG``, then the locale."""
    for candidate in (lang, os.environ.get("MIGSTAT_LANG")):
        if candidate:
            code = candidate.strip().lower()[:2]
            if code in LANGUAGES:
                return code
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            code = value.lower()[:2]
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    try:
        current = locale.getlocale(locale.LC_MESSAGES)[0] or ""
    except (AttributeError, ValueError):  # pragma: no cover - platform dependent
        current = ""
    return "ru" if current.lower().startswith("ru") else DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """All catalogs of one language merged into a single gettext translation."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    merged: gettext.GNUTranslations | None = None
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=po_path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled = gettext.GNUTranslations(buffer)
        if merged is None:
            merged = compiled
        else:
            merged._catalog.update(compiled._catalog)  # type: ignore[attr-defined]
    return merged if merged is not None else gettext.NullTranslations()


def gettext_(msgid: str, lang: str | None = None, /, **params: object) -> str:
    """Translate ``msgid`` into ``lang`` and fill in its ``{named}`` parameters (any name,
    ``message`` included, since the first two arguments are positional-only)."""
    text = translations(resolve_language(lang)).gettext(msgid)
    return text.format(**params) if params else text


def ngettext_(
    singular: str, plural: str, n: int, lang: str | None = None, /, **params: object
) -> str:
    """Plural-aware translation (Russian has three plural forms)."""
    text = translations(resolve_language(lang)).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def both(msgid: str, /, **params: object) -> dict[str, str]:
    """The message in every supported language, as stored with findings and reports."""
    return {lang: gettext_(msgid, lang, **params) for lang in LANGUAGES}


_ = gettext_
