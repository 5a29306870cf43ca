"""Reading the portal's query strings: the same names as the downloads and the SDMX API.

A list of codes may come as repeated parameters (``SEX=F&SEX=M``, what an HTML form sends) or
joined by ``+`` (``REF_AREA=KGZ+TJK``, as in SDMX keys; a ``+`` in a query string arrives as a
space) or by commas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_SPLIT = re.compile(r"[+\s,]+")


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


def year(params: Any, name: str) -> int | None:
    """A year parameter (``start``, ``end``); a date keeps its year; anything else is ignored."""
    value = (params.get(name) or "").strip()
    return int(value[:4]) if re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", value) else None


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
