"""Column titles of the tidy downloads in the page's language (``labels=1``).

The tidy CSV and XLSX downloads name their columns by code (``REF_AREA``, ``OBS_VALUE``,
``SEX_LABEL`` ...), which programs read and which stays the default. A person reading a
Russian page asks for ``labels=1`` and gets the same columns in the same order with one header
row of titles in that language: ``Страна (код)``, ``Значение``, ``Пол`` ... SDMX-CSV keeps
its codes whatever is asked, so that it still reads back as SDMX.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef, pick
from migstat.model.precision import ATTRIBUTE_NAMES

FIXED = {
    "TABLE": N_("Table"),
    "DATA_PROVIDER": N_("Publisher or reporting country (code)"),
    "REF_AREA": N_("Country (code)"),
    "TIME_PERIOD": N_("Period"),
    "OBS_VALUE": N_("Value"),
    "OBS_STATUS": N_("Status (code)"),
    "CONF_STATUS": N_("Confidentiality (code)"),
    "COMMENT": N_("Comment"),
    "SYNTHETIC": N_("Synthetic"),
    "SUBMISSION": N_("Submission number"),
    "RECORDED_AT": N_("Recorded at"),
    "REF_AREA_LABEL": N_("Country"),
    "OBS_STATUS_LABEL": N_("Status"),
    "UNIT_MEASURE": N_("Unit"),
    "SOURCE": N_("Source"),
}
"""Titles of the columns every table has."""
CODE = N_("{name} (code)")
YES = ("1", "true", "yes", "on")


def wanted(params: Mapping[str, Any] | Any) -> bool:
    """Whether the query asks for titles (``labels=1``; ``true``, ``yes`` and ``on`` too)."""
    return str(params.get("labels") or "").strip().lower() in YES


def titles(table: TableDef, columns: Sequence[str], lang: str) -> list[str]:
    """The title of each of ``columns`` in ``lang``: a dimension's name for its label column,
    the name and "(code)" for its code column, a fixed title for the others; a column this
    does not know keeps its code."""
    names = {d.id: pick(d.name, lang) for d in table.dimensions}
    out = []
    for column in columns:
        base = column.removesuffix("_LABEL")
        if column in FIXED:
            out.append(gettext_(FIXED[column], lang))
        elif column in ATTRIBUTE_NAMES:
            out.append(pick(ATTRIBUTE_NAMES[column], lang))
        elif base in names and column != base:
            out.append(names[base])
        elif column in names:
            out.append(gettext_(CODE, lang, name=names[column]))
        else:
            out.append(column)
    return out
