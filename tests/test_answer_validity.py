"""Kept answers are valid until what they show may change, with no time limit.

A kept page, download or SDMX answer is made again exactly when the store's visibility version
moves: a write of a submission, a release, an agreement or a round (through
any process sharing the database: triggers bump one row in the writing transaction), or the end
of an embargo at the policy's clock, to the second, with no job run at that moment.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from migstat.exchange import agreements, audit, rounds
from migstat.exchange.release import release
from migstat.store import schema as S
from migstat.web.app import create_app
from tests.release_data import FREE_ROWS, KAZ_ROWS, Clock, open_store, submit

TOTAL = "6636800"
"""Kyrgyzstan's total population in the test's S01: there exactly when the data are public."""
URLS = (
    "/download/S01.csv?REF_AREA=KGZ",
    "/download/S01.xlsx?REF_AREA=KGZ",
    "/sdmx/rest/data/S01?format=csv",
)


def made(app) -> int:
    """How many answers the app's two caches (pages and downloads, SDMX) have made."""
    return app.state.answer_cache.made + app.state.sdmx_cache.made


def shows_total(client: TestClient, url: str) -> bool:
    answer = client.get(url)
    assert answer.status_code in (200, 404), (url, answer.status_code)
    if url.endswith("xlsx") or ".xlsx?" in url:
        from io import BytesIO

        from openpyxl import load_workbook

        if answer.status_code != 200:
            return False
        book = load_workbook(BytesIO(answer.content), read_only=True)
        return any(
            6_636_800.0 in row
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return TOTAL in answer.text


def test_a_kept_answer_is_made_again_exactly_when_an_embargo_passes(tmp_path) -> None:
    clock = Clock(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", clock)
    submit(store, "KAZ", KAZ_ROWS)  # published: the SDMX answer has data before the end too
    record = submit(store, "KGZ", FREE_ROWS, release=None)
    until = clock.now + timedelta(hours=6)
    release(store, [record.id], to="public", embargo_until=until, by="coord")
    assert store.next_visibility_event() == until
    app = create_app(store=store, clock=clock)
    with TestClient(app) as client:
        assert not any(shows_total(client, url) for url in URLS)
        first = made(app)
        assert first == len(URLS)
        # kept through the hours before the end, however much time passes: no time limit
        for moment in (timedelta(hours=1), timedelta(hours=5), timedelta(hours=6, seconds=-1)):
            clock.now = until - timedelta(hours=6) + moment
            assert not any(shows_total(client, url) for url in URLS)
            assert made(app) == first
        # made again at the second the embargo ends, through every output, nothing run
        clock.now = until
        assert all(shows_total(client, url) for url in URLS)
        assert made(app) == 2 * first
        assert store.next_visibility_event() is None
        # and kept again from then on
        clock.now = until + timedelta(days=30)
        assert all(shows_total(client, url) for url in URLS)
        assert made(app) == 2 * first
    store.close()


def test_a_release_made_by_another_process_makes_kept_answers_again(tmp_path) -> None:
    path = tmp_path / "store.db"
    clock = Clock(datetime.now(UTC))
    store = open_store(f"sqlite:///{path}", clock)
    submit(store, "KAZ", KAZ_ROWS)
    record = submit(store, "KGZ", FREE_ROWS, release=None)
    app = create_app(store=store)
    with TestClient(app) as client:
        assert not any(shows_total(client, url) for url in URLS)
        assert not any(shows_total(client, url) for url in URLS)
        assert made(app) == len(URLS)
        # the command line, in its own process, releases the submission to the public
        command = ["release", str(record.id), "--to", "public", "--by", "coord"]
        done = subprocess.run(
            [sys.executable, "-m", "migstat", "--db", str(path), *command],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert all(shows_total(client, url) for url in URLS)
        assert made(app) == 2 * len(URLS)
    store.close()


def test_the_version_moves_with_what_readers_may_see_and_only_with_it(store) -> None:
    def version() -> int:
        with store.reading() as conn:
            return conn.execute(sa.select(S.store_version.c.version)).scalar_one()

    seen = [version()]

    def moved() -> bool:
        seen.append(version())
        return seen[-1] != seen[-2]

    kgz = submit(store, "KGZ", FREE_ROWS, release=None)
    assert moved()
    submit(store, "KAZ", KAZ_ROWS, release=None)
    assert moved()
    release(store, [kgz.id], to="partners", by="coord")
    assert moved()
    agreements.add(store, "Central Asia", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    assert moved()
    rounds.open_round(
        store,
        "2025",
        year=2025,
        tables=["S01"],
        countries=["KGZ"],
        deadline=(datetime.now(UTC) + timedelta(days=30)).date(),
        by="coord",
    )
    assert moved()
    with store.writing() as conn:
        conn.execute(sa.update(S.submission).where(S.submission.c.id == kgz.id).values(note="x"))
    assert moved()
    # what no reader's data depend on leaves it alone
    audit.record(store, actor="coord", action="test.nothing", details={})
    assert not moved()
    # the store's version as the caches read it: this row, and the embargo ends passed
    assert store.visibility_version() == (seen[-1], 0)


def test_after_a_change_the_public_answers_are_made_before_they_are_asked_again(tmp_path) -> None:
    clock = Clock(datetime.now(UTC))
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", clock)
    submit(store, "KAZ", KAZ_ROWS)
    record = submit(store, "KGZ", FREE_ROWS, release=None)
    downloads = URLS[:2]
    app = create_app(store=store)
    with TestClient(app) as client:
        assert not any(shows_total(client, url) for url in downloads)
        assert app.state.answer_cache.made == 2
        release(store, [record.id], to="public", by="coord")
        # the first request after the release, to another address, sees the new version:
        # the two downloads the public asked for are made again in the background
        assert client.get("/download/S01.csv?REF_AREA=KAZ").status_code == 200
        app.state.rewarm.thread.join(timeout=120)
        assert app.state.answer_cache.made == 2 + 1 + 2
        assert all(shows_total(client, url) for url in downloads)
        assert app.state.answer_cache.made == 5
    store.close()


def test_a_kept_answer_is_given_before_routing_to_the_public_only(tmp_path) -> None:
    clock = Clock(datetime.now(UTC))
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", clock)
    submit(store, "KAZ", KAZ_ROWS)
    record = submit(store, "KGZ", FREE_ROWS, release=None)
    app = create_app(store=store)
    url = "/download/S01.csv?REF_AREA=KAZ"
    with TestClient(app) as client:
        first = client.get(url)
        cache = app.state.answer_cache
        assert (cache.made, cache.early) == (1, 0)
        again = client.get(url)
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        # the guard's headers are on it too
        assert again.headers["x-content-type-options"] == "nosniff"
        assert (cache.made, cache.early) == (1, 1)
        assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert cache.early == 2
        # the release calendar, kept per minute of the store's clock (which stands still here)
        calendar = client.get("/releases").text
        assert client.get("/releases").text == calendar and cache.early == 3
        clock.advance(minutes=1)
        assert client.get("/releases").status_code == 200 and cache.early == 3
        # a request with a session cookie goes through the app, whoever it turns out to be
        client.cookies.set("migstat_session", "not-a-session")
        assert client.get(url).status_code in (200, 401)
        assert cache.early == 3
        client.cookies.clear()
        # a release makes a new key: the app makes the answer again
        release(store, [record.id], to="public", by="coord")
        assert client.get("/download/S01.csv?REF_AREA=KGZ").status_code == 200
        assert TOTAL in client.get("/download/S01.csv?REF_AREA=KGZ").text
    store.close()
