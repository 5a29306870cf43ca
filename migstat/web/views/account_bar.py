"""The signed-in reader's part of the site header: its login, the number of notifications it
has not read, and the rounds board when its role has one.

Pages are kept in the answer cache per *visibility* (two accounts of one country share a kept
page), so nothing personal may be written into a page's HTML; the header asks ``GET /me`` for
this instead, an answer that is never kept.
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_
from migstat.store import Store
from migstat.store.access import Principal
from migstat.web.views.rounds import unread

SIGN_IN = N_("Sign in")
ROUNDS = N_("Reporting rounds")
NOTIFICATIONS = N_("Notifications")
UNREAD = N_("{n} unread notifications")


def may_see_rounds(store: Store, who: Principal) -> bool:
    """The coordinator, and a country's reporter or approver (a board row of its own)."""
    policy = store.policy
    return policy.can_manage_rounds(who) or bool(
        who.country and policy.can_read_round_row(who, who.country)
    )


def bar(store: Store, who: Principal, lang: str) -> dict[str, Any]:
    """What the header shows ``who``: ``login`` (``None``: anonymous), ``unread`` and its
    ``unread_label``, and ``links`` (``id``, ``href``, ``label``) in ``lang``."""
    q = f"?lang={lang}"
    if who.anonymous:
        return {
            "login": None,
            "unread": 0,
            "unread_label": "",
            "links": [{"id": "signin", "href": f"/signin{q}", "label": gettext_(SIGN_IN, lang)}],
        }
    links = []
    if may_see_rounds(store, who):
        links.append({"id": "rounds", "href": f"/rounds{q}", "label": gettext_(ROUNDS, lang)})
    count = unread(store, who)
    links.append(
        {
            "id": "notifications",
            "href": f"/notifications{q}",
            "label": gettext_(NOTIFICATIONS, lang),
        }
    )
    return {
        "login": who.user_id,
        "unread": count,
        "unread_label": gettext_(UNREAD, lang).format(n=count),
        "links": links,
        "signin": f"/signin{q}",
    }


__all__ = ["bar", "may_see_rounds"]
