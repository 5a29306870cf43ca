"""The reliability and disclosure rules a table's metadata records, read from a sidecar.

``migstat tabulate`` writes, for each table of its metadata sidecar (``docs/microdata.md``),
the rules it applied, so that the portal can quote them rather than point to a note::

    "S01": {"reliability": {"flag_cv": 0.166, "suppress_cv": 0.33, "min_records": 0,
                            "suppress_zero": true},
            "disclosure": {"rule": "cell_key",
                           "parameters": {"max_perturbation": 2, "variance": 1, ...}}}

``flag_cv`` and ``suppress_cv`` are coefficients of variation as fractions (0.166 is
16.6 %): a cell is flagged from ``flag_cv`` and suppressed above ``suppress_cv``, or when
it has fewer than ``min_records`` sample records. ``disclosure`` names the rule (``none``,
``cell_key``, ``min_frequency``) and its parameters (numbers, texts or true/false). A value
that is not so is an error naming the file and the field.
"""

from __future__ import annotations

import math
from typing import Any

from migstat.i18n import N_
from migstat.model import InputError, Location

RULES = ("reliability", "disclosure")
"""The structured fields of :class:`migstat.model.TableMetadata` read here."""
DISCLOSURE_RULES = ("none", "cell_key", "min_frequency")
MAX_PARAMETERS = 20


def _bad(where: Location, table: str, name: str, value: object) -> InputError:
    return InputError(
        N_(
            "The metadata of table {table} gives {field} as {value}: write "
            '{{"flag_cv": 0.166, "suppress_cv": 0.33, "min_records": 0}} for the '
            "reliability rule (CVs as fractions, 0 < flag_cv <= suppress_cv) and "
            '{{"rule": "cell_key", "parameters": {{…}}}} for the disclosure rule '
            "(rule none, cell_key or min_frequency; parameters numbers or texts)."
        ),
        where=Location(file=where.file, column=f"tables.{table}.{name}"),
        table=table,
        field=name,
        value=str(value)[:120],
    )


def _fraction(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    return value if math.isfinite(value) and value > 0 else None


def reliability(raw: object, where: Location, table: str) -> dict[str, Any]:
    """The reliability rule of a sidecar's table entry, checked."""
    if not isinstance(raw, dict):
        raise _bad(where, table, "reliability", raw)
    flag, suppress = _fraction(raw.get("flag_cv")), _fraction(raw.get("suppress_cv"))
    records = raw.get("min_records", 0)
    zero = raw.get("suppress_zero", True)
    if (
        flag is None
        or suppress is None
        or flag > suppress
        or isinstance(records, bool)
        or not isinstance(records, int)
        or records < 0
        or not isinstance(zero, bool)
    ):
        raise _bad(where, table, "reliability", raw)
    return {"flag_cv": flag, "suppress_cv": suppress, "min_records": records, "suppress_zero": zero}


def disclosure(raw: object, where: Location, table: str) -> dict[str, Any]:
    """The disclosure rule of a sidecar's table entry, checked."""
    if not isinstance(raw, dict) or raw.get("rule") not in DISCLOSURE_RULES:
        raise _bad(where, table, "disclosure", raw)
    parameters = raw.get("parameters") or {}
    if not isinstance(parameters, dict) or len(parameters) > MAX_PARAMETERS:
        raise _bad(where, table, "disclosure", raw)
    kept: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad(where, table, "disclosure", raw)
        if not isinstance(value, str | int | float | bool) or len(str(value)) > 200:
            raise _bad(where, table, "disclosure", raw)
        kept[str(name)[:60]] = value
    return {"rule": raw["rule"], "parameters": kept}


READERS = {"reliability": reliability, "disclosure": disclosure}
