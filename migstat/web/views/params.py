"""Reading the portal's query strings: the same names as the downloads and the SDMX API.

A list of codes may come as repeated parameters (``SEX=F&SEX=M``, what an HTML form sends) or
joined by ``+`` (``REF_AREA=KGZ+TJK``, as in SDMX keys; a ``+`` in a query string arrives as a
space) or by commas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from migstat.i18n import N_
from migstat.model import CodeList, InputError, NotFoundError

_SPLIT = re.compile(r"[+\s,]+")


class BadParameter(InputError):
    """A query parameter whose value cannot be used (400): the answer names both.

    ``message`` has ``{parameter}`` and ``{value}`` among its parameters."""

    status = 400

    def __init__(self, parameter: str, value: str, message: str, **params: Any) -> None:
        self.parameter = parameter
        self.value = value
        super().__init__(message, parameter=parameter, value=value, **params)


class UnknownValue(BadParameter, NotFoundError):
    """A code, a table or a country that does not exist, or has no data here (404)."""

    status = 404


def unknown(parameter: str, value: str, known: Iterable[str] = ()) -> UnknownValue:
    """The error of a code that is not one of ``known`` (listed when there are few)."""
    shown = list(known)
    if shown and len(shown) <= 30:
        return UnknownValue(
            parameter,
            value,
            N_("Unknown value {value} of the parameter {parameter}: use one of {known}."),
            known=", ".join(shown),
        )
    return UnknownValue(parameter, value, N_("Unknown value {value} of the parameter {parameter}."))


def invalid(parameter: str, value: str, allowed: Sequence[str]) -> BadParameter:
    """The error of a word that is not one of ``allowed`` (400: the request is malformed)."""
    return BadParameter(
        parameter,
        value,
        N_("Unknown value {value} of the parameter {parameter}: use one of {known}."),
        known=", ".join(allowed),
    )


def choice(params: Any, name: str, allowed: Sequence[str], default: str | None = None) -> str:
    """A parameter that takes one of a few words (case-insensitive); absent: ``default``
    (else the first); anything else is an :class:`UnknownValue`."""
    given = (params.get(name) or "").strip()
    if not given:
        return default if default is not None else allowed[0]
    for word in allowed:
        if word.casefold() == given.casefold():
            return word
    raise invalid(name, given, allowed)


def resolve_code(codelist: CodeList, text: str) -> str | None:
    """A code of ``codelist`` given by its id in any case or by an alias."""
    found = codelist.resolve(text)
    if found is None and text.strip().upper() in codelist:
        found = text.strip().upper()
    return found


def codes(params: Any, name: str) -> list[str]:
    """Every code given for ``name``, in order, without duplicates or empty strings."""
    raw: Iterable[str] = (
        params.getlist(name)
        if hasattr(params, "getlist")
        else ([params[name]] if name in params else [])
    )
    out: list[str] = []
    for value in raw:
        for part in _SPLIT.split(value.strip()):
            if part and part not in out:
                out.append(part)
    return out


def area_code(areas: CodeList, name: str, text: str) -> str:
    """The code of a country or area given in the parameter ``name`` (any case, or an alias
    such as a name); an unknown one is an :class:`UnknownValue`."""
    code = resolve_code(areas, text)
    if code is None:
        raise UnknownValue(
            name,
            text,
            N_(
                "Unknown value {value} of the parameter {parameter}: no country or area "
                "has this code; use an ISO 3166 alpha-3 code such as KGZ."
            ),
        )
    return code


def year(params: Any, name: str) -> int | None:
    """A year parameter (``start``, ``end``); a date keeps its year; anything else is a
    :class:`BadParameter`."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", value):
        raise BadParameter(
            name, value, N_("The parameter {parameter} must be a year such as 2019, not {value}.")
        )
    return int(value[:4])


def query_string(pairs: Mapping[str, Sequence[str] | str | int | None]) -> str:
    """``name=a+b&other=c``: lists joined by a literal ``+`` (SDMX style), empties left out."""
    from urllib.parse import quote

    parts = []
    for name, value in pairs.items():
        if value is None or value == "" or value == []:
            continue
        items = [str(value)] if isinstance(value, str | int) else [str(v) for v in value]
        parts.append(f"{quote(name)}={'+'.join(quote(v, safe='') for v in items)}")
    return "&".join(parts)
