"""The demo's reporting round: round 2025 asks the twelve countries for their 2024 data.

Opened before the synthetic questionnaires arrive, so what they send counts for it; its
deadline (30 June 2025) has passed, so what was never sent is late. The states it ends in come
from the demo's own submissions (:mod:`migstat.demo.build`): most countries accepted, the
questionnaires with planted errors returned with findings (those corrected and sent again
accepted), Russia late with the work permits it was also asked for, and Turkmenistan having
declared its asylum table not available.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from migstat.exchange import board, rounds
from migstat.store import Store
from migstat.store.access import COORDINATOR, Principal

ROUND = "2025"
YEAR = 2024
OPENED = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
DEADLINE = date(2025, 6, 30)
TABLES = ("S01", "S02", "S03", "S04", "F01", "F02", "F03", "F04", "A01")
LATE = ("RUS", "A03")
"""Asked of one country only and never sent: late."""
DECLARED = ("TKM", "A05", "No register of asylum applications kept for 2024 (demo).")
"""Asked of one country only, and declared not available with this reason."""
BY = "coordinator"


def open_demo_round(store: Store, countries: tuple[str, ...]) -> rounds.Round:
    """Open the round (as the coordinator did on 15 January 2025)."""
    rounds.open_round(
        store,
        ROUND,
        year=YEAR,
        tables=list(TABLES),
        countries=list(countries),
        deadline=DEADLINE,
        by=BY,
        client="demo",
        now=OPENED,
    )
    for country, table in (LATE, DECLARED[:2]):
        rounds.expect(
            store, ROUND, country=country, tables=[table], by=BY, client="demo", now=OPENED
        )
    return rounds.get(store, ROUND)


def finish_demo_round(store: Store) -> list[str]:
    """The country's declaration, then the board's counts as lines for the summary."""
    country, table, reason = DECLARED
    rounds.declare(
        store,
        ROUND,
        country=country,
        table=table,
        reason=reason,
        by=f"demo:{country}",
        client="demo",
    )
    found = rounds.get(store, ROUND)
    grid = board.board(store, found, Principal(user_id=BY, roles=frozenset({COORDINATOR})))
    counts = ", ".join(f"{state} {n}" for state, n in grid.counts.items() if n)
    return [
        f"Reporting round {found.id} (reference year {found.year}, due {found.deadline}): {counts}",
        f"  its board: /rounds/{found.id} (coordinator); migstat rounds status {found.id}",
    ]


__all__ = ["DECLARED", "LATE", "ROUND", "finish_demo_round", "open_demo_round"]
