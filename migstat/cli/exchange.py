"""``migstat users``, ``migstat tokens`` and ``migstat audit``: the exchange's accounts, the
API tokens of machines, and the audit trail.

The command line has the database itself: it acts as the coordinator and is recorded in the
audit trail as the operating-system user (client ``cli``). Passwords are read from a file
(its first line) or typed twice without echo; they are never printed or recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx, require_file, who
from migstat.i18n import N_
from migstat.model import InputError
from migstat.store.access import ROLES

CLIENT = "cli"


def _password(c: Context, file: Path | None) -> str:
    """The password from ``file`` (its first line), else typed twice without echo."""
    if file is None:
        return click.prompt(
            c.t(N_("Password")),
            hide_input=True,
            confirmation_prompt=c.t(N_("The same password again")),
        )
    require_file(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            N_("Cannot read the password file {file}: {reason}"),
            file=str(file),
            reason=getattr(exc, "strerror", None) or str(exc),
        ) from None
    lines = text.splitlines()
    return lines[0] if lines else ""


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}Z" if moment is not None else "-"


@click.group("users")
def users_group() -> None:
    """Accounts: coordinator, reporters and approvers of a country, partner viewers."""


@users_group.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--country", default=None, help="ISO alpha-3 (every role but coordinator).")
@click.option("--agency", default=None, help="e.g. the statistical office, migration service.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A file whose first line is the password (default: type it).",
)
@lang_option
@pass_ctx
def users_add_cmd(
    c: Context,
    login: str,
    role: str,
    country: str | None,
    agency: str | None,
    password_file: Path | None,
) -> None:
    """Add an account."""
    from migstat.exchange import accounts

    with opened_store(c) as store:
        # what can be wrong with the account is said before the password is asked for
        accounts.role_and_country(store, role, country)
        password = _password(c, password_file)
        account = accounts.add(
            store,
            login,
            role,
            password,
            country=country,
            agency=agency,
            by=who(None),
            client=CLIENT,
        )
    click.echo(
        c.t(
            N_("Account {login} added: {role}{country}."),
            login=account.login,
            role=account.role,
            country=f" ({account.country})" if account.country else "",
        )
    )


@users_group.command("list")
@lang_option
@pass_ctx
def users_list_cmd(c: Context) -> None:
    """List accounts: login, role, country, agency, created, by whom, status."""
    from migstat.exchange import accounts

    with opened_store(c) as store:
        found = accounts.listing(store)
    if not found:
        click.echo(c.t(N_("No accounts yet: add one with migstat users add.")))
    for a in found:
        status = c.t(N_("active")) if a.active else c.t(N_("disabled"))
        click.echo(
            "\t".join(
                [
                    a.login,
                    a.role,
                    a.country or "-",
                    a.agency or "-",
                    _when(a.created_at),
                    a.created_by,
                    status,
                ]
            )
        )


def _switch(c: Context, login: str, disabled: bool) -> None:
    from migstat.exchange import accounts

    with opened_store(c) as store:
        account = accounts.set_disabled(store, login, disabled, by=who(None), client=CLIENT)
    done = N_("Account {login} disabled.") if disabled else N_("Account {login} enabled.")
    click.echo(c.t(done, login=account.login))


@users_group.command("disable")
@click.argument("login")
@lang_option
@pass_ctx
def users_disable_cmd(c: Context, login: str) -> None:
    """Disable an account: its sessions end and its tokens stop working."""
    _switch(c, login, True)


@users_group.command("enable")
@click.argument("login")
@lang_option
@pass_ctx
def users_enable_cmd(c: Context, login: str) -> None:
    """Enable a disabled account again."""
    _switch(c, login, False)


@users_group.command("reset")
@click.argument("login")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@lang_option
@pass_ctx
def users_reset_cmd(c: Context, login: str, password_file: Path | None) -> None:
    """Set a new password; the account's sessions end."""
    from migstat.exchange import accounts

    password = _password(c, password_file)
    with opened_store(c) as store:
        account = accounts.reset_password(store, login, password, by=who(None), client=CLIENT)
    click.echo(c.t(N_("New password set for {login}; its sessions ended."), login=account.login))


@users_group.command("totp")
@click.argument("login")
@lang_option
@pass_ctx
def users_totp_cmd(c: Context, login: str) -> None:
    """Enrol a second factor (TOTP) for LOGIN and print its secret once."""
    from migstat.exchange import totp

    with opened_store(c) as store:
        enrolled = totp.enrol(store, login, by=who(None), client=CLIENT)
    click.echo(enrolled.uri)
    click.echo(
        c.t(
            N_(
                "Add this to the authenticator app of {login} (the address above, or the "
                "key {secret}); it is not shown again. Signing in then needs its code."
            ),
            login=login.strip().lower(),
            secret=enrolled.secret,
        ),
        err=True,
    )


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for machines (stored hashed, expiring, revocable)."""


@tokens_group.command("issue")
@click.argument("login")
@click.option("--days", type=int, default=90, show_default=True, help="Valid for this long.")
@click.option("--scope", type=click.Choice(["read", "submit"]), default="read", show_default=True)
@lang_option
@pass_ctx
def tokens_issue_cmd(c: Context, login: str, days: int, scope: str) -> None:
    """Issue a token for LOGIN and print it once (it cannot be shown again)."""
    from migstat.exchange import tokens

    with opened_store(c) as store:
        issued = tokens.issue(store, login, days=days, scope=scope, by=who(None), client=CLIENT)
    click.echo(issued.token)
    click.echo(
        c.t(
            N_(
                "Token {id} for {login} ({scope}), valid until {expires}. Keep it secret: "
                "it is not stored and cannot be shown again."
            ),
            id=issued.record.id,
            login=issued.record.login,
            scope=scope,
            expires=_when(issued.record.expires_at),
        ),
        err=True,
    )


@tokens_group.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@lang_option
@pass_ctx
def tokens_revoke_cmd(c: Context, token_id: int) -> None:
    """Revoke the token ID (see migstat tokens list)."""
    from migstat.exchange import tokens

    with opened_store(c) as store:
        record = tokens.revoke(store, token_id, by=who(None), client=CLIENT)
    click.echo(c.t(N_("Token {id} of {login} revoked."), id=record.id, login=record.login))


@tokens_group.command("list")
@click.argument("login", required=False)
@lang_option
@pass_ctx
def tokens_list_cmd(c: Context, login: str | None) -> None:
    """List tokens (never their secrets): id, login, scope, issued, expires, revoked."""
    from migstat.exchange import tokens

    with opened_store(c) as store:
        found = tokens.listing(store, login)
    if not found:
        click.echo(c.t(N_("No tokens.")))
    for t in found:
        revoked = _when(t.revoked_at) if t.revoked_at else "-"
        click.echo(
            f"{t.id}\t{t.login}\t{t.scope}\t{_when(t.created_at)}\t{_when(t.expires_at)}\t{revoked}"
        )


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            N_("--since {value} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM."), value=text
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _line(r: Any) -> str:
    details = " ".join(f"{k}={v}" for k, v in sorted(r.details.items()))
    return f"{r.id}\t{r.at:%Y-%m-%dT%H:%M:%S}Z\t{r.actor}\t{r.action}\t{r.client or '-'}\t{details}"


@click.command("audit")
@click.option("--since", default=None, help="Only records from this UTC date (YYYY-MM-DD) on.")
@click.option("--verify", is_flag=True, help="Check the hash chain of the whole trail.")
@lang_option
@pass_ctx
def audit_cmd(c: Context, since: str | None, verify: bool) -> None:
    """Print the audit trail (who, when in UTC, what, from where, details) and check it."""
    from migstat.exchange import audit

    start = _since(since)
    with opened_store(c) as store:
        for r in audit.records(store, since=start):
            click.echo(_line(r))
        if not verify:
            return
        found = audit.verify(store)
    if not found.ok:
        raise audit.AuditChainError(
            found.reason or "", id=found.broken_id, expected=found.count + 1
        )
    click.echo(
        c.t(
            N_("The audit trail verifies: {n} records, the last hash {head}."),
            n=found.count,
            head=found.head,
        ),
        err=True,
    )


__all__ = ["audit_cmd", "tokens_group", "users_group"]
