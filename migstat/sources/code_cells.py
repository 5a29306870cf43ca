"""A country's name typed in a questionnaire's code cell, matched to its code by the
publishers' name matching (:mod:`migstat.sources.namematch`).

The questionnaire reader (a format, below the importers) names the code only when the code
list knows the name as it is written; here the normalised matching of publishers' names
("Южная Корея", "Кыргызстана", "Korea, South") gives the code, or else the closest
candidates. Nothing is guessed: a name that matches no code or several is left with its
candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

from migstat.formats.questionnaire.damage import MSG_NAME_FOR_CODE, bilingual
from migstat.i18n import N_, gettext_
from migstat.model import Finding, Registry
from migstat.sources.namematch import index_for

MSG_CLOSEST = N_("; the closest: {codes}")


def suggest_codes(findings: Sequence[Finding], registry: Registry) -> None:
    """A country's name typed in a questionnaire's code cell (``STRUCT_CODE_NOT_CODE`` with no
    code found by the code list's own names): the code the publishers' name matching gives
    ("Южная Корея", "Кыргызстана"), or else the closest candidates, never a guess."""
    for f in findings:
        if f.rule != "STRUCT_CODE_NOT_CODE" or f.params.get("codelist") != "AREA":
            continue
        names = index_for(registry.areas)
        code = names.resolve(str(f.params.get("text", "")))
        if code is not None:
            f.message = MSG_NAME_FOR_CODE
            f.params.update(code=code, name=bilingual(registry.areas, code))
            continue
        close = names.suggest(str(f.params.get("text", "")))
        if close:
            f.params["candidates"] = {
                lang: gettext_(
                    MSG_CLOSEST,
                    lang,
                    codes=", ".join(f"{c} ({registry.areas.label(c, lang)})" for c in close),
                )
                for lang in ("en", "ru")
            }
