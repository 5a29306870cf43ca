"""Plausibility rule ``PLAUS_SEX_RATIO`` (warning).

Where a table breaks down by ``SEX``, women and men of the same cell (every other dimension
fixed) are compared when both counts are at least :data:`SEX_RATIO_MIN_COUNT`; a ratio of
women to men outside :data:`SEX_RATIO_BOUNDS` is flagged on the women's cell, the men's cell
in ``related``. Labour migration makes ratios of 1:3 common; beyond 1:5 a column has usually
been swapped or mistyped.
"""

from __future__ import annotations

from migstat.i18n import N_
from migstat.model import Severity
from migstat.validation.core import Context, fmt_number

SEX_RATIO_BOUNDS = (0.2, 5.0)
SEX_RATIO_MIN_COUNT = 100

MSG_SEX_RATIO = N_(
    "{cell}: {women} women against {men} men (ratio {ratio}, expected between {low} and {high})."
)


def check_sex_ratio(ctx: Context) -> None:
    low, high = SEX_RATIO_BOUNDS
    for (table_id, _ref_area, _period), cells in ctx.groups.items():
        table = ctx.registry.tables[table_id]
        if "SEX" not in table.dimension_ids or not cells:
            continue
        s = table.key_index("SEX")
        for key, obs in cells.items():
            if key[s] != "F":
                continue
            women = obs.value
            if women is None or women < SEX_RATIO_MIN_COUNT:
                continue
            other = cells.get((*key[:s], "M", *key[s + 1 :]))
            if other is None:
                continue
            men = other.value
            if men is None or men < SEX_RATIO_MIN_COUNT:
                continue
            ratio = women / men
            if low <= ratio <= high:
                continue
            ctx.add(
                "PLAUS_SEX_RATIO",
                Severity.WARNING,
                MSG_SEX_RATIO,
                obs=obs,
                table=table_id,
                related=[other.where],
                values={
                    "observed": round(ratio, 2),
                    "women": fmt_number(women),
                    "men": fmt_number(men),
                    "low": low,
                    "high": high,
                },
                women=fmt_number(women),
                men=fmt_number(men),
                ratio=round(ratio, 2),
                low=low,
                high=high,
            )
