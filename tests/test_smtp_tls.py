"""Reminder e-mail through an SMTP server that demands STARTTLS and a password: aiosmtpd on
loopback with a throwaway certificate authority (trustme), the server's certificate verified
against it. A wrong password, an untrusted certificate and a server without STARTTLS each fail
with nothing sent (and the notification kept for the next run); a password is never offered
over plain text."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from migstat.exchange import notify
from migstat.exchange.mailer import SECURITIES
from migstat.model.findings import InputError
from migstat.store import Store
from tests.rounds_data import open_2024, people, the_states
from tests.test_rounds_notify import Inbox, free_port

USER = "clearing-house"
PASSWORD = "correct horse battery staple"
SENDER = "rounds@migstat.example.org"
NEAR = datetime(2099, 6, 25, 8, 0, tzinfo=UTC)
FAR = datetime(2099, 1, 1, tzinfo=UTC)


class SecureInbox(Inbox):
    """Also records, per message, whether the session was encrypted and who had signed in."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, str | None]] = []
        self.attempts: list[tuple[str, bool]] = []

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.auth_data else None
        self.sessions.append((session.ssl is not None, login))
        return await super().handle_DATA(server, session, envelope)

    def authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        self.attempts.append((data.login.decode() if data else "", ok))
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


@pytest.fixture
def round_store(store: Store) -> Store:
    """Round 2024 in its states (as tests/test_rounds_notify.py has it), aigul with an
    address, dana's login an address."""
    people(store)
    open_2024(store)
    the_states(store)
    notify.set_address(store, "aigul", "aigul@stat.kg", by="coord")
    return store


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def secure(ca: trustme.CA) -> Iterator[tuple[SecureInbox, int]]:
    """A server on 127.0.0.1 that refuses mail before STARTTLS and before AUTH."""
    inbox = SecureInbox()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    port = free_port()
    server = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=inbox.authenticate,
    )
    server.start()
    try:
        yield inbox, port
    finally:
        server.stop()


def mailer(port: int, ca_file: str | None, password: str = PASSWORD) -> notify.Mailer:
    return notify.Mailer.checked(
        "127.0.0.1",
        port,
        SENDER,
        security="starttls",
        user=USER,
        password=password,
        ca_file=ca_file,
    )


def test_reminders_go_over_starttls_signed_in(round_store: Store, secure, ca_file) -> None:
    inbox, port = secure
    done = notify.remind(round_store, days=7, mailer=mailer(port, ca_file), now=FAR)
    assert (done.created, done.emailed, done.failed) == (2, 1, [])
    [(to, message)] = inbox.received
    assert to == ["aigul@stat.kg"] and message["From"] == SENDER
    assert "returned with findings" in message.get_content()
    assert inbox.sessions == [(True, USER)]
    assert inbox.attempts == [(USER, True)]


def test_a_wrong_password_sends_nothing_and_is_tried_again(
    round_store: Store, secure, ca_file
) -> None:
    inbox, port = secure
    refused = notify.remind(
        round_store, days=7, mailer=mailer(port, ca_file, "wrong password"), now=NEAR
    )
    assert refused.created == 5 and refused.emailed == 0
    assert len(refused.failed) == 1 and "535" in refused.failed[0]
    # smtplib tries each mechanism the server offers (PLAIN, LOGIN): every one refused
    assert inbox.received == [] and set(inbox.attempts) == {(USER, False)}
    again = notify.remind(round_store, days=7, mailer=mailer(port, ca_file), now=NEAR)
    assert (again.created, again.emailed, again.failed) == (0, 3, [])
    assert sorted(r for rcpts, _m in inbox.received for r in rcpts) == [
        "aigul@stat.kg",
        "aigul@stat.kg",
        "dana@stat.kz",
    ]


def test_an_untrusted_certificate_is_refused(round_store: Store, secure) -> None:
    """Without the CA that signed it, the server's certificate is not believed: no password
    is sent and no message."""
    inbox, port = secure
    done = notify.remind(round_store, days=7, mailer=mailer(port, None), now=FAR)
    assert done.emailed == 0 and "CERTIFICATE_VERIFY_FAILED" in done.failed[0]
    assert inbox.attempts == [] and inbox.received == []


def test_no_starttls_offered_is_a_failure_not_plain_text(round_store: Store, ca_file) -> None:
    inbox = SecureInbox()
    port = free_port()
    plain = Controller(inbox, hostname="127.0.0.1", port=port)
    plain.start()
    try:
        done = notify.remind(round_store, days=7, mailer=mailer(port, ca_file), now=FAR)
    finally:
        plain.stop()
    assert done.emailed == 0 and "STARTTLS" in done.failed[0]
    assert inbox.received == [] and inbox.attempts == []


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"security": "none", "user": USER, "password": PASSWORD}, "never sent unencrypted"),
        ({"security": "starttls", "user": USER}, "has no password"),
        ({"security": "ssl"}, "give none, starttls or tls"),
        ({"security": "tls", "ca_file": "/nonexistent/ca.pem"}, "does not exist"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_sent(kwargs, said: str) -> None:
    with pytest.raises(InputError) as refused:
        notify.Mailer.checked("127.0.0.1", None, SENDER, **kwargs)
    assert said in refused.value.text("en")


def test_default_ports_follow_the_security() -> None:
    ports = [notify.Mailer.checked("h", None, SENDER, security=s).port for s in SECURITIES]
    assert ports == [25, 587, 465]


def test_remind_from_the_command_line_with_a_password_file(
    round_store: Store, secure, ca_file, cli, monkeypatch, tmp_path: Path
) -> None:
    inbox, port = secure
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "FROM": SENDER,
        "SECURITY": "starttls",
        "USER": USER,
        "PASSWORD_FILE": str(secret),
        "CA_FILE": ca_file,
    }.items():
        monkeypatch.setenv(f"MIGSTAT_SMTP_{name}", value)
    code, out, err = cli("--db", str(round_store.url), "rounds", "remind", "--days", "7")
    assert code == 0, err
    assert out.strip() == "2 notifications made, 1 e-mailed, 0 e-mails failed."
    assert inbox.sessions == [(True, USER)]
    # the Russian message for a password sent in the clear
    monkeypatch.setenv("MIGSTAT_SMTP_SECURITY", "none")
    code, out, err = cli("--db", str(round_store.url), "rounds", "remind", "--lang", "ru")
    assert code == 2 and "MIGSTAT_SMTP_SECURITY" in err and "никогда" in err
