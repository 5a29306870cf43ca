"""The notation of numbers and flags that statisticians type into cells and CSV fields.

=================  ==========================  ========  ===========  ===========
what is typed      meaning                     value     OBS_STATUS   CONF_STATUS
=================  ==========================  ========  ===========  ===========
``1234``           a number                    1234      A            F
``..`` or ``…``    not available               ``None``  L            F
``x`` (or ``х``)   confidential                ``None``  A            C
``-``              nil (a true zero)           0         A            F
``123 e``          estimated                   123       E            F
``123 p``          provisional                 123       P            F
(empty)            not provided                no observation
=================  ==========================  ========  ===========  ===========

Letters may be Latin or their Cyrillic look-alikes (``х``, ``е``, ``р``), in either case, with
or without the space. Numbers may carry spaces, no-break spaces or thin spaces as thousands
separators and a decimal comma; ``1,234,567`` (several groups) is read with comma separators.
The same rules apply to numbers given as text in CSV files. :func:`read_number` is the one
parser of numbers: it reads this notation, and the numbers of publishers' files whose decimal
mark is known (Eurostat's exports, SDMX, the counts of UN DESA, UNHCR, CIS-Stat and Belstat).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time

NOT_AVAILABLE = frozenset({"..", "…", "...", ":"})
CONFIDENTIAL = frozenset({"x", "х"})  # Latin and Cyrillic, compared case-folded
NIL = frozenset({"-", "–", "—", "−"})
FLAG_LETTERS = {"e": "E", "е": "E", "p": "P", "р": "P"}
"""Trailing letters after a number: Latin e/p and the Cyrillic look-alikes е/р."""

_SPACES = dict.fromkeys(
    map(ord, " \t\u00a0\u202f\u2009\u2007\u2008\u200a\u2006\u2005\u2004\u205f\u3000\u200b"), None
)
_INT = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?\d+(?:[.,]\d+)?|[-+]?[.,]\d+")
_COMMA_GROUPS = re.compile(r"[-+]?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?")
_DOT_GROUPS = re.compile(r"[-+]?\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?")
_WITH_FLAG = re.compile(r"(?P<number>.*\d)\s*(?P<flag>[^\W\d_])", re.S)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a cell says: a value (``None`` when only a flag) and its flags."""

    value: float | None
    obs_status: str = "A"
    conf_status: str = "F"


class NotANumber(ValueError):
    """The cell holds something that is neither a number nor a recognised flag."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def read_number(
    text: object, *, decimal: str | None = None, thousands: bool = True, finite: bool = True
) -> int | float | None:
    """A number as published or typed, or ``None`` when ``text`` is not one: the one parser.

    Every kind of space (and a zero-width space) inside a number separates thousands and the
    minus sign may be typographic (``−``). Then the marks ``,`` and ``.``:

    * ``decimal=None``, as typed in cells (the table above): a lone mark followed by digits is
      the decimal mark (``1,5``, ``1.5``); several groups of three digits are thousands
      (``1,234,567``, ``1.234.567,5``); nothing else (no exponents).
    * ``decimal="."`` or ``","``, as a file declares it: with ``thousands`` the other mark
      separates thousands (``1,160``, ``1.160,5``); without it the other mark is not a number
      (a count is never read with comma separators). Python's float syntax is accepted
      (``1e5``, ``1_000``), and a non-finite value (``nan``) is ``None`` when ``finite``.

    A whole number is returned as an ``int`` (``1009.0`` and a spreadsheet's
    ``38891.00000000001`` too, unless ``decimal`` is ``None``), anything else as a float. A
    number that is not text (from a workbook or JSON) is taken as it is: ``int``, a float as
    by :func:`whole`; ``None`` and booleans are not numbers.
    """
    if not isinstance(text, str):
        if isinstance(text, bool) or text is None:
            return None
        if isinstance(text, int):
            return text
        if isinstance(text, float):
            return whole(text)
        text = str(text)
    if decimal is None:
        compact = text.translate(_SPACES).replace("−", "-")
        return _typed(compact) if compact else None
    if decimal == ",":
        text = text.replace(".", "").replace(",", ".")
    elif thousands:
        text = text.replace(",", "")
    try:
        return int(text)  # the common case, and what the steps below would give
    except ValueError:
        pass
    compact = text.translate(_SPACES).replace("−", "-")
    try:
        return int(compact)
    except ValueError:
        pass
    try:
        number = whole(float(compact))
    except ValueError:
        return None
    if finite and isinstance(number, float) and not math.isfinite(number):
        return None
    return number


def _typed(compact: str) -> int | float | None:
    """A number in the notation of cells (``decimal=None`` of :func:`read_number`)."""
    if _INT.fullmatch(compact):
        return int(compact)
    if _DECIMAL.fullmatch(compact):
        return float(compact.replace(",", "."))
    if _COMMA_GROUPS.fullmatch(compact):
        return float(compact.replace(",", ""))
    if _DOT_GROUPS.fullmatch(compact):
        return float(compact.replace(".", "").replace(",", "."))
    return None


def whole(number: float) -> int | float:
    """A count computed in a spreadsheet (``38891.00000000001``) is the whole number it
    stands for; a real fraction stays a fraction (and NaN or infinity stays what it is)."""
    if not math.isfinite(number):
        return number
    nearest = round(number)
    if number.is_integer() or abs(number - nearest) < 1e-9 * max(1.0, abs(number)):
        return int(nearest)
    return number


def parse_number(text: str) -> float | None:
    """A number written as text in the notation of cells, as a float; ``None`` when ``text``
    is not one."""
    number = read_number(text)
    return None if number is None else float(number)


def parse_count(text: object) -> int | float | None:
    """A published count: ``"1 234"`` (any kind of space), ``"1009.0"``, ``12``; else None.

    Only unambiguous forms are accepted: a comma is never read as a thousands separator here.
    """
    return read_number(text, decimal=".", thousands=False, finite=False)


def read_text(text: str) -> Reading | None:
    """Read one cell's text; ``None`` for an empty cell; :class:`NotANumber` otherwise."""
    stripped = text.strip().strip("\u200b")
    if not stripped:
        return None
    if stripped in NOT_AVAILABLE:
        return Reading(None, obs_status="L")
    if stripped.casefold() in CONFIDENTIAL:
        return Reading(None, conf_status="C")
    if stripped in NIL:
        return Reading(0.0)
    number = parse_number(stripped)
    if number is not None:
        return Reading(number)
    match = _WITH_FLAG.fullmatch(stripped)
    if match:
        flag = FLAG_LETTERS.get(match["flag"].casefold())
        number = parse_number(match["number"])
        if flag and number is not None:
            return Reading(number, obs_status=flag)
    raise NotANumber(stripped)


def read_value(value: object) -> Reading | None:
    """Read a cell value as it comes from a workbook (number, text, date, boolean)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value).upper())
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinity
            raise NotANumber(str(value))
        return Reading(float(value))
    if isinstance(value, datetime | date | time):
        raise NotANumber(value.isoformat())
    return read_text(str(value))


def write_cell(value: float | None, obs_status: str = "A", conf_status: str = "F") -> object:
    """The cell content for an observation, in the notation above (``None``: leave empty)."""
    if value is None:
        if conf_status not in ("F", "", None):
            return "x"
        return ".."
    number: float | int = int(value) if float(value).is_integer() else value
    if obs_status == "E":
        return f"{number} e"
    if obs_status == "P":
        return f"{number} p"
    return number
