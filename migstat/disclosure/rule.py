"""The disclosure rule: which cells are sensitive and how wide their protection must be.

A :class:`Rule` is plain data (:meth:`Rule.to_dict`, :meth:`Rule.from_dict`) so that a
submission's metadata can carry the rule that protected it, and a portal can show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from migstat.i18n import N_
from migstat.model import ConfStatus, InputError

METHOD = "secondary-suppression-lp/1"
"""The name and version of the method (docs/methods/disclosure.md), recorded with the rule."""

PRIMARY_STATUSES = frozenset({ConfStatus.CONFIDENTIAL.value, ConfStatus.NOT_FOR_PUBLICATION.value})
"""CONF_STATUS codes a country uses to mark a cell confidential: primary suppression."""
SECONDARY_STATUSES = frozenset(
    {ConfStatus.SECONDARY_SENDER.value, ConfStatus.SECONDARY_RECEIVER.value}
)

MSG_POSITIVE = N_(
    "Disclosure rule: {field} = {value} is not allowed: it must be a positive number "
    "(for example 3)."
)
MSG_NOT_NEGATIVE = N_(
    "Disclosure rule: {field} = {value} is not allowed: it must be zero or more "
    "(for example min_frequency 3, width_percent 10)."
)
MSG_SECONDARY = N_(
    "Disclosure rule: secondary_status = {value} is not allowed: give D (the sender "
    "suppresses) or S (the receiver suppresses)."
)
MSG_UNKNOWN = N_(
    "Disclosure rule: there is no parameter {field}. The parameters are min_frequency, "
    "width_absolute, width_percent and secondary_status."
)


@dataclass(frozen=True, slots=True)
class Rule:
    """Primary suppression by a minimum frequency, and the protection width of hidden cells.

    The *protection width* of a hidden cell is the least width the attacker's interval for it
    (the lowest and highest value it can take given every published cell, the additive
    relations of the table and non-negativity) must have:

    - a primary cell (marked confidential, or a count under ``min_frequency``):
      ``max(width_absolute, width_percent / 100 * value)``;
    - a secondary cell: ``width_absolute``, so no hidden cell can be recovered exactly or to
      within a few units.

    ``width_absolute`` must be positive; the percentage makes large sensitive cells need
    proportionally wide intervals (a cell of 2,000 with 10 % may not be pinned to 1,950-2,050).
    """

    min_frequency: int = 3
    """A count ``0 < value < min_frequency`` is primary-suppressed (0 disables the rule).
    Zeros are not suppressed by frequency: a zero is published unless marked confidential."""
    width_absolute: float = 3.0
    width_percent: float = 10.0
    secondary_status: str = ConfStatus.SECONDARY_SENDER.value
    """CONF_STATUS of the complementary suppressions: D when the sender (the country, or the
    office tabulating its microdata) applies the rule, S when the clearing-house does."""

    def __post_init__(self) -> None:
        if not self.width_absolute > 0:
            raise InputError(MSG_POSITIVE, field="width_absolute", value=self.width_absolute)
        if not self.width_percent >= 0:
            raise InputError(MSG_NOT_NEGATIVE, field="width_percent", value=self.width_percent)
        if not self.min_frequency >= 0:
            raise InputError(MSG_NOT_NEGATIVE, field="min_frequency", value=self.min_frequency)
        if self.secondary_status not in SECONDARY_STATUSES:
            raise InputError(MSG_SECONDARY, value=self.secondary_status)

    def width(self, value: float | None, primary: bool) -> float:
        """The protection width a hidden cell of ``value`` needs."""
        if not primary or value is None:
            return self.width_absolute
        return max(self.width_absolute, self.width_percent / 100.0 * abs(value))

    def frequency_sensitive(self, value: float | None, counts: bool = True) -> bool:
        """Whether the minimum-frequency rule makes a cell primary (counts tables only)."""
        return counts and value is not None and 0 < value < self.min_frequency

    def to_dict(self) -> dict[str, Any]:
        """The rule as plain data, with the method that applied it."""
        return {"method": METHOD, **asdict(self)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Rule:
        """A rule from :meth:`to_dict`'s data (unknown keys are an error, ``method`` ignored)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names - {"method"})
        if unknown:
            raise InputError(MSG_UNKNOWN, field=unknown[0])
        return cls(**{k: v for k, v in raw.items() if k in names})
