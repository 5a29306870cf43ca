"""Accounts, roles, passwords and API tokens of the exchange, on SQLite and PostgreSQL.

Passwords are hashed with argon2id and never stored, printed or recorded; tokens are stored
as hashes, expire and can be revoked; every change is an audit record.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from migstat.exchange import accounts, audit, passwords, sessions, tokens
from migstat.model import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S

PASSWORD = "Tien-Shan snow in April 2024"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_roles_countries_and_password_rules(store: Store) -> None:
    kgz = accounts.add(
        store, " Aigul.K ", "reporter", PASSWORD, country="kg", agency="NSC", by="admin", now=T0
    )
    assert (kgz.login, kgz.role, kgz.country, kgz.agency) == ("aigul.k", "reporter", "KGZ", "NSC")
    assert kgz.principal.country == "KGZ" and kgz.principal.roles == frozenset({"reporter"})
    boss = accounts.add(store, "coord", "coordinator", PASSWORD, by="admin", now=T0)
    assert boss.principal.is_coordinator and boss.country is None
    assert [a.login for a in accounts.listing(store)] == ["aigul.k", "coord"]
    refused = [
        (dict(login="aigul.k", role="approver", country="KGZ"), "already exists"),
        (dict(login="x", role="reporter", country="KGZ"), "not a usable login"),
        (dict(login="uz1", role="reporter", country=None), "give --country"),
        (dict(login="uz1", role="coordinator", country="UZB"), "leave out --country"),
        (dict(login="uz1", role="admin", country="UZB"), "Unknown role admin"),
    ]
    for args, message in refused:
        with pytest.raises(InputError) as caught:
            accounts.add(store, password=PASSWORD, by="admin", **args)
        assert message in caught.value.text("en")
    with pytest.raises(NotFoundError):
        accounts.add(store, "uz1", "partner", PASSWORD, country="XXX", by="admin")
    for weak, message, russian in (
        ("short1", "is 6 characters long; use at least 12", "не короче 12"),
        ("qwertyuiop123", "most commonly used", "самых распространённых"),
        ("aaaaaaaaaaaaaaaa", "most commonly used", "самых распространённых"),
        ("my-uz1-password", "must not contain the login", "не должен содержать логин"),
    ):
        with pytest.raises(InputError) as caught:
            accounts.add(store, "uz1", "partner", weak, country="UZB", by="admin")
        assert message in caught.value.text("en") and russian in caught.value.text("ru")
    assert len(accounts.listing(store)) == 2


def test_the_password_is_stored_only_as_an_argon2id_hash(store: Store) -> None:
    accounts.add(store, "tjk", "approver", PASSWORD, country="TJK", by="admin")
    with store.reading() as conn:
        stored = conn.execute(sa.select(S.account.c.password_hash)).scalar_one()
        dumped = " ".join(
            str(v)
            for table in ("account", "audit_record")
            for row in conn.execute(sa.select(S.metadata.tables[table]))
            for v in row
        )
    assert stored.startswith("$argon2id$v=19$") and PASSWORD not in dumped
    assert passwords.verify(stored, PASSWORD) == (True, False)
    assert passwords.verify(stored, PASSWORD + " ")[0] is False


def test_tokens_are_hashed_expire_and_can_be_revoked(store: Store) -> None:
    accounts.add(store, "kgz-bot", "reporter", PASSWORD, country="KGZ", by="admin", now=T0)
    issued = tokens.issue(store, "kgz-bot", days=30, scope="submit", by="admin", now=T0)
    secret = issued.token
    assert secret.startswith("mst_") and len(secret) == 47
    with store.reading() as conn:
        row = conn.execute(sa.select(S.api_token)).one()
    assert row.token_hash == tokens.digest(secret) and secret not in str(tuple(row))
    found = tokens.resolve(store, secret, now=T0 + timedelta(days=29))
    assert found.account is not None and found.account.login == "kgz-bot"
    assert found.token is not None and found.token.scope == "submit"
    expired = tokens.resolve(store, secret, now=T0 + timedelta(days=30))
    assert expired.account is None and expired.refusal is not None and "expired" in expired.refusal
    assert tokens.resolve(store, secret[:-1] + "x", now=T0).refusal == "The API token is not valid."
    tokens.revoke(store, issued.record.id, by="admin", now=T0 + timedelta(days=1))
    revoked = tokens.resolve(store, secret, now=T0 + timedelta(days=2))
    assert revoked.account is None and revoked.refusal == "The API token was revoked."
    # A disabled account's tokens stop working, and a new one cannot be issued for it.
    second = tokens.issue(store, "kgz-bot", by="admin", now=T0)
    accounts.set_disabled(store, "kgz-bot", True, by="admin")
    assert tokens.resolve(store, second.token, now=T0).account is None
    with pytest.raises(InputError):
        tokens.issue(store, "kgz-bot", by="admin")
    with pytest.raises(InputError):
        tokens.issue(store, "coord-none", days=0, by="admin")
    assert [(t.id, t.revoked_at is not None) for t in tokens.listing(store)] == [
        (1, True),
        (2, False),
    ]
    actions = [r.action for r in audit.records(store)]
    assert actions == [
        "account.add",
        "token.issue",
        "token.revoke",
        "token.issue",
        "account.disable",
    ]
    assert audit.verify(store).ok


def test_the_commands(cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    code, out, _err = cli(
        "--db", db, "users", "add", "Aigul", "--role", "reporter", "--country", "KGZ",
        "--agency", "National Statistical Committee", "--password-file", str(pw),
    )  # fmt: skip
    assert code == 0 and "Account aigul added: reporter (KGZ)." in out
    code, out, err = cli("--db", db, "--lang", "ru", "users", "add", "p1", "--role", "partner")
    assert code == 2 and "--country" in err
    code, out, _err = cli("--db", db, "users", "list")
    assert out.split("\t")[:4] == ["aigul", "reporter", "KGZ", "National Statistical Committee"]
    code, out, err = cli("--db", db, "tokens", "issue", "aigul", "--days", "7", "--scope", "submit")
    secret = out.strip()
    assert code == 0 and secret.startswith("mst_") and "Token 1 for aigul (submit)" in err
    with Store.open(db) as store:
        assert tokens.resolve(store, secret).account is not None
    code, out, _err = cli("--db", db, "tokens", "revoke", "1")
    assert code == 0 and "Token 1 of aigul revoked." in out
    code, out, _err = cli("--db", db, "tokens", "list")
    assert out.startswith("1\taigul\tsubmit\t") and secret not in out
    code, out, err = cli("--db", db, "users", "totp", "aigul")
    assert code == 0 and out.startswith("otpauth://totp/migstat:aigul?secret=")
    assert "it is not shown again" in err
    code, out, _err = cli("--db", db, "users", "disable", "aigul")
    assert code == 0 and "Account aigul disabled." in out
    code, out, err = cli("--db", db, "--lang", "ru", "users", "disable", "nobody")
    assert code == 2 and "Учётной записи nobody нет" in err
    code, out, err = cli("--db", db, "audit", "--verify")
    lines = out.splitlines()
    assert code == 0 and [line.split("\t")[3] for line in lines] == [
        "account.add",
        "token.issue",
        "token.revoke",
        "account.totp",
        "account.disable",
    ]
    assert "The audit trail verifies: 5 records" in err
    assert PASSWORD not in out and secret not in out


def test_users_reset_sets_a_new_password_and_ends_the_sessions(cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    cli("--db", db, "users", "add", "aigul", "--role", "reporter", "--country", "KGZ",
        "--password-file", str(pw))  # fmt: skip
    with Store.open(db) as store:
        account = accounts.find(store, "aigul")
        with store.writing() as conn:
            session = sessions.begin(conn, account, client="test", at=datetime.now(UTC))
        assert sessions.resolve(store, session).account is not None
    new = tmp_path / "new"
    new.write_text("Naryn river at dawn, 2024\n", encoding="utf-8")
    code, out, _err = cli("--db", db, "--lang", "ru", "users", "reset", "aigul",
                          "--password-file", str(new))  # fmt: skip
    assert code == 0 and "Для aigul установлен новый пароль; её сеансы завершены." in out
    short = tmp_path / "short"
    short.write_text("abc\n", encoding="utf-8")
    code, _out, err = cli("--db", db, "users", "reset", "aigul", "--password-file", str(short))
    assert code != 0 and "12" in err
    with Store.open(db) as store:
        assert sessions.resolve(store, session).account is None
        with store.reading() as conn:
            _account, stored = accounts.password_hash(conn, "aigul")
        assert passwords.verify(stored, "Naryn river at dawn, 2024")[0]
        assert not passwords.verify(stored, PASSWORD)[0]
        assert [r.action for r in audit.records(store)][-1] == "account.password"
