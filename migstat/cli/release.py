"""``migstat release``, ``migstat releases`` and ``migstat agreements``: releasing accepted
data to partners or the public (with an embargo), withdrawing a release, and the sharing
agreements that say who the partners are.

The command line has the database itself and acts as the coordinator, recorded in the audit
trail as the operating-system user or ``--by LOGIN`` (client ``cli``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx, who
from migstat.i18n import N_
from migstat.model import InputError
from migstat.store.access import COORDINATOR, PARTNERS, PUBLISHED, Principal

CLIENT = "cli"
COMMAND_LINE = Principal("cli", frozenset({COORDINATOR}))
"""Who the command line is to the access gate where it acts as the coordinator (listing
submissions); ``migstat query`` reads as the public does."""
RELEASE_CHOICES = {"internal": None, "partners": PARTNERS, "public": PUBLISHED}


def release_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--release internal|partners|public``: the state data accepted on storing start in."""
    return click.option(
        "--release",
        "release",
        type=click.Choice(list(RELEASE_CHOICES)),
        default="public",
        show_default=True,
        help="Who sees the data once stored and accepted "
        "(internal: the country and the coordinator; release later with `migstat release`).",
    )(f)


def release_state(choice: str) -> str | None:
    return RELEASE_CHOICES[choice]


def _utc(text: str | None) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (or with an offset) as an aware UTC time."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            N_("--embargo-until {value} is not a UTC time: write 2025-06-30T08:00:00Z."),
            value=text,
        ) from None
    if moment.tzinfo is None:
        raise InputError(
            N_("--embargo-until {value} has no time zone: end it with Z (UTC)."), value=text
        )
    return moment.astimezone(UTC)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for text in values for v in text.split(",") if v.strip()]


@click.command("release")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--to", "to", type=click.Choice(["partners", "public"]), default=None)
@click.option(
    "--embargo-until", default=None, help="Public from this UTC time, e.g. 2025-06-30T08:00:00Z."
)
@click.option("--tables", multiple=True, help="Only these tables (comma-separated; default all).")
@click.option(
    "--withdraw", is_flag=True, help="Withdraw the release (a new state; nothing is deleted)."
)
@click.option("--note", default=None)
@click.option("--by", default=None, help="Who releases (default: the OS user).")
@lang_option
@pass_ctx
def release_cmd(
    c: Context,
    ids: tuple[int, ...],
    to: str | None,
    embargo_until: str | None,
    tables: tuple[str, ...],
    withdraw: bool,
    note: str | None,
    by: str | None,
) -> None:
    """Release accepted submissions (several at once: both sides of a corridor together)."""
    from migstat.exchange.release import release

    with opened_store(c) as store:
        made = release(
            store,
            list(ids),
            to=to,
            embargo_until=_utc(embargo_until),
            tables=_split(tables) or None,
            withdraw=withdraw,
            by=who(by),
            client=CLIENT,
            note=note,
        )
    for r in made:
        click.echo(_line(r))


def _line(r: Any) -> str:
    until = f"{r.embargo_until:%Y-%m-%dT%H:%M:%S}Z" if r.embargo_until else "-"
    return (
        f"{r.submission_id}\t{r.table or '*'}\t{r.state}\t{until}\t"
        f"{r.released_at:%Y-%m-%dT%H:%M:%S}Z\t{r.released_by}\t{getattr(r, 'suppressed', '-')}"
    )


@click.command("releases")
@click.argument("submission_id", type=int, required=False)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The release states as they stood then (YYYY-MM-DD: the end of that day, UTC; or "
    "YYYY-MM-DDTHH:MM:SSZ), withdrawn ones included, with who outside the country could "
    "read each: public, partners or nobody.",
)
@lang_option
@pass_ctx
def releases_cmd(c: Context, submission_id: int | None, as_of: str | None) -> None:
    """Every release (of one submission), oldest first: submission, table, state, embargo,
    time, by, cells hidden by secondary suppression. Nothing is ever deleted: a withdrawal
    is one more line, and ``--as-of`` shows what was released at any earlier moment."""
    from migstat.api import parse_as_of
    from migstat.exchange.release import releases

    with opened_store(c) as store:
        if as_of is None:
            for r in releases(store, submission_id=submission_id):
                click.echo(_line(r))
            return
        when = parse_as_of(as_of)
        assert when is not None  # a given --as-of is a moment or an error
        for step in store.release_history(COMMAND_LINE, as_of=when, latest=True):
            if submission_id is None or step.submission_id == submission_id:
                click.echo(f"{_line(step)}\t{step.open_to(when)}")


@click.group("agreements")
def agreements_group() -> None:
    """Sharing agreements: which countries share which tables at partner level."""


@agreements_group.command("add")
@click.argument("name")
@click.option("--countries", multiple=True, required=True, help="Members, e.g. KAZ,KGZ,TJK.")
@click.option("--tables", multiple=True, required=True, help="Tables shared, e.g. S01,F01.")
@click.option("--reciprocal", is_flag=True, help="A member sees a period only if it provided it.")
@click.option("--by", default=None, help="Who adds it (default: the OS user).")
@lang_option
@pass_ctx
def agreements_add_cmd(
    c: Context,
    name: str,
    countries: tuple[str, ...],
    tables: tuple[str, ...],
    reciprocal: bool,
    by: str | None,
) -> None:
    """Add a sharing agreement (adding one of the same name replaces it)."""
    from migstat.exchange import agreements

    with opened_store(c) as store:
        made = agreements.add(
            store,
            name,
            countries=_split(countries),
            tables=_split(tables),
            reciprocal=reciprocal,
            by=who(by),
            client=CLIENT,
        )
    click.echo(_agreement_line(made))


def _agreement_line(a: Any) -> str:
    return (
        f"{a.name}\t{a.state}\t{'reciprocal' if a.reciprocal else '-'}\t"
        f"{','.join(a.countries) or '-'}\t{','.join(a.tables) or '-'}\t"
        f"{a.changed_at:%Y-%m-%dT%H:%M:%S}Z\t{a.changed_by}"
    )


@agreements_group.command("list")
@click.option("--history", is_flag=True, help="Every version, removed agreements too.")
@lang_option
@pass_ctx
def agreements_list_cmd(c: Context, history: bool) -> None:
    """The agreements in force."""
    from migstat.exchange import agreements

    with opened_store(c) as store:
        for a in agreements.agreements(store, history=history):
            click.echo(_agreement_line(a))


@agreements_group.command("remove")
@click.argument("name")
@click.option("--by", default=None, help="Who removes it (default: the OS user).")
@lang_option
@pass_ctx
def agreements_remove_cmd(c: Context, name: str, by: str | None) -> None:
    """Remove an agreement (its history stays)."""
    from migstat.exchange import agreements

    with opened_store(c) as store:
        click.echo(_agreement_line(agreements.remove(store, name, by=who(by), client=CLIENT)))
