"""Round reminders: made once each, shown in the portal, e-mailed through a real SMTP server on
loopback (aiosmtpd), retried after a failure, and run from the command line as cron would."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from migstat.exchange import audit, notify, rounds
from migstat.store import Store
from tests.rounds_data import open_2024, people, the_states

NEAR = datetime(2099, 6, 25, 8, 0, tzinfo=UTC)  # 5 days before the deadline
PAST = datetime(2099, 7, 2, 8, 0, tzinfo=UTC)


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield inbox, port
    finally:
        server.stop()


@pytest.fixture
def round_store(store: Store) -> Store:
    people(store)
    open_2024(store)
    the_states(store)
    notify.set_address(store, "aigul", "aigul@stat.kg", by="coord")
    return store


def kinds(store: Store, login: str) -> list[str]:
    from migstat.exchange import accounts

    return sorted(n.kind for n in notify.for_account(store, accounts.find(store, login).id))


def test_reminders_are_made_once_and_e_mailed(round_store: Store, smtp) -> None:
    inbox, port = smtp
    mailer = notify.Mailer.checked("127.0.0.1", port, "rounds@migstat.example.org")
    # far from the deadline: only the returned submission is worth a word
    first = notify.remind(round_store, days=7, mailer=mailer, now=datetime(2099, 1, 1, tzinfo=UTC))
    assert (first.created, first.emailed, first.failed) == (2, 1, [])
    # near it: every country's reporters, about what is still to send
    near = notify.remind(round_store, days=7, mailer=mailer, now=NEAR)
    # KGZ: reporter + approver (F02 still to send); KAZ: dana (F01, F02)
    assert (near.created, near.emailed) == (3, 2)
    assert kinds(round_store, "aigul") == ["due", "returned"]
    assert kinds(round_store, "dana@stat.kz") == ["due"]
    again = notify.remind(round_store, days=7, mailer=mailer, now=NEAR)
    assert (again.created, again.emailed) == (0, 0)
    # aigul.approver has no address and its login is none: in the portal only
    to = sorted(r for rcpts, _m in inbox.received for r in rcpts)
    assert to == ["aigul@stat.kg", "aigul@stat.kg", "dana@stat.kz"]
    dana = next(m for rcpts, m in inbox.received if rcpts == ["dana@stat.kz"])
    assert dana["From"] == "rounds@migstat.example.org"
    assert dana["Subject"] == "migstat: reporting round 2024 / migstat: раунд сбора данных 2024"
    body = dana.get_content()
    assert "the deadline 2099-06-30 is 5 days away; still to send: F01, F02." in body
    assert "до срока 2099-06-30 осталось дней: 5; ещё не отправлены: F01, F02." in body
    late = notify.remind(round_store, days=7, mailer=mailer, now=PAST)
    assert late.created == 3 and kinds(round_store, "dana@stat.kz") == ["due", "late"]
    reminds = [r.details for r in audit.records(round_store) if r.action == notify.ROUND_REMIND]
    assert [d["created"] for d in reminds] == [2, 3, 3]


def test_a_failed_e_mail_is_tried_again_next_time(round_store: Store, smtp) -> None:
    inbox, port = smtp
    down = notify.Mailer.checked("127.0.0.1", free_port(), "rounds@migstat.example.org")
    failed = notify.remind(round_store, days=7, mailer=down, now=NEAR)
    assert failed.created == 5 and failed.emailed == 0 and len(failed.failed) == 1
    up = notify.Mailer.checked("127.0.0.1", port, "rounds@migstat.example.org")
    retried = notify.remind(round_store, days=7, mailer=up, now=NEAR)
    assert (retried.created, retried.emailed, retried.failed) == (0, 3, [])
    assert len(inbox.received) == 3


def test_a_closed_round_reminds_no_more(round_store: Store) -> None:
    rounds.close(round_store, "2024", by="coord")
    assert notify.remind(round_store, days=7, now=NEAR).created == 0


def test_remind_from_the_command_line(round_store: Store, smtp, cli, monkeypatch) -> None:
    inbox, port = smtp
    monkeypatch.setenv("MIGSTAT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MIGSTAT_SMTP_PORT", str(port))
    monkeypatch.setenv("MIGSTAT_SMTP_FROM", "rounds@migstat.example.org")
    url = str(round_store.url)
    code, out, err = cli("--db", url, "rounds", "remind", "--days", "7")
    assert code == 0, err
    # today is long before 2099: the returned KGZ submission only, to its two accounts
    assert out.strip() == "2 notifications made, 1 e-mailed, 0 e-mails failed."
    code, out, err = cli("--db", url, "rounds", "remind")
    assert out.strip() == "0 notifications made, 0 e-mailed, 0 e-mails failed."
    assert [rcpts for rcpts, _m in inbox.received] == [["aigul@stat.kg"]]
    code, out, err = cli("--db", url, "rounds", "email", "aigul", "not-an-address")
    assert code == 2 and "is not an e-mail address" in err
    code, out, err = cli("--db", url, "rounds", "remind", "--smtp-host", "h", "--smtp-port", "x")
    assert code == 2 and "is not a port number" in err
