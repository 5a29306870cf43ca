"""Disclosure control of tabulated tables by cell suppression (``tabulate --sdc minfreq``).

The tables' counts go through :func:`migstat.disclosure.protect_all`: a count under the
mapping's ``sdc.min_frequency`` (default 3) is a primary cell, and complementary cells are
hidden along every additive relation of the table until no hidden cell can be narrowed by the
attacker's linear programme below its protection width (docs/methods/disclosure.md). The
office applies the rule, so complementary cells are marked D (``secondary_status``); the
long CSV carries hidden cells without their value, CONF_STATUS C (primary) or D.
"""

from __future__ import annotations

from typing import Any

from migstat.disclosure import Rule, protect_all
from migstat.i18n import N_
from migstat.microdata.mapping import Mapping
from migstat.microdata.tables import TableResult
from migstat.model import InputError, Observation, Registry

Hidden = dict[tuple[str, tuple[str, ...]], str]
"""(table, cell key) → CONF_STATUS of a hidden cell."""


def minfreq_rule(mapping: Mapping) -> Rule:
    """The suppression rule from the mapping's ``sdc`` section (the defaults otherwise)."""
    if mapping.variable("weight"):
        raise InputError(
            N_(
                "The minimum-frequency rule counts records: it applies to a census or register "
                "without weights. Protect weighted counts by the cell-key method (--sdc "
                "cellkey) or a survey by its reliability rule."
            ),
            where=mapping.where("variables.weight"),
        )
    params = {k: v for k, v in mapping.sdc.items() if k != "record_key"}
    try:
        return Rule.from_dict({"secondary_status": "D", **params})
    except InputError as problem:
        problem.where = mapping.where("sdc")
        raise


def suppress_tables(
    registry: Registry, results: list[TableResult], rule: Rule, country: str, period: str
) -> tuple[Hidden, dict[str, Any]]:
    """The hidden cells of every table, and the rule with what it hid for the metadata."""
    observations = [
        Observation(result.table.id, country, period, key, float(value))
        for result in results
        for key, value in result.cells.items()
    ]
    protected = protect_all(observations, rule, registry=registry)
    hidden: Hidden = {
        (o.table, o.key): o.conf_status
        for p in protected.values()
        for o in p.observations
        if o.conf_status != "F"
    }
    parameters = {
        **rule.to_dict(),
        "primary": sum(len(p.primary) for p in protected.values()),
        "secondary": sum(len(p.secondary) for p in protected.values()),
    }
    return hidden, {"rule": "min_frequency", "parameters": parameters}
