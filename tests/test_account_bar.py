"""The header's account part, ``GET /me``: the signed-in login, its own unread notifications,
and the rounds board for the roles that have one; the public a sign-in link. Never kept: pages
are shared by accounts that see the same data, so nothing of an account is in a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from migstat.exchange import notify, totp
from migstat.store import Store
from tests.rounds_data import OPENED, open_2024, people, the_states
from tests.test_exchange_workflow import client, signed_in

FAR = datetime(2099, 1, 1, tzinfo=UTC)


@pytest.fixture
def reminded(store: Store) -> Store:
    """Round 2024; KGZ's returned submission notified to its reporter and approver."""
    people(store)
    totp.enrol(store, "coord", by="test", now=OPENED - timedelta(days=30))
    open_2024(store)
    the_states(store)
    assert notify.remind(store, days=7, now=FAR).created == 2
    return store


@pytest.mark.parametrize(
    ("lang", "rounds", "unread", "sign_in"),
    [
        ("en", "Reporting rounds", "1 unread notifications", "Sign in"),
        ("ru", "Раунды сбора данных", "Непрочитанных уведомлений: 1", "Вход"),
    ],
)
def test_each_reader_sees_its_own_count_and_links(
    reminded: Store, lang: str, rounds: str, unread: str, sign_in: str
) -> None:
    web, _csrf = signed_in(reminded, "aigul", lang)
    answer = web.get(f"/me?lang={lang}")
    assert answer.headers["cache-control"] == "no-store"
    me = answer.json()
    assert (me["login"], me["unread"], me["unread_label"]) == ("aigul", 1, unread)
    assert [(link["id"], link["href"], link["label"]) for link in me["links"]] == [
        ("rounds", f"/rounds?lang={lang}", rounds),
        ("notifications", f"/notifications?lang={lang}", me["links"][1]["label"]),
    ]
    # reading the list marks it read: the header says 0 at the next page
    assert web.get(f"/notifications?lang={lang}").status_code == 200
    assert web.get(f"/me?lang={lang}").json()["unread"] == 0
    # the approver's notification is its own: still unread
    approver, _ = signed_in(reminded, "aigul.approver", lang)
    assert approver.get("/me").json()["unread"] == 1
    # a partner has no rounds board; the coordinator has
    partner = signed_in(reminded, "pat", lang)[0].get(f"/me?lang={lang}").json()
    assert [link["id"] for link in partner["links"]] == ["notifications"]
    assert partner["unread"] == 0
    coordinator = signed_in(reminded, "coord", lang)[0].get("/me").json()
    assert [link["id"] for link in coordinator["links"]] == ["rounds", "notifications"]
    # the public: a sign-in link, nothing else
    public = client(reminded).get(f"/me?lang={lang}").json()
    assert public["login"] is None and public["unread"] == 0
    assert [(link["id"], link["label"]) for link in public["links"]] == [("signin", sign_in)]


def test_pages_carry_no_account_only_the_place_for_it(reminded: Store) -> None:
    """A kept page is served to another account of the same visibility: it holds the
    sign-in link and the script, never the login or the count."""
    web, _ = signed_in(reminded, "aigul")
    page = web.get("/releases").text
    assert 'id="account"' in page and "/static/account.js" in page
    assert "aigul" not in page
    assert web.get("/static/account.js").status_code == 200
