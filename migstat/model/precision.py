"""The sampling precision of an estimated cell: its standard error, coefficient of variation,
confidence interval and reliability flag, as observation attributes.

A survey estimate is published with its precision. Since schema revision 0008 the store keeps
it in columns of its own, and every format carries it as SDMX observation attributes
(:data:`ATTRIBUTES`): ``STD_ERROR``, ``COEF_VAR`` (a fraction, not per cent; absent for a zero
estimate), ``CI_LEVEL`` (per cent), ``CI_LOWER``, ``CI_UPPER`` and ``RELIABILITY``
(``reliable``, ``flagged`` or ``suppressed`` by the office's CV thresholds). A suppressed
estimate keeps its CV and flag but not its standard error or interval, which would give the
withheld value away.

Before 0008 the precision travelled in the observation's COMMENT in one fixed form, still read
(:func:`precision_of`) so that rows stored then show the same::

    SE=1234.5;CV=0.0456;CI95=21001.2..25840.8
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_PATTERN = re.compile(
    r"^SE=(?P<se>[0-9.eE+-]+)(?:;CV=(?P<cv>[0-9.eE+-]+))?"
    r"(?:;CI(?P<level>\d{1,2})=(?P<low>[0-9.eE+-]+)\.\.(?P<high>[0-9.eE+-]+))?$"
)


RELIABILITY_CODES = ("reliable", "flagged", "suppressed")
"""The values of the RELIABILITY attribute."""

ATTRIBUTES = ("STD_ERROR", "COEF_VAR", "CI_LEVEL", "CI_LOWER", "CI_UPPER", "RELIABILITY")
"""The SDMX observation attributes of a survey estimate's precision, in the order written."""

COLUMNS = ("std_error", "coef_var", "ci_level", "ci_low", "ci_high", "reliability")
"""The store's columns of those attributes (schema revision 0008), in the same order."""

ATTRIBUTE_NAMES: dict[str, dict[str, str]] = {
    "STD_ERROR": {"en": "Standard error", "ru": "Стандартная ошибка"},
    "COEF_VAR": {"en": "Coefficient of variation", "ru": "Коэффициент вариации"},
    "CI_LEVEL": {"en": "Confidence level, %", "ru": "Доверительная вероятность, %"},
    "CI_LOWER": {"en": "Confidence interval, lower bound", "ru": "Нижняя граница интервала"},
    "CI_UPPER": {"en": "Confidence interval, upper bound", "ru": "Верхняя граница интервала"},
    "RELIABILITY": {"en": "Reliability", "ru": "Надёжность"},
}
"""The attributes' names in the portal's languages (SDMX structures, download headers)."""


@dataclass(frozen=True, slots=True)
class Precision:
    """Standard error (``None`` when withheld with a suppressed estimate), CV (``None`` for a
    zero estimate), the confidence interval at ``level`` per cent (``None`` when not given)
    and the reliability flag (one of :data:`RELIABILITY_CODES`, or ``None``)."""

    se: float | None
    cv: float | None = None
    level: int | None = None
    low: float | None = None
    high: float | None = None
    reliability: str | None = None

    def row(self) -> tuple[Any, ...]:
        """The values of :data:`COLUMNS`."""
        return (self.se, self.cv, self.level, self.low, self.high, self.reliability)

    def attributes(self) -> dict[str, str]:
        """The attributes as text (numbers round-trip exactly; absent ones empty)."""
        return {
            name: "" if value is None else value if isinstance(value, str) else _text(value)
            for name, value in zip(ATTRIBUTES, self.row(), strict=True)
        }

    def comment(self) -> str:
        """The pre-0008 comment form (kept for reading old rows and tests)."""
        parts = [f"SE={self.se:.9g}"]
        if self.cv is not None and math.isfinite(self.cv):
            parts.append(f"CV={self.cv:.9g}")
        if self.level is not None and self.low is not None and self.high is not None:
            parts.append(f"CI{self.level}={self.low:.9g}..{self.high:.9g}")
        return ";".join(parts)


def parse_precision(comment: str | None) -> Precision | None:
    """The precision in a comment written by :meth:`Precision.comment`, else ``None``."""
    if not comment or not comment.startswith("SE="):
        return None
    found = _PATTERN.match(comment.strip())
    if found is None:
        return None
    try:
        level = found["level"]
        return Precision(
            se=float(found["se"]),
            cv=float(found["cv"]) if found["cv"] else None,
            level=int(level) if level else None,
            low=float(found["low"]) if level else None,
            high=float(found["high"]) if level else None,
        )
    except ValueError:
        return None


def _text(value: float | int) -> str:
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def from_row(
    se: float | None,
    cv: float | None,
    level: int | None,
    low: float | None,
    high: float | None,
    reliability: str | None,
) -> Precision | None:
    """The precision stored in :data:`COLUMNS`, or ``None`` when the row has none."""
    if se is None and cv is None and reliability is None:
        return None
    return Precision(se, cv, level, low, high, reliability)


def precision_of(obs: object) -> Precision | None:
    """An observation's precision: its attributes, or for a row stored before schema
    revision 0008 the form its comment carried."""
    found = getattr(obs, "precision", None)
    if found is not None:
        return found
    old = parse_precision(getattr(obs, "comment", None))
    if old is None:
        return None
    status = getattr(obs, "obs_status", None)
    flag = {"U": "flagged", "Q": "suppressed"}.get(status or "", "reliable")
    return Precision(old.se, old.cv, old.level, old.low, old.high, flag)


class BadAttribute(ValueError):
    """A precision attribute whose text is not what it must be; ``column`` names it."""

    def __init__(self, column: str, text: str) -> None:
        super().__init__(column, text)
        self.column = column
        self.text = text


def _number(name: str, text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadAttribute(name, text) from None
    if not math.isfinite(value) or (value < 0 and name in ("STD_ERROR", "COEF_VAR")):
        raise BadAttribute(name, text)
    return value


def from_attributes(texts: dict[str, str]) -> Precision | None:
    """The precision given as attribute texts (``STD_ERROR`` … ``RELIABILITY``; missing or
    empty ones absent), or ``None`` when none is given. Raises :class:`BadAttribute` for a
    value that is not a non-negative number (SE, CV), a number (bounds), a whole per cent
    between 1 and 99 (level) or one of :data:`RELIABILITY_CODES`."""
    if not any(texts.get(name) for name in ATTRIBUTES):
        return None
    se = _number("STD_ERROR", texts.get("STD_ERROR", ""))
    cv = _number("COEF_VAR", texts.get("COEF_VAR", ""))
    low = _number("CI_LOWER", texts.get("CI_LOWER", ""))
    high = _number("CI_UPPER", texts.get("CI_UPPER", ""))
    level_text = texts.get("CI_LEVEL", "")
    level = None
    if level_text:
        level_value = _number("CI_LEVEL", level_text)
        if level_value is None or not level_value.is_integer() or not 1 <= level_value <= 99:
            raise BadAttribute("CI_LEVEL", level_text)
        level = int(level_value)
    reliability = texts.get("RELIABILITY", "").strip().lower() or None
    if reliability is not None and reliability not in RELIABILITY_CODES:
        raise BadAttribute("RELIABILITY", texts["RELIABILITY"])
    return Precision(se, cv, level, low, high, reliability)
