"""Shared fixtures: a store on each database, and the rule that CI never skips.

``db_url`` runs a test once on a SQLite file and once on PostgreSQL. The PostgreSQL server is
named by ``MIGSTAT_TEST_PG_URL`` (``scripts/test`` starts a throwaway cluster and sets it);
every test gets a fresh, uniquely named database, dropped afterwards. Without the variable the
PostgreSQL runs are skipped on a workstation and fail in CI (``CI=true``).

``base_url``, ``browser`` and ``page`` put the test module's ``app`` fixture on a real server
and open it in Debian's Chromium (see ``tests/browser.py``).

In CI every skip is a failure: a test that would be skipped for a missing component (a server,
a browser, a package) must not pass silently. A test that may legitimately be skipped there
says so with ``@pytest.mark.ci_may_skip``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.browser import ARGS, CHROMIUM
from tests.liveserver import serving

PG_ENV = "MIGSTAT_TEST_PG_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ci_may_skip: the test may be skipped in CI (every other skip fails there)"
    )


def _ci_failure(report: pytest.TestReport | pytest.CollectReport, what: str) -> None:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    report.outcome = "failed"
    report.longrepr = (
        f"{what} was skipped, and CI=true allows no skips (a missing component must fail): {reason}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if (
        in_ci()
        and report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("ci_may_skip") is None
    ):
        _ci_failure(report, item.nodeid)


_SKIPPED_MODULES: list[str] = []


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # A whole module skipped (pytest.importorskip ...): the other tests still run, the session
    # fails at the end.
    if in_ci() and report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
        _SKIPPED_MODULES.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED_MODULES and exitstatus in (0, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _SKIPPED_MODULES:
        terminalreporter.write_line(
            f"FAILED (CI=true allows no skips; a missing component must fail) {line}", red=True
        )


def _pg_server_url() -> sa.URL:
    text = os.environ.get(PG_ENV, "").strip()
    if not text:
        message = (
            f"{PG_ENV} is not set, so there is no PostgreSQL server to test against "
            "(scripts/test starts a throwaway one when PostgreSQL is installed)"
        )
        if in_ci():
            pytest.fail(f"{message}; CI=true requires the PostgreSQL tests to run", pytrace=False)
        pytest.skip(message)
    url = make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def fresh_pg_database() -> Iterator[str]:
    """Create a uniquely named database on the test server; yield its URL; drop it."""
    server = _pg_server_url()
    admin = sa.create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    name = f"migstat_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite")
        yield f"sqlite:///{folder / 'store.db'}"
    else:
        yield from fresh_pg_database()


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    """An opened (migrated) store on ``db_url``."""
    from migstat.store import Store

    with Store.open(db_url) as opened:
        yield opened


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``migstat ARGS`` in-process; return (exit status, stdout, stderr)."""
    from migstat.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as stop:
            code = int(stop.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- the portal in a real browser (tests.browser) ---------------------------------------------


@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:
    """The test module's ``app`` on a real server on a free loopback port."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright (a missing one skips, and fails in CI)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing (apt-get install chromium); the portal's browser "
            "tests never download a browser"
        )
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, base_url) -> Iterator[Any]:
    """A browser tab; afterwards, no script error, nothing the Content-Security-Policy
    refused, and no request to any other host."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    tab.on(
        "request",
        lambda r: None if r.url.startswith((base_url, "data:")) else outside.append(r.url),
    )
    yield tab
    context.close()
    assert not errors, errors
    assert not outside, f"requests to other hosts: {outside}"
