"""The page model of the coordinator's accounts page (``/accounts``)."""

from __future__ import annotations

from typing import Any

from migstat.exchange import accounts, tokens
from migstat.exchange.accounts import ROLE_NAMES
from migstat.exchange.tokens import SCOPES
from migstat.store import Store


def page_model(store: Store) -> dict[str, Any]:
    """Every account with its tokens (never a token's secret), and the choices of the forms."""
    by_login: dict[str, list[tokens.TokenRecord]] = {}
    for token in tokens.listing(store):
        by_login.setdefault(token.login, []).append(token)
    return {
        "accounts": [(a, by_login.get(a.login, [])) for a in accounts.listing(store)],
        "roles": ROLE_NAMES,
        "scopes": SCOPES,
    }


__all__ = ["page_model"]
