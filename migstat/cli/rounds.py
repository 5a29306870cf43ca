"""``migstat rounds``: reporting rounds (who is asked for which tables, by when), their status
board, countries' declarations of tables not available, and reminders.

The command line has the database itself and acts as the coordinator, recorded in the audit
trail as the operating-system user (or ``--by``) from client ``cli``. ``rounds remind`` may run
from cron as often as one likes: it sends nothing twice.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx, who
from migstat.i18n import N_

CLIENT = "cli"
_by = click.option("--by", default=None, help="Who is recorded (default: the OS user).")


def _coordinator(by: str | None):  # type: ignore[no-untyped-def]
    from migstat.store.access import COORDINATOR, Principal

    return Principal(user_id=who(by), roles=frozenset({COORDINATOR}))


@click.group("rounds")
def rounds_group() -> None:
    """Reporting rounds: open, list, status board, declare not available, close, remind."""


@rounds_group.command("open")
@click.argument("round_id", metavar="ID")
@click.option("--year", type=int, required=True, help="The reference year asked for.")
@click.option("--tables", required=True, help="Comma-separated table ids, e.g. S01,F01.")
@click.option("--countries", required=True, help="Comma-separated countries, e.g. KGZ,KAZ.")
@click.option("--deadline", required=True, help="YYYY-MM-DD.")
@_by
@lang_option
@pass_ctx
def open_cmd(
    c: Context,
    round_id: str,
    year: int,
    tables: str,
    countries: str,
    deadline: str,
    by: str | None,
) -> None:
    """Open a round asking every country for every table by the deadline."""
    from migstat.exchange import rounds

    with opened_store(c) as store:
        found = rounds.open_round(
            store,
            round_id,
            year=year,
            tables=tables,
            countries=countries,
            deadline=deadline,
            by=who(by),
            client=CLIENT,
        )
    click.echo(
        c.t(
            N_("Round {id} opened: {year}, {tables} from {countries}, due {deadline}."),
            id=found.id,
            year=found.year,
            tables=",".join(found.tables),
            countries=",".join(found.countries),
            deadline=found.deadline.isoformat(),
        )
    )


@rounds_group.command("list")
@lang_option
@pass_ctx
def list_cmd(c: Context) -> None:
    """List rounds: id, year, deadline, countries, tables, open or closed."""
    from migstat.exchange import rounds

    with opened_store(c) as store:
        found = rounds.listing(store)
    if not found:
        click.echo(c.t(N_("No rounds yet: open one with migstat rounds open.")))
    for r in found:
        state = c.t(N_("open")) if r.open else c.t(N_("closed"))
        click.echo(
            "\t".join(
                [
                    r.id,
                    str(r.year),
                    r.deadline.isoformat(),
                    str(len(r.countries)),
                    ",".join(r.tables),
                    state,
                ]
            )
        )


@rounds_group.command("status")
@click.argument("round_id", metavar="ID")
@lang_option
@pass_ctx
def status_cmd(c: Context, round_id: str) -> None:
    """Print the round's board: a row per country, a column per table, then the counts."""
    from migstat.exchange import board, rounds

    with opened_store(c) as store:
        found = rounds.get(store, round_id)
        grid = board.board(store, found, _coordinator(None))
    click.echo(
        c.t(
            N_("Round {id}: {year}, due {deadline} ({state})."),
            id=found.id,
            year=found.year,
            deadline=found.deadline.isoformat(),
            state=c.t(N_("open")) if found.open else c.t(N_("closed")),
        )
    )
    width = max(len(board.STATES[0]), *(len(s) for s in board.STATES)) + 1
    click.echo("\t".join([c.t(N_("country")), *found.tables]))
    for country in grid.countries:
        cells = [
            (cell.state + ("!" if cell.late and cell.state != board.LATE else "")).ljust(width)
            if cell is not None
            else "-".ljust(width)
            for cell in grid.row(country)
        ]
        click.echo("\t".join([country, *cells]).rstrip())
    for cell in grid.cells.values():
        if cell.reason:
            click.echo(f"{cell.country} {cell.table}: {cell.reason}")
    click.echo("; ".join(f"{c.t(board.STATE_NAMES[s])}: {n}" for s, n in grid.counts.items() if n))


@rounds_group.command("declare")
@click.argument("round_id", metavar="ID")
@click.option("--country", required=True)
@click.option("--table", required=True)
@click.option("--reason", required=True, help="Why the country cannot provide the table.")
@_by
@lang_option
@pass_ctx
def declare_cmd(
    c: Context, round_id: str, country: str, table: str, reason: str, by: str | None
) -> None:
    """Record that a country cannot provide a table in the round, and why."""
    from migstat.exchange import rounds

    with opened_store(c) as store:
        found = rounds.declare(
            store,
            round_id,
            country=country,
            table=table,
            reason=reason,
            by=who(by),
            client=CLIENT,
        )
    click.echo(
        c.t(
            N_("{country} declared {table} not available in round {id}."),
            country=found.country,
            table=found.table,
            id=round_id,
        )
    )


@rounds_group.command("expect")
@click.argument("round_id", metavar="ID")
@click.option("--country", required=True)
@click.option("--tables", required=True, help="Comma-separated table ids asked in addition.")
@_by
@lang_option
@pass_ctx
def expect_cmd(c: Context, round_id: str, country: str, tables: str, by: str | None) -> None:
    """Ask one country of an open round for more tables."""
    from migstat.exchange import rounds

    with opened_store(c) as store:
        found = rounds.expect(
            store, round_id, country=country, tables=tables, by=who(by), client=CLIENT
        )
        code = rounds.country_code(store, country)
    click.echo(
        c.t(
            N_("Round {id} asks {country} for {tables}."),
            id=found.id,
            country=code,
            tables=",".join(found.expected[code]),
        )
    )


@rounds_group.command("close")
@click.argument("round_id", metavar="ID")
@_by
@lang_option
@pass_ctx
def close_cmd(c: Context, round_id: str, by: str | None) -> None:
    """Close a round (its board stays readable)."""
    from migstat.exchange import rounds

    with opened_store(c) as store:
        found = rounds.close(store, round_id, by=who(by), client=CLIENT)
    click.echo(c.t(N_("Round {id} closed."), id=found.id))


@rounds_group.command("remind")
@click.option("--days", type=click.IntRange(0, 366), default=7, show_default=True)
@click.option("--smtp-host", default=None, help="Default: MIGSTAT_SMTP_HOST (none: no e-mail).")
@click.option("--smtp-port", default=None, help="Default: MIGSTAT_SMTP_PORT, else 25, 587 or 465.")
@click.option("--smtp-from", default=None, help="Default: MIGSTAT_SMTP_FROM.")
@click.option(
    "--smtp-security",
    type=click.Choice(["none", "starttls", "tls"]),
    default=None,
    help="Default: MIGSTAT_SMTP_SECURITY, else none.",
)
@click.option(
    "--smtp-user",
    default=None,
    help="Default: MIGSTAT_SMTP_USER; the password from MIGSTAT_SMTP_PASSWORD_FILE.",
)
@_by
@lang_option
@pass_ctx
def remind_cmd(
    c: Context,
    days: int,
    smtp_host: str | None,
    smtp_port: str | None,
    smtp_from: str | None,
    smtp_security: str | None,
    smtp_user: str | None,
    by: str | None,
) -> None:
    """Notify what is due (deadline near or past, submissions returned), once each, and
    e-mail it when an SMTP server is configured."""
    from migstat.exchange import notify

    mailer = notify.Mailer.from_env()
    if smtp_host:
        mailer = notify.Mailer.checked(
            smtp_host,
            smtp_port,
            smtp_from or "migstat@localhost",
            security=smtp_security or "none",
            user=smtp_user,
            password=notify.smtp_password(),
            ca_file=os.environ.get("MIGSTAT_SMTP_CA_FILE") or None,
        )
    with opened_store(c) as store:
        done = notify.remind(
            store, days=days, mailer=mailer, by=who(by), client=CLIENT, now=datetime.now(UTC)
        )
    click.echo(
        c.t(
            N_("{created} notifications made, {emailed} e-mailed, {failed} e-mails failed."),
            created=done.created,
            emailed=done.emailed,
            failed=len(done.failed),
        )
    )
    for failure in done.failed:
        click.echo(failure, err=True)
    if done.failed:
        raise SystemExit(1)


@rounds_group.command("email")
@click.argument("login")
@click.argument("address")
@_by
@lang_option
@pass_ctx
def email_cmd(c: Context, login: str, address: str, by: str | None) -> None:
    """Send an account's notifications to ADDRESS by e-mail."""
    from migstat.exchange import notify

    with opened_store(c) as store:
        stored = notify.set_address(store, login, address, by=who(by), client=CLIENT)
    click.echo(c.t(N_("Notifications of {login} go to {email}."), login=login, email=stored))


__all__ = ["rounds_group"]
