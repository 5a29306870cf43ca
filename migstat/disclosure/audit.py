"""The attacker: how closely the published table pins every hidden cell.

:func:`audit` reads a table as it is published (hidden cells are those whose CONF_STATUS is not
F; their values, if present, are ignored) and solves, for every hidden cell, the linear
programmes ``min x_j`` and ``max x_j`` subject to the table's additive relations, the published
values and non-negativity. Their solutions are the interval an intruder with the published table
and a linear-programming solver can narrow the cell to; protection holds when every interval is
at least the cell's protection width.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from migstat.disclosure import lp
from migstat.disclosure.system import build_systems
from migstat.model import Observation, Registry, TableDef, default_registry


@dataclass(frozen=True, slots=True)
class Interval:
    """The attacker's bounds for one hidden cell (``upper`` is ``inf`` when unbounded)."""

    ref_area: str
    time_period: str
    key: tuple[str, ...]
    lower: float
    upper: float

    @property
    def width(self) -> float:
        return self.upper - self.lower


def _hidden(obs: Observation) -> bool:
    return obs.conf_status not in ("F", "")


def audit(
    observations: Iterable[Observation],
    table: TableDef,
    *,
    registry: Registry | None = None,
) -> list[Interval]:
    """The attacker's interval of every hidden cell of ``table`` among ``observations``."""
    registry = registry or default_registry()
    out: list[Interval] = []
    for system in build_systems(observations, table, registry, _hidden):
        x = system.values(lambda o: not _hidden(o))
        known = ~np.isnan(x)
        lower, upper = lp.bounds(system.matrix, known, np.nan_to_num(x))
        for j, obs in enumerate(system.observations):
            if _hidden(obs):
                out.append(
                    Interval(
                        system.ref_area,
                        system.time_period,
                        obs.key,
                        float(lower[j]),
                        float(upper[j]),
                    )
                )
    return out
