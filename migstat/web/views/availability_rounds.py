"""What reporting rounds add to the availability page and the country profile.

- A cell with no data but a submission returned with findings (or rejected by validation)
  for that table and year is *returned*, not *missing*: the country did send something.
  Which submissions count is what the reader may list through the access gate.
- With ``?round=ID`` the availability page reads the round's year from the round's board
  (:mod:`migstat.exchange.board`): a census dated 2022 sent in the 2024 round provides the
  2024 column, and a table the country declared not available says so. Only those who may
  read the round's rows (the coordinator, a country's own accounts) get this view.
- The country profile lists the rounds that ask the country, for those who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migstat.exchange import board, rounds
from migstat.i18n import N_, gettext_
from migstat.model.findings import NotFoundError
from migstat.web.views.data import PortalData
from migstat.web.views.params import unknown

RETURNED = "returned"
RETURNED_STATUSES = ("returned", "rejected")
LABELS = {
    RETURNED: N_("returned with findings"),
    board.NOT_AVAILABLE: N_("declared not available"),
    board.LATE: N_("late"),
    board.SUBMITTED: N_("submitted"),
    board.DRAFT: N_("draft"),
}
# a round's state -> the availability page's status of the round year's cell
_ROUND_STATUS = {
    board.ACCEPTED: "provided",
    board.RETURNED: RETURNED,
    board.SUBMITTED: board.SUBMITTED,
    board.DRAFT: board.DRAFT,
    board.NOT_AVAILABLE: board.NOT_AVAILABLE,
    board.LATE: board.LATE,
    board.NOT_STARTED: "missing",
}


def returned_cells(data: PortalData, areas: list[str]) -> dict[tuple[str, str, int], list[int]]:
    """(area, table, year) -> the ids of listed submissions returned for it."""
    wanted = set(areas)
    listed = [s for s in data.submissions if s.status in RETURNED_STATUSES and s.provider in wanted]
    if not listed:
        return {}
    years = board.periods(data.reader.store, [s.id for s in listed])
    out: dict[tuple[str, str, int], list[int]] = {}
    for s in listed:
        for table in s.tables:
            for y in years.get((s.id, table), ()):
                out.setdefault((s.provider, table, y), []).append(s.id)
    return out


@dataclass(slots=True)
class Overlay:
    """A round's board laid over the availability grid's column of the round's year."""

    round: rounds.Round
    grid: board.Board

    def cell(self, area: str, table: str, year: int) -> tuple[str, str] | None:
        """The cell's status and note from the round, or ``None`` outside it."""
        if year != self.round.year:
            return None
        found = self.grid.cells.get((area, table))
        if found is None:
            return None
        note = f"{self.round.id}: {found.state}"
        if found.reason:
            note += f" ({found.reason})"
        if found.submission_id is not None:
            note += f" #{found.submission_id}"
        return _ROUND_STATUS[found.state], note


def overlay(data: PortalData, round_id: str | None) -> Overlay | None:
    """The board of ``round_id`` as the reader may see it (403 when it may see none)."""
    if not round_id:
        return None
    store = data.reader.store
    try:
        found = rounds.get(store, round_id)
    except NotFoundError:
        raise unknown("round", round_id, [r.id for r in rounds.listing(store)]) from None
    return Overlay(found, board.board(store, found, data.reader.principal))


def cell_status(
    area: str,
    table: str,
    year: int,
    found: tuple[str, str],
    returned: dict[tuple[str, str, int], list[int]],
    over: Overlay | None,
    lang: str,
    earlier: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> tuple[str, str]:
    """The status and note of one availability cell, rounds and returns considered.

    ``earlier`` are the row's cells of the years before: data accepted in a round for an
    earlier reference date are as complete as that date's cell says."""
    from_round = over.cell(area, table, year) if over is not None else None
    if from_round is not None and from_round[0] == "provided" and found[0] == "missing":
        before = [c["status"] for c in earlier if c["status"] in ("provided", "partial")]
        return (before[-1] if before else "provided"), from_round[1]
    if from_round is not None and from_round[0] not in ("missing", "provided"):
        return from_round
    if found[0] == "missing" and (area, table, year) in returned:
        ids = ", ".join(f"#{i}" for i in returned[(area, table, year)])
        return RETURNED, f"{gettext_(LABELS[RETURNED], lang)} {ids}"
    return found


def labels(lang: str) -> dict[str, str]:
    return {k: gettext_(v, lang) for k, v in LABELS.items()}


def profile_rounds(data: PortalData, country: str) -> list[dict[str, Any]]:
    """The rounds asking ``country`` whose row the reader may see, with its row's cells."""
    store, who = data.reader.store, data.reader.principal
    if not store.policy.can_read_round_row(who, country):
        return []
    names = {s: gettext_(n, data.lang) for s, n in board.STATE_NAMES.items()}
    out = []
    for found in rounds.listing(store):
        if country not in found.expected:
            continue
        grid = board.board(store, found, who)
        cells = [c for c in grid.row(country) if c is not None]
        out.append(
            {
                "round": found,
                "cells": [{"cell": c, "label": names[c.state]} for c in cells],
            }
        )
    return out


__all__ = ["Overlay", "cell_status", "labels", "overlay", "profile_rounds", "returned_cells"]
