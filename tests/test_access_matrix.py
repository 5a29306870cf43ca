"""The access matrix, generated from the app's routes: every route x every reader x every
state of data gets exactly what it may, and the embargo holds through every output format and
the SDMX API (``updatedAfter`` included) by a controllable clock.

Every route of the app must be classified in :data:`RULES`; a new route that no rule covers
fails :func:`test_every_route_is_classified`. The readers: the public, the coordinator,
Kyrgyzstan's reporter (``own``: the country whose data is in every state) and its approver
(``approver``: the same country, another role), Kazakhstan's partner
(``partner``: in a sharing agreement on S01 with Kyrgyzstan) and Tajikistan's (``other``: signed
in, in no agreement). The states are in :mod:`tests.access_states`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from migstat.exchange import audit
from migstat.exchange.release import release
from migstat.formats.output import DOWNLOAD_FORMATS
from migstat.web.app import create_app
from tests.access_states import (
    COORDINATOR_TOKEN,
    MAY_SEE,
    NOT_DATA,
    STATES,
    World,
    build,
    found,
    text_of,
)
from tests.release_data import FREE_ROWS, Clock, open_store, submit

READERS = ("public", "coordinator", "own", "approver", "partner", "other")
COUNTRY = ("own", "approver")
"""Kyrgyzstan's accounts: its reporter and its approver."""
DATA_STATES = tuple(MAY_SEE)


@dataclass(frozen=True)
class Rule:
    """How a route is probed. ``kind``: ``complete`` (lists every observation the reader may
    see: exactly those), ``subset`` (shows some: never one the reader may not see), ``none``
    (shows no value at all, to anyone), ``own`` (the submitting country's accounts and the
    coordinator see everything of its submissions, drafts included; everyone else sees none of
    their values),
    ``coordinator`` (the coordinator's only: everyone
    else is refused), ``write`` (a form or API write: refused without the coordinator's
    credentials and a CSRF token). ``urls``: the requests made."""

    kind: str
    urls: tuple[str, ...]


KGZ = "REF_AREA=KGZ"
DOWNLOADS = tuple(f"/download/S01.{fmt}?{KGZ}" for fmt in DOWNLOAD_FORMATS)
MAPPING = "/mappings/KGZ/census/CL_AREA"
SUBMISSIONS = tuple(f"/submissions/{n}" for n in range(1, len(STATES) + 1))
RULES: dict[tuple[str, str], Rule] = {
    # every observation the reader may see, in every format
    ("GET", "/download/{name}"): Rule("complete", DOWNLOADS),
    ("GET", "/sdmx/rest/data/{flow}"): Rule(
        "complete",
        (
            "/sdmx/rest/data/S01",
            "/sdmx/rest/data/S01?format=csv",
            "/sdmx/rest/data/S01?format=jsondata",
            "/sdmx/rest/data/S01?updatedAfter=2000-01-01T00:00:00Z",
        ),
    ),
    ("GET", "/sdmx/rest/data/{flow}/{key}"): Rule("complete", ("/sdmx/rest/data/S01/KGZ....",)),
    ("GET", "/sdmx/rest/data/{flow}/{key}/{provider}"): Rule(
        "complete", ("/sdmx/rest/data/S01/KGZ..../KGZ",)
    ),
    # pages and answers showing some of the data
    ("GET", "/explore"): Rule(
        "subset",
        (
            f"/explore?table=S01&{KGZ}&COUNTRY_BIRTH=RUS+KGZ+_T",
            f"/explore?table=S01&{KGZ}&COUNTRY_BIRTH=RUS&SEX=M+F+_T",
        ),
    ),
    ("GET", "/embed/explore"): Rule("subset", (f"/embed/explore?table=S01&{KGZ}",)),
    ("GET", "/explore/shown.csv"): Rule(
        "subset", (f"/explore/shown.csv?table=S01&{KGZ}&COUNTRY_BIRTH=RUS+KGZ+_T",)
    ),
    ("GET", "/region/{code}"): Rule("subset", ("/region/M49_143",)),
    ("GET", "/api/explore/{table}"): Rule(
        "subset", (f"/api/explore/S01?{KGZ}", f"/api/explore/S01?{KGZ}&COUNTRY_BIRTH=RUS")
    ),
    ("GET", "/"): Rule("subset", ("/",)),
    ("GET", "/country"): Rule("subset", ("/country",)),
    ("GET", "/country/{code}"): Rule("subset", ("/country/KGZ",)),
    ("GET", "/api/countries/{code}"): Rule("subset", ("/api/countries/KGZ",)),
    ("GET", "/availability"): Rule("subset", ("/availability",)),
    ("GET", "/api/availability"): Rule("subset", ("/api/availability",)),
    ("GET", "/api/releases"): Rule("subset", ("/api/releases",)),
    ("GET", "/api/search"): Rule("subset", ("/api/search?q=Kyrgyzstan",)),
    ("GET", "/releases"): Rule("subset", ("/releases",)),
    ("GET", "/mirror"): Rule("subset", ("/mirror", "/mirror?year=2016")),
    ("GET", "/mirror/corridor"): Rule("subset", ("/mirror/corridor?a=KGZ&b=RUS",)),
    ("GET", "/mirror/country/{country}"): Rule("subset", ("/mirror/country/KGZ",)),
    ("GET", "/mirror/download/matrix.{fmt}"): Rule("subset", ("/mirror/download/matrix.csv",)),
    ("GET", "/mirror/download/corridor.{fmt}"): Rule(
        "subset", ("/mirror/download/corridor.json?a=KGZ&b=RUS",)
    ),
    ("GET", "/mirror/download/country/{country}.{fmt}"): Rule(
        "subset", ("/mirror/download/country/KGZ.csv",)
    ),
    ("GET", "/mirror/download/harmonised.{fmt}"): Rule(
        "subset", ("/mirror/download/harmonised.csv",)
    ),
    ("GET", "/sdmx/rest/availableconstraint/{flow}"): Rule(
        "subset", ("/sdmx/rest/availableconstraint/S01",)
    ),
    ("GET", "/sdmx/rest/availableconstraint/{flow}/{key}"): Rule(
        "subset", ("/sdmx/rest/availableconstraint/S01/KGZ....",)
    ),
    ("GET", "/sdmx/rest/availableconstraint/{flow}/{key}/{provider}"): Rule(
        "subset", ("/sdmx/rest/availableconstraint/S01/KGZ..../KGZ",)
    ),
    ("GET", "/sdmx/rest/availableconstraint/{flow}/{key}/{provider}/{component}"): Rule(
        "subset", ("/sdmx/rest/availableconstraint/S01/KGZ..../KGZ/TIME_PERIOD",)
    ),
    ("GET", "/flows"): Rule("subset", ("/flows",)),
    # the toolkit: its worked examples read the store as the reader (the PDF's text too)
    ("GET", "/toolkit/examples"): Rule("subset", ("/toolkit/examples",)),
    ("GET", "/api/guide"): Rule("subset", ("/api/guide", "/api/guide?lang=ru")),
    ("GET", "/toolkit/{audience}.pdf"): Rule(
        "subset", ("/toolkit/media.pdf", "/toolkit/statisticians.pdf?lang=ru")
    ),
    ("GET", "/flows.csv"): Rule("subset", ("/flows.csv",)),
    # reference data: no value of any country
    ("GET", "/openapi.json"): Rule("none", ("/openapi.json",)),
    ("GET", "/static"): Rule("none", ("/static/portal.css",)),
    ("GET", "/docs"): Rule("none", ("/docs",)),
    ("GET", "/guide"): Rule("none", ("/guide",)),
    ("GET", "/toolkit/sources"): Rule("none", ("/toolkit/sources",)),
    ("GET", "/toolkit/references"): Rule("none", ("/toolkit/references",)),
    ("GET", "/api/tables"): Rule("none", ("/api/tables",)),
    ("GET", "/signin"): Rule("none", ("/signin",)),
    ("GET", "/sdmx/rest/{resource}"): Rule("none", ("/sdmx/rest/dataflow",)),
    ("GET", "/sdmx/rest/{resource}/{agency}"): Rule("none", ("/sdmx/rest/dataflow/MIGSTAT",)),
    ("GET", "/sdmx/rest/{resource}/{agency}/{resource_id}"): Rule(
        "none", ("/sdmx/rest/dataflow/MIGSTAT/S01",)
    ),
    ("GET", "/sdmx/rest/{resource}/{agency}/{resource_id}/{version}"): Rule(
        "none", ("/sdmx/rest/dataflow/MIGSTAT/S01/latest",)
    ),
    ("GET", "/mappings"): Rule("none", ("/mappings",)),
    ("GET", "/mappings/new"): Rule("none", ("/mappings/new",)),
    ("GET", "/mappings/{country}/{source}/{codelist}"): Rule("none", (MAPPING,)),
    ("GET", "/mappings/download.csv"): Rule("none", ("/mappings/download.csv",)),
    ("GET", "/mappings/{country}/{source}/{codelist}/download.csv"): Rule(
        "none", (f"{MAPPING}/download.csv",)
    ),
    ("GET", "/api/mappings"): Rule("none", ("/api/mappings",)),
    ("GET", "/api/mappings/{country}/{source}/{codelist}"): Rule("none", (f"/api{MAPPING}",)),
    # the coordinator's own pages
    ("GET", "/accounts"): Rule("coordinator", ("/accounts",)),
    ("GET", "/audit"): Rule("coordinator", ("/audit",)),
    ("GET", "/audit.csv"): Rule("coordinator", ("/audit.csv",)),
    # writes
    ("POST", "/accounts"): Rule("write", ("/accounts",)),
    ("POST", "/accounts/{login}/disable"): Rule("write", ("/accounts/kgz.reporter/disable",)),
    ("POST", "/accounts/{login}/enable"): Rule("write", ("/accounts/kgz.reporter/enable",)),
    ("POST", "/accounts/{login}/password"): Rule("write", ("/accounts/kgz.reporter/password",)),
    ("POST", "/accounts/{login}/tokens"): Rule("write", ("/accounts/kgz.reporter/tokens",)),
    ("POST", "/accounts/tokens/{token_id}/revoke"): Rule("write", ("/accounts/tokens/1/revoke",)),
    ("POST", "/accounts/{login}/totp"): Rule("write", ("/accounts/kgz.reporter/totp",)),
    ("POST", "/mappings/{country}/{source}/{codelist}"): Rule("write", (MAPPING,)),
    ("POST", "/mappings/upload"): Rule("write", ("/mappings/upload",)),
    ("POST", "/api/mappings/{country}/{source}/{codelist}"): Rule("write", (f"/api{MAPPING}",)),
    # the submitting country's and the coordinator's own pages (the workflow: drafts too)
    ("GET", "/submit"): Rule("own", ("/submit",)),
    ("GET", "/submit/jobs/{job_id}"): Rule("own", ("/submit/jobs/0",)),
    ("GET", "/submissions/{submission_id}"): Rule("own", SUBMISSIONS),
    ("GET", "/submissions/{submission_id}/annotated.xlsx"): Rule(
        "own", ("/submissions/1/annotated.xlsx",)
    ),
    ("GET", "/api/submissions/{submission_id}"): Rule(
        "own", tuple(f"/api{url}" for url in SUBMISSIONS)
    ),
    ("GET", "/rounds/{round_id}/questionnaire"): Rule(
        "own", ("/rounds/2020/questionnaire?country=KGZ",)
    ),
    ("GET", "/review"): Rule("coordinator", ("/review",)),
    ("GET", "/agreements"): Rule("none", ("/agreements",)),
    # rounds and notifications: states and deadlines, never a value
    ("GET", "/rounds"): Rule("none", ("/rounds",)),
    ("GET", "/rounds/{round_id}"): Rule("none", ("/rounds/2020",)),
    ("GET", "/notifications"): Rule("none", ("/notifications",)),
    # the header's account part: the reader's own login, unread count and links
    ("GET", "/me"): Rule("none", ("/me", "/me?lang=ru")),
    ("POST", "/submit"): Rule("write", ("/submit",)),
    ("POST", "/submissions/{submission_id}/{action}"): Rule("write", ("/submissions/1/accept",)),
    ("POST", "/api/submissions"): Rule("write", ("/api/submissions",)),
    ("POST", "/rounds"): Rule("write", ("/rounds",)),
    ("POST", "/releases"): Rule("write", ("/releases",)),
    ("POST", "/agreements"): Rule("write", ("/agreements",)),
    ("POST", "/agreements/remove"): Rule("write", ("/agreements/remove",)),
    ("POST", "/rounds/{round_id}/close"): Rule("write", ("/rounds/2020/close",)),
    ("POST", "/rounds/{round_id}/declare"): Rule("write", ("/rounds/2020/declare",)),
    # anyone may post these: they read nothing of the store's data
    ("POST", "/flows"): Rule("subset", ("/flows",)),
    ("POST", "/signin"): Rule("none", ("/signin",)),
    ("POST", "/signout"): Rule("none", ("/signout",)),
}


def app_routes(app) -> Iterator[tuple[str, str]]:
    """``(method, path)`` of every route of ``app`` (a mount: ``GET``)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = getattr(context, "path", None) or route.path
        methods = getattr(route, "methods", None) or {"GET"}
        for method in sorted(methods - {"HEAD"}):
            yield method, path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    made = build(f"sqlite:///{folder / 'store.db'}")
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    app = create_app(store=world.store, coordinator_token=COORDINATOR_TOKEN, clock=world.clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def headers(world: World, reader: str) -> dict[str, str]:
    token = world.tokens.get(reader)
    return {"Authorization": f"Bearer {token}"} if token else {}


def test_every_route_is_classified(client: TestClient) -> None:
    routes = set(app_routes(client.app))
    unclassified = sorted(routes - set(RULES))
    assert not unclassified, f"routes no access rule classifies: {unclassified}"
    stale = sorted(set(RULES) - routes)
    assert not stale, f"rules for routes the app no longer has: {stale}"


def allowed(reader: str) -> set[str]:
    return {state for state in DATA_STATES if reader in MAY_SEE[state]}


@pytest.mark.parametrize("reader", READERS)
def test_every_route_gives_each_reader_exactly_what_it_may(
    client: TestClient, world: World, reader: str
) -> None:
    may = allowed(reader)
    problems = []
    for (method, _path), rule in sorted(RULES.items()):
        if rule.kind == "write" and reader == "coordinator":
            continue  # the coordinator's writes are their pages' tests; here they would
            # disable the accounts the other readers use
        for url in rule.urls:
            answer = client.request(method, url, headers=headers(world, reader))
            shown = found(text_of(answer.content, answer.headers.get("content-type", "")), world)
            problem = judge(rule.kind, reader, answer.status_code, shown, may)
            if problem:
                problems.append(f"{method} {url}: {problem}")
    assert not problems, "\n".join(problems)


def judge(kind: str, reader: str, status: int, shown: set[str], may: set[str]) -> str | None:
    """What is wrong with an answer, or ``None``."""
    if status >= 500:
        return f"status {status}"
    if kind == "own" and reader in (*COUNTRY, "coordinator"):
        return None  # the country's own submissions, drafts included, and the coordinator's
    if kind == "own" and shown:
        return f"shows {sorted(shown)} of another country's submissions to {reader}"
    if shown - may:
        return f"shows {sorted(shown - may)} to {reader}"
    if kind == "complete" and (status != 200 or shown != may):
        return f"status {status}, shows {sorted(shown)} instead of {sorted(may)}"
    if kind == "none" and shown:
        return f"shows {sorted(shown)}"
    if kind == "coordinator":
        expected = 200 if reader == "coordinator" else (401, 403)
        if (status != expected) if reader == "coordinator" else status not in expected:
            return f"status {status} for {reader}"
    if kind == "write" and reader != "coordinator" and status not in (400, 401, 403, 422):
        return f"a write answered {status} to {reader}"
    return None


def test_the_matrix_sees_every_state_somewhere(client: TestClient, world: World) -> None:
    """The probes are not blind: the coordinator's complete downloads show every state but
    the draft, and the public's show the published ones only."""
    for reader, expected in (
        ("coordinator", allowed("coordinator")),
        ("public", allowed("public")),
    ):
        answer = client.get(DOWNLOADS[0], headers=headers(world, reader))
        assert found(answer.text, world) == expected
    assert "draft" not in allowed("coordinator")
    assert {"confidential", "secondary"} <= allowed("own")
    # the submissions that are never data are there, in their states, for their country only
    for state in NOT_DATA:
        url = f"/api/submissions/{world.ids[state]}"
        for reader in (*COUNTRY, "coordinator"):
            answer = client.get(url, headers=headers(world, reader))
            assert answer.status_code == 200 and answer.json()["status"] == state, (url, reader)
        for reader in ("partner", "other", "public"):
            assert client.get(url, headers=headers(world, reader)).status_code in (401, 403)


# -- the embargo through every output, by the clock ----------------------------------------


SDMX_FORMATS = ("", "?format=csv", "?format=jsondata", "?format=structurespecificdata")


def _visible(client: TestClient, url: str, total: float) -> bool:
    answer = client.get(url)
    assert answer.status_code in (200, 404), (url, answer.status_code, answer.text[:200])
    return (
        found(text_of(answer.content, answer.headers.get("content-type", "")), _one(total)) != set()
    )


class _one:
    """A stand-in world with a single sentinel."""

    def __init__(self, total: float) -> None:
        self.sentinels = {"x": {total}}


def test_the_embargo_through_every_format_and_the_sdmx_api(tmp_path) -> None:
    clock = Clock(datetime.now(UTC))
    store = open_store(f"sqlite:///{tmp_path / 'embargo.db'}", clock)
    total = STATES["embargoed"][1]
    from tests.access_states import _submit

    sid = _submit(store, "embargoed")
    until = (clock.now + timedelta(hours=6)).replace(microsecond=0)
    release(store, [sid], to="public", embargo_until=until, by="coord")
    polled = clock.now + timedelta(minutes=30)
    after = f"?updatedAfter={polled:%Y-%m-%dT%H:%M:%S}Z"
    urls = [f"/download/S01.{fmt}?{KGZ}" for fmt in DOWNLOAD_FORMATS]
    urls += [f"/sdmx/rest/data/S01{fmt}" for fmt in SDMX_FORMATS]
    urls += [f"/api/explore/S01?{KGZ}", f"/explore?table=S01&{KGZ}"]
    app = create_app(store=store, clock=clock)
    with TestClient(app) as client:
        clock.now = until - timedelta(seconds=1)
        for url in [*urls, f"/sdmx/rest/data/S01{after}"]:
            assert not _visible(client, url, total), url
        clock.now = until
        for url in urls:
            assert _visible(client, url, total), url
        # recorded before the harvester's last poll, released after it: updated for it
        assert _visible(client, f"/sdmx/rest/data/S01{after}", total)
        later = f"?updatedAfter={until + timedelta(minutes=1):%Y-%m-%dT%H:%M:%S}Z"
        assert not _visible(client, f"/sdmx/rest/data/S01{later}", total)
    store.close()


def test_a_release_shows_at_once_through_every_worker(db_url: str) -> None:
    """Two apps over two connections to one database (two workers), each with its answer
    cache warm: a release made through one is in the next answer of both."""
    clock = Clock(datetime.now(UTC))
    first, second = open_store(db_url, clock), open_store(db_url, clock)
    record = submit(first, "KGZ", FREE_ROWS, release=None)
    url = "/sdmx/rest/data/S01"
    with TestClient(create_app(store=first)) as one, TestClient(create_app(store=second)) as two:
        assert "6636800" not in one.get(url).text and "6636800" not in two.get(url).text
        release(first, [record.id], to="public", by="coord")
        assert "6636800" in one.get(url).text and "6636800" in two.get(url).text
        # and an embargo ends in both at its time, with nothing run
        until = clock.now + timedelta(hours=1)
        release(first, [record.id], to="public", embargo_until=until, by="coord")
        assert "6636800" not in two.get(url).text
        clock.now = until
        assert "6636800" in one.get(url).text and "6636800" in two.get(url).text
    first.close()
    second.close()


def test_the_release_calendar_shows_dates_and_tables_only(client: TestClient, world: World) -> None:
    page = client.get("/releases").text
    upcoming = page.split('id="upcoming"')[1].split("</table>")[0]
    assert "2025-06-03 08:00" in upcoming and "S01" in upcoming and "KGZ" in upcoming
    released = page.split('id="released"')[1].split("</table>")[0]
    assert "2025-06-01 09:00" in released  # the embargo that has ended
    assert "partners" not in released  # a release to partners only is not the public's
    assert found(page, world) == set()
    own = client.get("/releases?lang=ru", headers=headers(world, "own")).text
    assert "Календарь выпусков" in own and "партнёрам" in own


def test_a_signed_in_download_is_in_the_audit_trail(client: TestClient, world: World) -> None:
    """A download by an account (which may hold data the public may not read) is recorded:
    who, from where, what was asked; the public's downloads are public data and are not."""
    url = f"/download/S01.csv?{KGZ}"
    before = len(list(audit.records(world.store)))
    assert client.get(url).status_code == 200
    assert len(list(audit.records(world.store))) == before
    answer = client.get(url, headers=headers(world, "partner"))
    assert answer.status_code == 200 and found(answer.text, world) == allowed("partner")
    (record,) = list(audit.records(world.store))[before:]
    assert (record.actor, record.action, record.client) == (
        "kaz.partner",
        audit.DATA_DOWNLOAD,
        "testclient",
    )
    assert record.details == {"path": "/download/S01.csv", "query": KGZ}
    assert audit.verify(world.store).ok


@pytest.mark.parametrize(
    "url",
    (
        "/sdmx/rest/data/S01/KGZ....?format=csv&startPeriod=2016",
        f"/api/explore/S01?{KGZ}&SEX=M",
        "/api/countries/KGZ?lang=ru",
        f"/explore/shown.csv?table=S01&{KGZ}",
    ),
)
def test_a_signed_in_data_query_is_in_the_audit_trail(
    client: TestClient, world: World, url: str
) -> None:
    """An account's SDMX data query and JSON data answer leave one audit record each time
    they are answered, made or kept (the second ask is answered from the kept answers); the
    public's leave none; the chain still verifies."""
    path, _, query = url.partition("?")
    before = len(list(audit.records(world.store)))
    for _ in range(2):
        assert client.get(url).status_code == 200
    assert len(list(audit.records(world.store))) == before
    for n in (1, 2):
        answer = client.get(url, headers=headers(world, "partner"))
        assert answer.status_code == 200
        made = list(audit.records(world.store))[before:]
        assert len(made) == n, made
        assert (made[-1].actor, made[-1].action, made[-1].client) == (
            "kaz.partner",
            audit.DATA_DOWNLOAD,
            "testclient",
        )
        assert made[-1].details == {"path": path, "query": query}
    assert audit.verify(world.store).ok
