"""Bilingual labels of metadata choices (drop-downs) and how a chosen entry is read back.

A drop-down entry is written as ``code — label`` (``census — Population census / Перепись
населения``); reading accepts that form, the bare code, or a label in either language.
"""

from __future__ import annotations

from migstat.i18n import N_, gettext_
from migstat.model import ResidenceRule, SourceType

SOURCE_TYPES: dict[str, str] = {
    SourceType.CENSUS.value: N_("Population census"),
    SourceType.REGISTER.value: N_("Population register"),
    SourceType.ALIENS_REGISTER.value: N_("Register of foreigners"),
    SourceType.PERMITS.value: N_("Residence or work permits"),
    SourceType.BORDER.value: N_("Border crossings, migration cards"),
    SourceType.ASYLUM.value: N_("Asylum records"),
    SourceType.SURVEY.value: N_("Sample survey"),
    SourceType.ADMINISTRATIVE.value: N_("Other administrative records"),
    SourceType.ESTIMATE.value: N_("Estimate"),
    SourceType.MICRODATA.value: N_("Microdata (individual records)"),
    SourceType.OTHER.value: N_("Other source"),
}

RESIDENCE_RULES: dict[str, str] = {
    ResidenceRule.M12.value: N_("12 months or more"),
    ResidenceRule.M6_1D.value: N_("6 months and 1 day"),
    ResidenceRule.M3.value: N_("3 months"),
    ResidenceRule.M9.value: N_("9 months"),
    ResidenceRule.PERMANENT.value: N_("Permanent registration at the place of residence"),
    ResidenceRule.NO_LIMIT.value: N_("No time limit"),
    ResidenceRule.OTHER.value: N_("Other (give the number of months)"),
}

ORIGIN_CONCEPTS: dict[str, str] = {
    "BIRTH": N_("Country of birth (present borders)"),
    "BIRTH_THEN": N_("Country of birth (borders at the time of birth)"),
    "CITIZENSHIP": N_("Country of citizenship"),
    "CITIZENSHIP_AT_BIRTH": N_("Citizenship at birth"),
    "PREV_RES": N_("Country of previous residence"),
    "NEXT_RES": N_("Country of next residence"),
}

SEPARATOR = " — "


ORDERS = {"both": ("en", "ru"), "en+ru": ("en", "ru"), "ru+en": ("ru", "en")}
"""Bilingual workbooks, the reader's language first (``both`` is English first)."""


def languages(lang: str) -> tuple[str, ...]:
    """The languages of a workbook: ``en``, ``ru``, or both in an order (``en+ru``,
    ``ru+en``; ``both`` = ``en+ru``): every text is written in the first one first."""
    if lang in ORDERS:
        return ORDERS[lang]
    if lang in ("en", "ru"):
        return (lang,)
    raise ValueError(f"lang must be 'en', 'ru', 'both', 'en+ru' or 'ru+en', not {lang!r}")


def bilingual_for(lang: str) -> str:
    """Both languages, ``lang`` (the reader's) first."""
    return "ru+en" if lang == "ru" else "en+ru"


def label(msgid: str, langs: tuple[str, ...], joiner: str = " / ") -> str:
    """A message in each language of ``langs``, joined."""
    return joiner.join(gettext_(msgid, lang) for lang in langs)


def entries(choices: dict[str, str], langs: tuple[str, ...]) -> list[str]:
    """Drop-down entries ``code — label``."""
    return [f"{code}{SEPARATOR}{label(msgid, langs)}" for code, msgid in choices.items()]


def read_choice(text: str, choices: dict[str, str]) -> str:
    """The code of a chosen entry; unrecognised text is returned as it is."""
    raw = text.strip()
    head = raw.split(SEPARATOR.strip(), 1)[0].strip() if SEPARATOR.strip() in raw else raw
    for candidate in (head, raw):
        for code in choices:
            if candidate.casefold() == code.casefold():
                return code
    folded = raw.casefold()
    for code, msgid in choices.items():
        for lang in ("en", "ru"):
            if folded == gettext_(msgid, lang).casefold():
                return code
    return raw
