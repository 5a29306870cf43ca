"""Signing in with an account in Debian's Chromium, in Russian: a wrong password, then the
password with the authenticator's code; the session cookie is out of the page's reach; the
coordinator reads the audit trail and signs out."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
import sqlalchemy as sa

from migstat.exchange import accounts, totp
from migstat.store import Store
from migstat.store import schema as S
from migstat.web.app import create_app
from tests.browser import shot
from tests.test_web_mappings import first_version

PASSWORD = "Tien-Shan snow in April 2024"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The app the browser fixtures serve: a coordinator account with a second factor."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('signin') / 'store.db'}")
    first_version(store)
    accounts.add(store, "coord", "coordinator", PASSWORD, by="test")
    totp.enrol(store, "coord", by="test")
    yield create_app(store=store)
    store.close()


def _code(store: Store) -> str:
    with store.reading() as conn:
        secret = conn.execute(sa.select(S.account.c.totp_secret)).scalar_one()
    return pyotp.TOTP(secret).now()


def test_an_account_signs_in_and_out_in_the_browser(app, page, base_url) -> None:
    page.goto(f"{base_url}/signin?lang=ru")
    page.fill("#login", "coord")
    page.fill("#password", PASSWORD[:-1])
    page.fill("#code", _code(app.state.store))
    page.click("#signin-account button[type=submit]")
    page.wait_for_selector("#signin-error")
    assert page.inner_text("#signin-error") == "Неверный логин или пароль."
    shot(page, "signin-refused-ru")
    page.fill("#login", "coord")
    page.fill("#password", PASSWORD)
    page.fill("#code", _code(app.state.store))
    page.click("#signin-account button[type=submit]")
    page.wait_for_url("**/mappings?lang=ru")
    assert "Вы вошли как coord" in page.inner_text(".signed-in")
    assert "migstat_session" not in page.evaluate("document.cookie")
    page.goto(f"{base_url}/audit?lang=ru")
    assert page.locator("#chain-ok").count() == 1
    rows = page.inner_text("#audit tbody")
    assert "signin.failed" in rows and "\tsignin\t" in rows
    shot(page, "audit-ru")
    page.goto(f"{base_url}/signin?lang=ru")
    page.click("text=Выйти")
    page.wait_for_selector("#signin-account")
    page.goto(f"{base_url}/audit?lang=en")
    assert "Only the coordinator may read the audit trail" in page.inner_text("main")
