"""The mapping file: which variable of a microdata file holds what, and how its national codes
recode to the code lists (documented in ``docs/microdata.md``).

The file is YAML, checked against ``mapping.schema.json`` (JSON Schema, draft 2020-12) before
anything is read from the microdata, so that a typing mistake is named by its key in the
mapping file instead of surfacing as a wrong table. Recode targets are then checked against
the code lists of the registry: a target that is not a code is an error naming the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from migstat.i18n import N_
from migstat.model import InputError, Location, Registry

SCHEMA_PATH = Path(__file__).with_name("mapping.schema.json")
MAX_MAPPING_BYTES = 5_000_000
"""A mapping file is a few kilobytes; a bigger one is not a mapping file."""

CODED_ROLES: dict[str, str] = {
    "sex": "SEX",
    "country_of_birth": "AREA",
    "citizenship": "AREA",
    "education": "EDU",
}
"""Roles whose values recode to a code list, with the code list."""

AGE_ROLES = ("age", "date_of_birth")
DESIGN_ROLES = ("strata", "clusters", "fpc")
"""Roles describing the sample design, not a person."""
OPEN = None
"""The upper bound of an open-ended age group (80 and over)."""

AgeBounds = tuple[int, int | None]


@dataclass(slots=True)
class Mapping:
    """A checked mapping file."""

    file: str
    variables: dict[str, str]
    recode: dict[str, dict[str, str | AgeBounds]] = field(default_factory=dict)
    country: str | None = None
    reference_date: str | None = None
    weight_scale: float = 1.0
    select: dict[str, list[str]] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    survey: dict[str, Any] | None = None
    """The ``survey`` section as written (``None`` when absent)."""
    value_labels: bool = False
    """SPSS and Stata: labelled values are read as their labels."""
    sdc: dict[str, Any] = field(default_factory=dict)
    """The ``sdc`` section: the cell-key method's record key and parameters."""

    @property
    def is_survey(self) -> bool:
        """Survey estimates are asked for: a ``survey`` section, or strata or clusters named."""
        return self.survey is not None or any(self.variables.get(role) for role in DESIGN_ROLES)

    def variable(self, role: str) -> str | None:
        return self.variables.get(role)

    def recode_of(self, role: str) -> dict[str, str | AgeBounds]:
        name = self.variables.get(role)
        return self.recode.get(name, {}) if name else {}

    def where(self, key: str) -> Location:
        """The place of a key in the mapping file, for messages (``recode.COB."417"``)."""
        return Location(file=self.file, column=key)


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_mapping(path: str | Path, registry: Registry) -> Mapping:
    """Read, check against the schema and the code lists, and return the mapping."""
    path = Path(path)
    name = path.name
    raw = _read_yaml(path, name)
    raw = _stringify_recode_keys(raw)
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        key = _key_text(first.absolute_path)
        raise InputError(
            N_("The mapping file is not valid at {key}: {problem} ({count} problems in all)."),
            where=Location(file=name, column=key or None),
            key=key or "(top)",
            problem=first.message,
            count=len(errors),
        )
    mapping = Mapping(
        file=name,
        variables=dict(raw["variables"]),
        recode={
            var: {value: _target(target) for value, target in values.items()}
            for var, values in (raw.get("recode") or {}).items()
        },
        country=raw.get("country"),
        reference_date=raw.get("reference_date"),
        weight_scale=float(raw.get("weight_scale", 1.0)),
        select={
            var: [_text(v) for v in values] for var, values in (raw.get("select") or {}).items()
        },
        tables=list(raw.get("tables") or []),
        metadata=dict(raw.get("metadata") or {}),
        survey=dict(raw["survey"] or {}) if "survey" in raw else None,
        value_labels=bool(raw.get("value_labels", False)),
        sdc=dict(raw.get("sdc") or {}),
    )
    _check_targets(mapping, registry)
    return mapping


def _read_yaml(path: Path, name: str) -> Any:
    if not path.is_file():
        raise InputError(N_("File not found: {file}"), file=str(path))
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise InputError(
            N_("The mapping file is larger than {limit} bytes: it cannot be a mapping file."),
            where=Location(file=name),
            limit=MAX_MAPPING_BYTES,
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as problem:
        line = getattr(getattr(problem, "problem_mark", None), "line", None)
        raise InputError(
            N_("The mapping file is not readable YAML: {problem}"),
            where=Location(file=name, line=line + 1 if line is not None else None),
            problem=str(problem).splitlines()[0],
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            N_("The mapping file must be a YAML mapping with at least the key variables."),
            where=Location(file=name),
        )
    return raw


def _text(value: Any) -> str:
    """A value of the microdata file as text (YAML reads ``1`` and ``1.0`` as numbers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stringify_recode_keys(raw: dict[str, Any]) -> dict[str, Any]:
    recode = raw.get("recode")
    if not isinstance(recode, dict):
        return raw
    fixed = {}
    for var, values in recode.items():
        fixed[_text(var)] = (
            {_text(k): v for k, v in values.items()} if isinstance(values, dict) else values
        )
    return {**raw, "recode": fixed}


def _target(target: Any) -> str | AgeBounds:
    if isinstance(target, list):
        return (int(target[0]), None if target[1] is None else int(target[1]))
    return str(target)


def _key_text(path: Any) -> str:
    parts = []
    for part in path:
        text = str(part)
        parts.append(text if text.isidentifier() else json.dumps(text, ensure_ascii=False))
    return ".".join(parts)


def _check_targets(mapping: Mapping, registry: Registry) -> None:
    """Every recode target is a code of the code list of its variable's role."""
    roles = {var: role for role, var in mapping.variables.items()}
    for var, values in mapping.recode.items():
        role = roles.get(var)
        if role is None:
            raise InputError(
                N_(
                    "recode.{variable} recodes a variable that no role of variables names: "
                    "name it under variables or remove it."
                ),
                where=mapping.where(f"recode.{var}"),
                variable=var,
            )
        for value, target in values.items():
            _check_target(mapping, registry, role, var, value, target)


def _check_target(
    mapping: Mapping, registry: Registry, role: str, var: str, value: str, target: Any
) -> None:
    key = f"recode.{_key_text([var, value])}"
    if target == "_T":
        raise InputError(
            N_("{key}: _T is the total of a dimension, not a category a person can be in."),
            where=mapping.where(key),
            key=key,
        )
    if role in AGE_ROLES:
        if isinstance(target, tuple):
            low, high = target
            if high is not None and high <= low:
                raise InputError(
                    N_("{key}: the age group [{low}, {high}) is empty."),
                    where=mapping.where(key),
                    key=key,
                    low=low,
                    high=high,
                )
            return
        code = registry.codelists["AGE"].get(target)
        if code is None or (code.lower is None and target != "_U"):
            raise InputError(
                N_(
                    "{key}: {code} is not an age group of the code list AGE: give a code "
                    "with bounds (such as Y15T19 or Y_GE80), _U, or [lower, upper]."
                ),
                where=mapping.where(key),
                key=key,
                code=target,
            )
        return
    codelist = CODED_ROLES.get(role)
    if codelist is None:
        raise InputError(
            N_("{key}: the variable of role {role} takes no recode."),
            where=mapping.where(key),
            key=key,
            role=role,
        )
    if isinstance(target, tuple) or target not in registry.codelists[codelist]:
        raise InputError(
            N_("{key}: {code} is not a code of the code list {codelist}."),
            where=mapping.where(key),
            key=key,
            code=str(target),
            codelist=codelist,
        )
