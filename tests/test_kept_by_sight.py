"""Kept answers are shared by what a principal may see, never beyond it.

Kyrgyzstan's S01 (one confidential cell) is released to the public under embargo, so the
members of the sharing agreement of Kyrgyzstan and Kazakhstan read it at once, and everyone at
the embargo's end. Each reader asks the same pages, downloads and SDMX queries, the most
entitled first, so that the others would be served its kept answers if the caches keyed on
anything less than what each may see: two partner analysts of Kazakhstan share theirs (made
once), while a partner of another agreement, a reporter of another country and the public
never get them, before the embargo's end by the controllable clock, at it, and right after a
withdrawal. A kept download given to a signed-in account before routing still leaves its
audit record each time. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from migstat.exchange import accounts, agreements, audit, sessions
from migstat.exchange.release import release
from migstat.store import Store
from migstat.store.engine import utcnow
from migstat.web import auth
from migstat.web.app import create_app
from tests.access_states import renderings
from tests.release_data import KAZ_ROWS, KGZ_ROWS, Clock, open_store, submit

SECRET = "kept-by-sight-secret-key-0123456789"
PASSWORD = "Kept answers by sight 2025"
TOTAL = 6_636_800.0
"""Kyrgyzstan's total: readable by those the release states let read Kyrgyzstan's S01."""
CONFIDENTIAL = 52_300.0
"""Kyrgyzstan's confidential cell: readable by Kyrgyzstan and the coordinator only."""
URLS = (
    "/explore?table=S01&REF_AREA=KGZ",
    "/country/KGZ",
    "/download/S01.csv?REF_AREA=KGZ",
    "/explore/shown.csv?table=S01&REF_AREA=KGZ",
    "/sdmx/rest/data/S01?format=csv",
)
DOWNLOAD = "/download/S01.csv?REF_AREA=KGZ"
SHOWN_BY = {
    TOTAL: {u for u in URLS if not u.startswith("/country/")},
    CONFIDENTIAL: {DOWNLOAD, "/sdmx/rest/data/S01?format=csv"},
}
"""The addresses that show each value to a reader who may read it (every address is checked
for showing it to one who may not)."""
ACCOUNTS = {
    "coord": ("coordinator", None),
    "aigul": ("reporter", "KGZ"),
    "dana": ("partner", "KAZ"),
    "dinara": ("partner", "KAZ"),
    "kazrep": ("reporter", "KAZ"),
    "tahmina": ("partner", "TJK"),
    "uzbrep": ("reporter", "UZB"),
}
START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=6)


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Store, Clock, int]]:
    clock = Clock(START)
    with open_store(db_url, clock) as store:
        for login, (role, country) in ACCOUNTS.items():
            accounts.add(store, login, role, PASSWORD, country=country, by="test")
        agreements.add(store, "Tien-Shan", countries=["KGZ", "KAZ"], tables=["S01"], by="test")
        agreements.add(store, "Pamir", countries=["TJK", "UZB"], tables=["S01"], by="test")
        submit(store, "KAZ", KAZ_ROWS)
        kgz = submit(store, "KGZ", KGZ_ROWS, release=None).id
        release(store, [kgz], to="public", embargo_until=END, by="coord")
        yield store, clock, kgz


def cookies(store: Store) -> dict[str | None, dict[str, str]]:
    """A session of every account (the request headers), and the public's (none)."""
    out: dict[str | None, dict[str, str]] = {None: {}}
    key = auth.secret_key(SECRET)
    for login in ACCOUNTS:
        with store.writing() as conn:
            session_id = sessions.begin(
                conn, accounts.find(store, login), client="testclient", at=utcnow()
            )
        out[login] = {"Cookie": f"{auth.SESSION_COOKIE}={auth.sign_session_id(key, session_id)}"}
    return out


def shows(web: TestClient, headers: dict[str, str], value: float) -> dict[str, bool]:
    """For each address, whether the answer to ``headers``'s reader shows ``value``."""
    out = {}
    for url in URLS:
        answer = web.get(url, headers=headers)
        assert answer.status_code in (200, 404), (url, answer.status_code)
        out[url] = any(r in answer.text for r in renderings(value))
    return out


def everywhere(web, headers, value) -> bool:
    found = shows(web, headers, value)
    return all(found[url] for url in SHOWN_BY[value])


def nowhere(web, headers, value) -> bool:
    return not any(shows(web, headers, value).values())


def made(app) -> int:
    return app.state.answer_cache.made + app.state.sdmx_cache.made


def downloads(store: Store, login: str) -> int:
    return sum(
        1 for r in audit.records(store) if r.actor == login and r.action == audit.DATA_DOWNLOAD
    )


def test_kept_answers_follow_what_each_may_see(world) -> None:
    store, clock, kgz = world
    app = create_app(store=store, secret_key=SECRET)
    who = cookies(store)
    with TestClient(app) as web:
        # the most entitled first: their kept answers are there for anyone they would leak to
        assert everywhere(web, who["aigul"], CONFIDENTIAL)
        assert everywhere(web, who["coord"], CONFIDENTIAL)
        assert everywhere(web, who["dana"], TOTAL) and nowhere(web, who["dana"], CONFIDENTIAL)
        # an account that sees what dana sees is given dana's answers, made once
        before = made(app)
        assert everywhere(web, who["dinara"], TOTAL)
        assert nowhere(web, who["dinara"], CONFIDENTIAL)
        assert made(app) == before
        # another role of the same country keeps its own, the same numbers
        assert everywhere(web, who["kazrep"], TOTAL) and made(app) > before
        assert nowhere(web, who["kazrep"], CONFIDENTIAL)
        # another agreement's partner, another country's reporter and the public: nothing
        for login in ("tahmina", "uzbrep", None):
            assert nowhere(web, who[login], TOTAL), login
            assert nowhere(web, who[login], CONFIDENTIAL), login
        # a second before the embargo's end, still nothing; at the end, the total for all
        clock.now = END - timedelta(seconds=1)
        for login in ("tahmina", "uzbrep", None):
            assert nowhere(web, who[login], TOTAL), login
        clock.now = END
        for login in ("tahmina", "uzbrep", None, "dinara"):
            assert everywhere(web, who[login], TOTAL), login
            assert nowhere(web, who[login], CONFIDENTIAL), login
        # withdrawn: gone at once for everyone outside Kyrgyzstan, kept answers included
        release(store, [kgz], withdraw=True, by="coord")
        for login in ("dana", "dinara", "kazrep", "tahmina", "uzbrep", None):
            assert nowhere(web, who[login], TOTAL), login
        assert everywhere(web, who["aigul"], CONFIDENTIAL)


def test_a_kept_download_given_early_still_leaves_its_audit_record(world) -> None:
    store, _clock, _kgz = world
    app = create_app(store=store, secret_key=SECRET)
    who = cookies(store)
    with TestClient(app) as web:
        assert web.get(DOWNLOAD, headers=who["dana"]).status_code == 200
        cache = app.state.answer_cache
        early, made_before, records = cache.early, cache.made, downloads(store, "dinara")
        for _ in range(3):
            answer = web.get(DOWNLOAD, headers=who["dinara"])
            assert answer.status_code == 200 and any(r in answer.text for r in renderings(TOTAL))
        assert app.state.answer_cache.early == early + 3
        assert app.state.answer_cache.made == made_before
        assert downloads(store, "dinara") == records + 3
        # a page is kept and given early too, with no record (pages were never recorded)
        web.get(URLS[0], headers=who["dana"])
        early = app.state.answer_cache.early
        assert web.get(URLS[0], headers=who["dinara"]).status_code == 200
        assert app.state.answer_cache.early == early + 1
        assert downloads(store, "dinara") == records + 3
        # an ended session is never given a kept answer: the route refuses it or serves the public
        with store.writing() as conn:
            conn.exec_driver_sql("UPDATE web_session SET ended_at = created_at")
        answer = web.get(DOWNLOAD, headers=who["dinara"])
        assert not any(r in answer.text for r in renderings(TOTAL))
    assert audit.verify(store).ok
