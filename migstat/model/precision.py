"""The sampling precision of an estimated cell as the observation's comment carries it.

A survey estimate is published with its standard error, coefficient of variation and
confidence interval. The store keeps per observation its value, OBS_STATUS, CONF_STATUS and
the COMMENT attribute, so the precision travels in the comment in one fixed, readable and
machine-readable form (written by ``tabulate``, read back by the portal)::

    SE=1234.5;CV=0.0456;CI95=21001.2..25840.8

Numbers are written with nine significant digits in the C locale; ``CV`` is a fraction (not
per cent) and is absent when the estimate is zero.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^SE=(?P<se>[0-9.eE+-]+)(?:;CV=(?P<cv>[0-9.eE+-]+))?"
    r"(?:;CI(?P<level>\d{1,2})=(?P<low>[0-9.eE+-]+)\.\.(?P<high>[0-9.eE+-]+))?$"
)


@dataclass(frozen=True, slots=True)
class Precision:
    """Standard error, CV (``None`` for a zero estimate), and the confidence interval at
    ``level`` per cent (``None`` when not given)."""

    se: float
    cv: float | None = None
    level: int | None = None
    low: float | None = None
    high: float | None = None

    def comment(self) -> str:
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
