"""From the national values found in the file to the codes of the code lists.

A value recodes through the mapping file's ``recode`` entry for its variable; a value that is
already a code of the code list (exactly, ``RUS``, ``M``) stands for itself. Anything else is
unmapped: every unmapped value of every variable is reported at once, with its number of
records, and nothing is guessed (no alias, no M49 number, no spelling is tried). A missing
value is the value ``""``: map it (usually to ``_U``) like any other.

Ages are numbers of completed years, or values that the recode maps to an age group
(``Y80T84``, ``_U``) or to bounds ``[lower, upper)``; a missing age is unknown (``_U``);
anything else is an error naming the value, its variable and its first record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from migstat.i18n import N_
from migstat.microdata.mapping import CODED_ROLES, AgeBounds, Mapping
from migstat.microdata.scan import age_expression
from migstat.microdata.source import VALUE, Source, first_record, literal
from migstat.model import InputError, Registry

MAX_AGE = 150
MAX_LISTED = 100
"""Unmapped values listed per variable in the message (the count says how many in all)."""
OWN_COUNTRY = "NAT"
"""The AREA code of the reporting country as a group; replaced by the country's own code."""

AgeOf = dict[str, AgeBounds | None]
"""Age bounds ``[lower, upper)`` of each age value; ``None`` for an unknown age."""


@dataclass(slots=True)
class Resolved:
    """Codes of every value of every coded role, and the bounds of every age value."""

    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    ages: AgeOf = field(default_factory=dict)
    exact_ages: bool = False
    """Whether some age is a number of years (so every age group can occur)."""


def resolve(
    values: dict[str, dict[str, int]], mapping: Mapping, registry: Registry, country: str
) -> Resolved:
    """Codes for all values; unmapped values of all variables raise one error."""
    resolved = Resolved()
    unmapped: list[tuple[str, str, int]] = []
    for role, found in values.items():
        if role not in CODED_ROLES:
            continue
        codelist = registry.codelists[CODED_ROLES[role]]
        recode = mapping.recode_of(role)
        codes: dict[str, str] = {}
        for value, records in found.items():
            code = recode.get(value)
            if code is None and value in codelist:
                code = value
            if code is None:
                unmapped.append((mapping.variables[role], value, records))
                continue
            codes[value] = country if code == OWN_COUNTRY and codelist.id == "AREA" else code
        resolved.codes[role] = codes
    if unmapped:
        raise InputError(
            N_(
                "{count} values have no code: {values}. Add them under recode in "
                '{mapping} (a missing value is written ""), or correct the data.'
            ),
            where=mapping.where("recode"),
            count=len(unmapped),
            values=_listed(unmapped),
            mapping=mapping.file,
        )
    return resolved


def _listed(unmapped: list[tuple[str, str, int]]) -> str:
    lines: list[str] = []
    shown: dict[str, int] = {}
    for variable, value, records in sorted(unmapped, key=lambda u: (u[0], -u[2], u[1])):
        shown[variable] = shown.get(variable, 0) + 1
        if shown[variable] > MAX_LISTED:
            continue
        lines.append(f"{variable} = {value!r} ({records})")
    hidden = sum(max(0, n - MAX_LISTED) for n in shown.values())
    if hidden:
        lines.append(f"… +{hidden}")
    return "; ".join(lines)


def resolve_ages(
    con,
    source: Source,
    values: dict[str, int],
    mapping: Mapping,
    registry: Registry,
    reference_date: str,
) -> tuple[AgeOf, bool]:
    """Bounds of every age value; a value that is no age raises an error naming its record."""
    recode = mapping.recode_of("age") or mapping.recode_of("date_of_birth")
    age_codes = registry.codelists["AGE"]
    ages: AgeOf = {}
    exact = False
    bad: list[tuple[str, int]] = []
    for value, records in values.items():
        target = recode.get(value)
        if isinstance(target, tuple):
            ages[value] = target
        elif target is not None:
            code = age_codes[target]
            ages[value] = None if target == "_U" else (int(code.lower or 0), code.upper)
        elif value == "":
            ages[value] = None
        else:
            years = _years(value)
            if years is None:
                bad.append((value, records))
                continue
            ages[value] = (years, years + 1)
            exact = True
    if bad:
        _age_error(con, source, mapping, bad, reference_date)
    return ages, exact


def _years(value: str) -> int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number > MAX_AGE:
        return None
    return int(number)


def _age_error(
    con, source: Source, mapping: Mapping, bad: list[tuple[str, int]], reference_date: str
) -> None:
    variable = mapping.variable("age") or mapping.variables["date_of_birth"]
    first_value = bad[0][0]
    # the age as the scan read it (from the date of birth when the age is empty)
    expr = age_expression(mapping, reference_date)
    found = first_record(con, source, expr, f"{VALUE} = {literal(first_value)}")
    row = found[0] if found else 0
    raise InputError(
        N_(
            "Variable {variable}, record {row}: the age {value} is not a number of years "
            "from 0 to 150 ({values}). Correct the data or recode these values (to an age "
            "group, [lower, upper] or _U) in {mapping}."
        ),
        where=source.where(variable, row or None),
        variable=variable,
        row=row,
        value=repr(first_value),
        values="; ".join(f"{v!r} ({n})" for v, n in bad[:MAX_LISTED]),
        mapping=mapping.file,
    )
