"""Time rule ``TIME_YOY_JUMP`` (warning): a value far from the same cell of the previous period.

With a :class:`History` (the store implements it), every observation is compared with the
value of the same table, provider, area and key in the latest earlier period. With ratio
``r = TableDef.yoy_warning_ratio`` and floor ``m = TableDef.yoy_min_value``:

- both values ``>= m``: flagged when the larger is more than ``r`` times the smaller, either
  way (a ×5 jump or a fall to a fifth);
- one of them is zero: flagged when the other is ``>= m * r`` — a corridor appearing from
  nothing or vanishing at a size that would be flagged starting from the floor;
- otherwise (a value below the floor, or a value missing in either period): not flagged, since
  small numbers jump naturally and a missing value is not a change.

Without history there is nothing to compare and nothing is reported.
"""

from __future__ import annotations

from typing import Protocol

from migstat.i18n import N_
from migstat.model import Severity
from migstat.validation.core import Context, fmt_number

MSG_YOY = N_(
    "{cell}: {value} in {period} against {previous} in {previous_period} "
    "(ratio {ratio}); check the value or explain the change in a comment."
)
MSG_YOY_ZERO = N_(
    "{cell}: {value} in {period} against {previous} in {previous_period}; "
    "check the value or explain the change in a comment."
)


class History(Protocol):
    """Earlier data of the same provider, as the store keeps them."""

    def previous(
        self, table: str, provider: str, ref_area: str, before: str
    ) -> tuple[str, dict[tuple[str, ...], float | None]] | None:
        """The latest period before ``before`` and its values by key, or ``None``."""
        ...


def check_year_on_year(ctx: Context, history: History | None) -> None:
    if history is None:
        return
    provider = ctx.dataset.provider
    for (table_id, ref_area, period), cells in ctx.groups.items():
        if not cells:
            continue
        found = history.previous(table_id, provider, ref_area, period)
        if not found:
            continue
        previous_period, previous = found
        table = ctx.registry.tables[table_id]
        ratio = table.yoy_warning_ratio
        floor = table.yoy_min_value
        from_zero = floor * ratio
        for key, obs in cells.items():
            value = obs.value
            if value is None:
                continue
            before = previous.get(key)
            if before is None:
                continue
            low, high = (value, before) if value <= before else (before, value)
            if low >= floor:
                if high <= ratio * low:
                    continue
            elif not (low == 0 and high >= from_zero):
                continue
            shown = round(value / before, 1) if before else None
            ctx.add(
                "TIME_YOY_JUMP",
                Severity.WARNING,
                MSG_YOY if before else MSG_YOY_ZERO,
                obs=obs,
                table=table_id,
                values={
                    "observed": fmt_number(value),
                    "previous": fmt_number(before),
                    "ratio": shown,
                    "threshold": ratio,
                },
                value=fmt_number(value),
                previous=fmt_number(before),
                period=period,
                previous_period=previous_period,
                ratio=shown,
            )
