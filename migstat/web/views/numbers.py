"""The portal's one number formatter: every number a page shows goes through :func:`number`.

Each language has one convention, the one its readers expect and that the Unicode CLDR
records (read through Babel): ``12,345.6`` in English, ``12 345,6`` in Russian (a no-break
space between thousands, a comma before the decimals). Tables, headline figures, mirror
statistics and estimates all use it, and the charts draw their axes with the same symbols
(``static/portal.js`` sets Vega's locale to them), so a number reads the same wherever it
appears on a page.

The symbols are looked up once per language; the digits are grouped by Python's own
formatting, which is many times faster than formatting each cell through Babel and gives
the same text for the two languages the portal speaks.
"""

from __future__ import annotations

import math
from functools import cache

from babel.numbers import get_decimal_symbol, get_group_symbol

MISSING = "–"
"""What :func:`number` writes with ``missing=True`` for a value that does not exist."""


@cache
def symbols(lang: str) -> tuple[str, str]:
    """``(group, decimal)`` of ``lang`` as the CLDR gives them (both languages write the
    minus as a hyphen-minus)."""
    locale = lang if lang in ("en", "ru") else "en"
    return get_group_symbol(locale), get_decimal_symbol(locale)


def number(
    value: float | None, lang: str, digits: int | None = None, *, missing: bool = False
) -> str:
    """``value`` as readers of ``lang`` write it.

    ``digits`` fixes the decimals; without it a whole number has none and any other one
    decimal. ``None`` (and NaN) is empty, or a dash with ``missing``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING if missing else ""
    if digits is None:
        digits = 0 if float(value).is_integer() else 1
    value = float(value) + 0.0  # -0.0 is written as 0
    if round(value, digits) == 0:
        value = 0.0
    text = f"{value:,.{digits}f}"
    group, decimal = symbols(lang)
    if (group, decimal) != (",", "."):
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return text


def percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A share already multiplied by 100, with the language's decimal sign (no % sign)."""
    return number(value, lang, digits)
