"""The national definitions behind a number, in the reader's language: the metadata a
submission states for a table (source type, residence rule, population covered, origin
concept ...) as labelled facts, and the coded values (``12_months``, ``census``,
``permanent_registration``) by their names, so that no page shows the codes themselves.
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_
from migstat.web.views.dataset_titles import free_text

FIELD_LABELS = {
    "source_type": N_("Source type"),
    "reference_date": N_("Reference date"),
    "residence_rule": N_("Residence rule"),
    "residence_rule_months": N_("Residence rule (months)"),
    "population_covered": N_("Population covered"),
    "origin_concept": N_("Origin concept"),
    "rounding_base": N_("Rounded to"),
    "notes": N_("Notes"),
}
VALUE_LABELS = {
    "census": N_("population census"),
    "register": N_("population register"),
    "aliens_register": N_("register of foreigners"),
    "permits": N_("residence permits"),
    "border": N_("border statistics"),
    "asylum": N_("asylum records"),
    "survey": N_("sample survey"),
    "administrative": N_("administrative records"),
    "estimate": N_("estimate"),
    "microdata": N_("tabulated microdata"),
    "other": N_("other"),
    "12_months": N_("12 months or more"),
    "6_months_1_day": N_("6 months and 1 day"),
    "3_months": N_("3 months or more"),
    "9_months": N_("9 months or more"),
    "permanent_registration": N_("permanent registration"),
    "no_time_limit": N_("no time limit"),
    "BIRTH": N_("country of birth"),
    "CITIZENSHIP": N_("citizenship"),
    "CITIZENSHIP_AT_BIRTH": N_("citizenship at birth"),
    "PREV_RES": N_("country of previous residence"),
    "NEXT_RES": N_("country of next residence"),
}


def describe_metadata(meta: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The metadata of one table of a submission as (field, value) in ``lang``."""
    out = []
    for key, label in FIELD_LABELS.items():
        value = meta.get(key)
        if value in (None, ""):
            continue
        out.append((gettext_(label, lang), value_label(value, lang)))
    return out


def value_label(value: Any, lang: str) -> str:
    """A metadata value in ``lang``: a coded value by its name; free text through the
    catalogs where they have it (the demo's questionnaires state their definitions in
    phrases the catalogs translate), else as the country wrote it, its language marked on a
    page (:func:`~migstat.web.views.dataset_titles.free_text`)."""
    text = str(value)
    if text in VALUE_LABELS:
        return gettext_(VALUE_LABELS[text], lang)
    return free_text(text, lang)
