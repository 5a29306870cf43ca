"""The page models of reporting rounds: ``/rounds`` (the list, and the form to open one),
``/rounds/{id}`` (the status board) and ``/notifications``.

The coordinator sees every row of a board; a country's reporter or approver only its own
(the access gate's :meth:`~migstat.store.access.AccessPolicy.can_read_round_row`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migstat.exchange import accounts, board, notify, rounds
from migstat.i18n import gettext_
from migstat.model.findings import NotFoundError
from migstat.store import Store
from migstat.store.access import Principal

SYMBOLS = {
    board.ACCEPTED: "\u2713",
    board.SUBMITTED: "\u2192",
    board.DRAFT: "\u270e",
    board.RETURNED: "\u21a9",
    board.NOT_AVAILABLE: "\u2014",
    board.LATE: "!",
    board.NOT_STARTED: "",
}


def account_id(store: Store, principal: Principal) -> int | None:
    """The account behind ``principal`` (none for the coordinator's configured token)."""
    if principal.user_id is None:
        return None
    try:
        return accounts.find(store, principal.user_id).id
    except NotFoundError:
        return None


def unread(store: Store, principal: Principal) -> int:
    found = account_id(store, principal)
    return notify.unread(store, found) if found is not None else 0


def state_names(lang: str) -> dict[str, str]:
    return {s: gettext_(name, lang) for s, name in board.STATE_NAMES.items()}


def listing(store: Store, principal: Principal, lang: str) -> dict[str, Any]:
    """The rounds ``principal`` may see a row of, with the board's counts of each."""
    shown = []
    for found in rounds.listing(store):
        rows = [c for c in found.countries if store.policy.can_read_round_row(principal, c)]
        if not rows:
            continue
        grid = board.board(store, found, principal)
        shown.append({"round": found, "counts": grid.counts, "rows": len(rows)})
    return {
        "rounds": shown,
        "states": state_names(lang),
        "symbols": SYMBOLS,
        "can_open": store.policy.can_manage_rounds(principal),
        "tables": sorted(t.id for t in store.registry.standard_tables()),
        "unread": unread(store, principal),
    }


def board_model(
    store: Store, found: rounds.Round, principal: Principal, lang: str, now: datetime
) -> dict[str, Any]:
    """The board of one round: a row per visible country, a cell per table."""
    grid = board.board(store, found, principal, now=now)
    labels = state_names(lang)
    rows = []
    for country in grid.countries:
        cells = []
        for cell in grid.row(country):
            if cell is None:
                cells.append(None)
                continue
            title = labels[cell.state]
            if cell.reason:
                title += f": {cell.reason}"
            if cell.submission_id is not None:
                title += f" (#{cell.submission_id})"
            cells.append({"cell": cell, "title": title, "symbol": SYMBOLS[cell.state]})
        rows.append(
            {
                "code": country,
                "name": store.registry.areas.label(country, lang),
                "cells": cells,
                "declarable": [
                    t
                    for t in found.expected[country]
                    if grid.cells[(country, t)].state not in (board.ACCEPTED, board.NOT_AVAILABLE)
                ],
            }
        )
    return {
        "round": found,
        "rows": rows,
        "counts": grid.counts,
        "states": labels,
        "symbols": SYMBOLS,
        "past_deadline": board.past_deadline(found, now),
        "can_manage": store.policy.can_manage_rounds(principal),
        "unread": unread(store, principal),
    }


def notifications(store: Store, principal: Principal, lang: str) -> dict[str, Any]:
    found = account_id(store, principal)
    items = notify.for_account(store, found) if found is not None else []
    return {
        "items": [{"n": n, "text": n.text(lang), "unread": n.read_at is None} for n in items],
        "account": found,
    }


__all__ = ["account_id", "board_model", "listing", "notifications", "unread"]
