"""Why two sides of a corridor may differ, said with names: the mirror analysis states its
flags with codes (``CISSTAT``, ``GEO``, ``12_months``, ``permanent_registration``), which a
page writes as the publishers', countries' and definitions' names in the reader's language.
"""

from __future__ import annotations

import re
from typing import Any

from migstat.analysis.mirror_model import Flag
from migstat.i18n import N_, gettext_
from migstat.model import Registry
from migstat.web.views.definitions import value_label
from migstat.web.views.providers import provider_name

MONTHS = re.compile(r"^(\d+) months$")


def _side(flag: Flag, value: Any, registry: Registry, lang: str) -> str:
    """One side's value of a flag (a publisher, or a coded definition) by its name."""
    text = str(value)
    if flag.code == "PROVIDER":
        return provider_name(text, registry, lang)
    months = MONTHS.match(text)
    if months:
        return gettext_(N_("{n} months"), lang, n=months.group(1))
    return value_label(text, lang)


def named_flag(flag: Flag, registry: Registry, lang: str) -> str:
    """``flag`` in ``lang`` with names for the codes it carries."""
    params = dict(flag.params)
    for key in ("sender", "receiver"):
        if key in params:
            params[key] = _side(flag, params[key], registry, lang)
    if "country" in params and str(params["country"]) in registry.areas:
        params["country"] = registry.areas.label(str(params["country"]), lang)
    if "status" in params:
        found = registry.codelist("OBS_STATUS").get(str(params["status"]))
        params["status"] = (
            f"{params['status']} ({found.label(lang)})" if found else params["status"]
        )
    return gettext_(flag.message, lang, **params)
