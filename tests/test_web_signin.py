"""Signing in to the portal with accounts: passwords, sessions, CSRF, throttling, API tokens.

Every refusal is a clear 401, 403 or 429 in the user's language with an audit record, and
nothing is written: the mapping stays at the versions it had.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from migstat import api
from migstat.exchange import accounts, audit, tokens, totp
from migstat.exchange.signin import Throttle
from migstat.i18n import translations
from migstat.store import Store
from migstat.store import schema as S
from migstat.web import auth
from migstat.web.app import create_app
from tests.test_web_mappings import HERE, SPLIT, csrf_of, first_version, form, versions

PASSWORD = "Tien-Shan snow in April 2024"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def opened(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as store:
        first_version(store)
        before = T0 - timedelta(days=1)
        accounts.add(store, "coord", "coordinator", PASSWORD, by="test", now=before)
        accounts.add(store, "aigul", "reporter", PASSWORD, country="KGZ", by="test", now=before)
        totp.enrol(store, "coord", by="test", now=before)
        yield store


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client(store: Store, clock: Clock, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(store=store, clock=clock), base_url=base_url)


def form_token(web: TestClient, lang: str = "en") -> str:
    page = web.get(f"/signin?lang={lang}").text
    found = re.search(r'name="csrf" value="([0-9a-f]{32})"', page)
    assert found, "the sign-in form has no CSRF field"
    return found.group(1)


def code_for(store: Store, login: str, moment: datetime) -> str:
    """The next unused code of the account's authenticator app ("" without one)."""
    a = S.account
    with store.reading() as conn:
        row = conn.execute(
            sa.select(a.c.totp_secret, a.c.totp_last_step).where(a.c.login == login.strip().lower())
        ).first()
    if row is None or row.totp_secret is None:
        return ""
    step = int(moment.timestamp()) // 30
    if row.totp_last_step is not None:
        step = max(step - 1, row.totp_last_step + 1)
    return pyotp.TOTP(row.totp_secret).at(step * 30)


def attempt(web: TestClient, login: str, password: str, lang: str = "en", code: str | None = None):
    if code is None:
        code = code_for(web.app.state.store, login, web.app.state.clock())
    data = {
        "login": login,
        "password": password,
        "code": code,
        "next": HERE,
        "csrf": form_token(web, lang),
    }
    return web.post(f"/signin?lang={lang}", data=data, follow_redirects=False)


def sign_in(web: TestClient, login: str = "coord") -> str:
    """Sign in; the CSRF token of the editor's form."""
    answer = attempt(web, login, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"].startswith(HERE)
    return csrf_of(web.get(HERE).text)


def actions(store: Store) -> list[tuple[str, str]]:
    # after the two accounts and the coordinator's second factor
    return [(r.actor, r.action) for r in audit.records(store)][3:]


def test_a_coordinator_account_signs_in_and_edits(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    answer = attempt(web, " Coord ", PASSWORD)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    value = web.cookies.get(auth.SESSION_COOKIE)
    assert value and PASSWORD not in value and len(value.split(".")[0]) == 32
    html = web.get(HERE).text
    assert 'id="editor"' in html and "Signed in as coord" in html
    saved = web.post(
        HERE, data=form(csrf_of(html), SPLIT, note="by account"), follow_redirects=False
    )
    assert saved.status_code == 303 and versions(opened) == [1, 2, 3]
    assert api.mapping(opened, "KGZ", "REASON", source="px").created_by == "coord (web)"
    assert actions(opened) == [("coord", "signin")]
    # Over https the cookie is Secure too.
    secure = attempt(client(opened, clock, "https://testserver"), "coord", PASSWORD)
    assert "Secure" in secure.headers["set-cookie"]
    # A reporter signs in too, but may not edit mappings: a 403, recorded.
    reporter = client(opened, clock)
    csrf = sign_in(reporter, "aigul")
    refused = reporter.post(f"{HERE}?lang=ru", data=form(csrf, SPLIT))
    assert refused.status_code == 403 and "может изменять только координатор" in refused.text
    assert actions(opened)[-1] == ("aigul", "access.denied")
    assert versions(opened) == [1, 2, 3]
    assert audit.verify(opened).ok


def test_a_wrong_password_is_a_401_in_the_users_language(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    for login, password, lang, text in (
        ("coord", PASSWORD + "!", "en", "Wrong login or password."),
        ("nobody", PASSWORD, "ru", "Неверный логин или пароль."),
    ):
        answer = attempt(web, login, password, lang)
        assert answer.status_code == 401 and text in answer.text
        assert auth.SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    accounts.set_disabled(opened, "aigul", True, by="test")
    disabled = attempt(web, "aigul", PASSWORD)
    assert disabled.status_code == 401 and "Wrong login or password." in disabled.text
    failed = [r for r in audit.records(opened) if r.action == "signin.failed"]
    assert [(r.actor, r.client, r.details["reason"]) for r in failed] == [
        ("coord", "testclient", "wrong password"),
        ("nobody", "testclient", "unknown login"),
        ("aigul", "testclient", "account disabled"),
    ]
    assert all(PASSWORD not in str(r.details) for r in audit.records(opened))


def test_sign_in_is_throttled_per_login_and_per_address(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    for _ in range(5):
        clock.now += timedelta(seconds=10)
        assert attempt(web, "coord", "guess-" + "x" * 12).status_code == 401
    # The sixth attempt waits, even with the right password: 429 with Retry-After.
    held = attempt(web, "coord", PASSWORD, "ru")
    assert held.status_code == 429 and held.headers["Retry-After"] == "860"
    assert "Слишком много неудачных попыток входа: подождите 15 мин." in held.text
    assert actions(opened)[-1] == ("coord", "signin.throttled")
    # Another account from the same address is not held back by coord's failures ...
    assert attempt(client(opened, clock), "aigul", PASSWORD).status_code == 303
    # ... and coord may try again once the first failure is older than the window.
    clock.now = T0 + timedelta(minutes=15, seconds=11)
    assert attempt(web, "coord", PASSWORD).status_code == 303
    # Per address: a few failures with any logins hold the address back.
    clock.now += timedelta(minutes=20)
    web.app.state.throttle = Throttle(per_login=100, per_client=3, window=timedelta(minutes=15))
    other = client(opened, clock)
    other.app.state.throttle = web.app.state.throttle
    for login in ("a1", "b2", "c3"):
        assert attempt(other, login, PASSWORD).status_code == 401
    address = attempt(other, "aigul", PASSWORD)
    assert address.status_code == 429 and "Too many failed sign-ins" in address.text


def test_forms_without_their_csrf_token_are_refused(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    web.get("/signin")
    no_token = web.post(
        "/signin?lang=ru", data={"login": "coord", "password": PASSWORD}, follow_redirects=False
    )
    assert no_token.status_code == 403 and "Форма устарела" in no_token.text
    assert auth.SESSION_COOKIE not in no_token.headers.get("set-cookie", "")
    csrf = sign_in(web)
    refused = web.post(HERE, data=form(None, SPLIT))
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    wrong = web.post(HERE, data=form("0" * 64, SPLIT))
    assert wrong.status_code == 403 and versions(opened) == [1, 2]
    assert [a for a in actions(opened) if a[1] == "access.denied"] == [
        ("coord", "access.denied")
    ] * 3
    assert web.post(HERE, data=form(csrf, SPLIT), follow_redirects=False).status_code == 303


def test_a_cookie_replayed_after_sign_out_is_refused(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    csrf = sign_in(web)
    kept = web.cookies.get(auth.SESSION_COOKIE)
    # Another site cannot sign the browser out: the form needs the session's CSRF token.
    assert web.post("/signout", data={"csrf": "0" * 64}).status_code == 403
    assert 'id="editor"' in web.get(HERE).text
    out = web.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    web.cookies.set(auth.SESSION_COOKIE, kept)
    assert 'id="editor"' not in web.get(HERE).text
    replayed = web.post(f"{HERE}?lang=ru", data=form(csrf, SPLIT))
    assert replayed.status_code == 401 and "Ваш сеанс завершён: войдите снова." in replayed.text
    assert versions(opened) == [1, 2]
    assert actions(opened)[-3:] == [
        ("coord", "signin"),
        ("coord", "access.denied"),
        ("coord", "signout"),
    ]
    # A session also ends after 30 idle minutes and after 12 hours in all.
    fresh = client(opened, clock)
    csrf = sign_in(fresh)
    clock.now += timedelta(minutes=31)
    idle = fresh.post(HERE, data=form(csrf, SPLIT))
    assert idle.status_code == 401 and "Your session has expired" in idle.text
    # A forged cookie (another key) is nobody.
    forged = client(opened, clock)
    forged.cookies.set(auth.SESSION_COOKIE, auth.sign_session_id(b"k" * 32, "a" * 32))
    assert forged.post(HERE, data=form(csrf, SPLIT)).status_code == 403


def test_api_tokens_revoked_or_expired_are_refused(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    issued = tokens.issue(opened, "coord", days=30, scope="submit", by="test", now=T0)
    body = {"entries": [{"national_code": "03", "target": "FAM", "share": 1}], "note": "bot"}
    reading = tokens.issue(opened, "coord", days=30, scope="read", by="test", now=T0)
    only_read = web.post(
        f"/api{HERE}?lang=ru", json=body, headers={"Authorization": f"Bearer {reading.token}"}
    )
    assert only_read.status_code == 403 and "только для чтения" in only_read.text
    bearer = {"Authorization": f"Bearer {issued.token}"}
    saved = web.post(f"/api{HERE}", json=body, headers=bearer)
    assert saved.status_code == 201 and saved.json()["created_by"] == "coord (web)"
    clock.now = T0 + timedelta(days=30)
    expired = web.post(f"/api{HERE}?lang=ru", json=body, headers=bearer)
    assert expired.status_code == 401 and "истёк" in expired.json()["error"]
    assert expired.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    clock.now = T0 + timedelta(days=1)
    tokens.revoke(opened, issued.record.id, by="test", now=T0)
    revoked = web.get("/api/mappings", headers=bearer)
    assert revoked.status_code == 401 and revoked.json() == {"error": "The API token was revoked."}
    unknown = web.get("/api/mappings", headers={"Authorization": "Bearer mst_" + "x" * 43})
    assert unknown.status_code == 401
    reporter = tokens.issue(opened, "aigul", by="test", now=T0)
    denied = web.post(
        f"/api{HERE}", json=body, headers={"Authorization": f"Bearer {reporter.token}"}
    )
    assert denied.status_code == 403
    assert [a for a in actions(opened) if a[1] in ("token.refused", "access.denied")] == [
        ("coord", "access.denied"),
        ("coord", "token.refused"),
        ("coord", "token.refused"),
        ("-", "token.refused"),
        ("aigul", "access.denied"),
    ]
    assert versions(opened) == [1, 2, 3]


def test_the_coordinator_token_sign_in_is_recorded_and_throttled(
    opened: Store, clock: Clock
) -> None:
    token = "k3y-of-the-coordinator-0123456789"
    web = TestClient(create_app(store=opened, clock=clock, coordinator_token=token))
    page = web.get("/signin?lang=ru").text
    assert 'id="signin-account"' in page and 'id="signin"' in page and "Логин" in page
    for _ in range(5):
        assert web.post("/signin", data={"token": "x" * 40}).status_code == 403
    held = web.post("/signin", data={"token": token}, follow_redirects=False)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) == 900
    clock.now += timedelta(minutes=15)
    assert web.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303
    assert [a for a in actions(opened)] == [
        *[("coordinator-token", "signin.failed")] * 5,
        ("coordinator-token", "signin.throttled"),
        ("coordinator-token", "signin"),
    ]


def test_the_coordinator_reads_the_audit_trail_and_others_may_not(
    opened: Store, clock: Clock
) -> None:
    anonymous = client(opened, clock)
    refused = anonymous.get("/audit?lang=ru")
    assert (
        refused.status_code == 403
        and "Журнал аудита может читать только координатор" in refused.text
    )
    reporter = client(opened, clock)
    sign_in(reporter, "aigul")
    assert reporter.get("/audit.csv").status_code == 403
    web = client(opened, clock)
    assert attempt(web, "coord", "not-the-password-at-all").status_code == 401
    sign_in(web)
    page = web.get("/audit?action=signin&lang=en")
    assert page.status_code == 200 and "The chain verifies: 8 records" in page.text
    table = page.text.split('id="audit"')[1]
    assert table.count("<tr><td>") == 2 and "signin.failed" not in table and "aigul" in table
    failures = web.get("/audit?action=signin.").text.split('id="audit"')[1]
    assert failures.count("<tr><td>") == 1 and "signin.failed" in failures
    lines = web.get("/audit.csv?actor=anonymous").text.lstrip("\ufeff").splitlines()
    assert lines[0] == "id,at,actor,action,client,details,hash"
    assert [line.split(",")[2:4] for line in lines[1:]] == [["anonymous", "access.denied"]]
    # A changed record shows on the page at once.
    with opened.writing() as conn:
        conn.exec_driver_sql("UPDATE audit_record SET client = 'elsewhere' WHERE id = 3")
    broken = web.get("/audit?lang=ru").text
    assert 'id="chain-broken"' in broken and "Журнал аудита нарушен на записи 3" in broken


def test_the_coordinator_manages_accounts_and_tokens_in_the_portal(
    opened: Store, clock: Clock
) -> None:
    reporter = client(opened, clock)
    csrf_r = sign_in(reporter, "aigul")
    assert reporter.get("/accounts").status_code == 403
    grab = reporter.post(
        "/accounts",
        data={"csrf": csrf_r, "login": "mine", "role": "coordinator", "password": PASSWORD},
    )
    assert grab.status_code == 403 and len(accounts.listing(opened)) == 2
    web = client(opened, clock)
    sign_in(web)
    page = web.get("/accounts?lang=ru")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    csrf = csrf_of(page.text)
    weak = web.post(
        "/accounts?lang=ru",
        data={"csrf": csrf, "login": "uzb-1", "role": "partner", "country": "UZ", "password": "x"},
    )
    assert weak.status_code == 400 and "пароль должен быть не короче 12" in weak.text
    added = web.post(
        "/accounts",
        data={
            "csrf": csrf,
            "login": "uzb-1",
            "role": "partner",
            "country": "UZ",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303 and accounts.find(opened, "uzb-1").country == "UZB"
    enrolled = web.post("/accounts/uzb-1/totp", data={"csrf": csrf})
    assert enrolled.status_code == 201 and "otpauth://totp/migstat:uzb-1?secret=" in enrolled.text
    assert code_for(opened, "uzb-1", clock.now) != ""
    issued = web.post("/accounts/uzb-1/tokens", data={"csrf": csrf, "days": "7", "scope": "read"})
    assert issued.status_code == 201
    secret = re.search(r'id="issued-token">(mst_[\w-]+)<', issued.text).group(1)
    assert tokens.resolve(opened, secret, now=T0).account.login == "uzb-1"
    assert secret not in web.get("/accounts").text
    no_csrf = web.post("/accounts/tokens/1/revoke", data={})
    assert no_csrf.status_code == 403 and tokens.resolve(opened, secret, now=T0).account
    web.post("/accounts/tokens/1/revoke", data={"csrf": csrf})
    assert tokens.resolve(opened, secret, now=T0).refusal == "The API token was revoked."
    web.post("/accounts/aigul/disable", data={"csrf": csrf})
    assert reporter.get("/signin").status_code == 200 and not accounts.find(opened, "aigul").active
    assert "Signed in as" not in reporter.get(HERE).text
    changes = [a for a in actions(opened) if a[1].startswith(("account.", "token."))]
    assert changes == [
        ("coord", "account.add"),
        ("coord", "account.totp"),
        ("coord", "token.issue"),
        ("coord", "token.revoke"),
        ("coord", "account.disable"),
    ]
    assert [r.client for r in audit.records(opened) if r.action == "account.disable"] == [
        "testclient"
    ]


def test_the_exchange_pages_speak_russian() -> None:
    russian = translations("ru")
    folder = Path(__file__).resolve().parents[1] / "migstat" / "web" / "templates"
    for name in ("signin.html", "accounts.html", "audit.html"):
        text = (folder / name).read_text("utf-8")
        for msgid in re.findall(r'\bt\(\s*"([^"]+)"', text):
            assert russian.gettext(msgid) != msgid, (name, msgid)
    for role in ("coordinator", "reporter", "approver", "partner"):
        assert russian.gettext(role) != role


def test_the_coordinator_needs_a_second_factor_used_once(opened: Store, clock: Clock) -> None:
    web = client(opened, clock)
    missing = attempt(web, "coord", PASSWORD, "ru", code="")
    assert missing.status_code == 401 and "6-значный код" in missing.text
    wrong = attempt(web, "coord", PASSWORD, code="000000")
    assert wrong.status_code == 401 and "wrong or was already used" in wrong.text
    code = code_for(opened, "coord", clock.now)
    assert attempt(web, "coord", PASSWORD, code=code).status_code == 303
    replayed = attempt(client(opened, clock), "coord", PASSWORD, code=code)
    assert replayed.status_code == 401 and "already used" in replayed.text
    # A coordinator without a second factor cannot sign in at all; a reporter may have one.
    accounts.add(opened, "coord2", "coordinator", PASSWORD, by="test", now=T0 - timedelta(1))
    bare = attempt(client(opened, clock), "coord2", PASSWORD, "ru")
    assert bare.status_code == 401 and "migstat users totp LOGIN" in bare.text
    totp.enrol(opened, "aigul", by="test", now=T0)
    assert attempt(client(opened, clock), "aigul", PASSWORD, code="").status_code == 401
    assert attempt(client(opened, clock), "aigul", PASSWORD).status_code == 303
    reasons = [
        r.details.get("reason") for r in audit.records(opened) if r.action == "signin.failed"
    ]
    assert reasons == [
        "second factor missing",
        "wrong second factor",
        "wrong second factor",
        "no second factor",
        "second factor missing",
    ]


def test_a_new_password_ends_every_session_of_the_account(opened: Store, clock: Clock) -> None:
    """The coordinator sets a reporter's new password in the portal: the reporter's open
    session ends at once (its cookie is nobody's), the old password no longer signs in, the
    new one does; the change is in the audit trail, the password nowhere."""
    reporter = client(opened, clock)
    sign_in(reporter, "aigul")
    assert reporter.get("/me").json()["login"] == "aigul"
    web = client(opened, clock)
    sign_in(web)
    csrf = csrf_of(web.get("/accounts").text)
    new = "Issyk-Kul in October, 1,607 m"
    weak = web.post("/accounts/aigul/password?lang=ru", data={"csrf": csrf, "password": "short"})
    assert weak.status_code == 400 and "пароль должен быть не короче 12" in weak.text
    assert reporter.get("/me").json()["login"] == "aigul"  # a refused change ends nothing
    changed = web.post(
        "/accounts/aigul/password",
        data={"csrf": csrf, "password": new},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert reporter.get("/me").json().get("login") is None
    assert attempt(client(opened, clock), "aigul", PASSWORD).status_code == 401
    assert attempt(client(opened, clock), "aigul", new).status_code == 303
    assert ("coord", "account.password") in actions(opened)
    assert all(new not in str(r.details) for r in audit.records(opened))
