"""What every command module of ``migstat`` shares: the root context, the ``--lang`` option,
opening the store, progress, the common messages and the runner that turns errors into messages
and exit statuses.

Command modules import this module and never :mod:`migstat.cli.main`, which only assembles the
command tree: so the modules form no cycle and each can be read (and tested) on its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from migstat.cli.helptext import localise
from migstat.i18n import N_, gettext_, resolve_language
from migstat.model import MigstatError


# -- the root context and the language ---------------------------------------------------------
class Context:
    """What the root group's options (``--lang``, ``--db``) give every sub-command."""

    def __init__(self, lang: str | None, db: str | None) -> None:
        self.lang = resolve_language(lang)
        self.db = db

    def t(self, message: str, **params: Any) -> str:
        return gettext_(message, self.lang, **params)


pass_ctx = click.make_pass_decorator(Context)


def lang_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--lang`` on a sub-command: it overrides the root's choice for the whole run."""

    def set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value:
            ctx.ensure_object(Context).lang = resolve_language(value)
        return value

    return click.option(
        "--lang",
        type=click.Choice(["en", "ru"]),
        expose_value=False,
        callback=set_lang,
        is_eager=True,
        help="Language of messages and labels.",
    )(f)


def current_language() -> str:
    """The language of the command being run (its root context's, else the environment's)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return getattr(obj, "lang", None) or resolve_language(None)


def set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """A ``--lang`` callback for commands that take no :class:`Context`: it sets the root's
    language when there is a root context to set."""
    obj = ctx.find_root().obj
    if value and obj is not None and hasattr(obj, "lang"):
        obj.lang = resolve_language(value)


def say(message: str, *, err: bool = False, **params: Any) -> None:
    """Print ``message`` in the language of the command being run."""
    click.echo(gettext_(message, current_language(), **params), err=err)


# -- the store, the files, who ---------------------------------------------------------------
@contextmanager
def opened_store(c: Context) -> Iterator[Any]:
    """The store of ``--db`` (made and migrated when it does not exist yet), closed after."""
    from migstat.api import open_store

    store = open_store(c.db)
    try:
        yield store
    finally:
        store.close()


def existing_store(c: Context) -> Any:
    """The store of ``--db`` for commands that only read: a missing store is an error, not a
    new empty one."""
    from migstat.api import open_store, store_exists

    if not store_exists(c.db):
        raise MigstatError(
            N_(
                "There is no store at {url}: give --db or build one first "
                "(migstat demo, migstat submit)."
            ),
            url=c.db or "migstat.db",
        )
    return open_store(c.db)


def require_file(file: Path) -> None:
    """Stop with a message when ``file`` is missing or a folder."""
    if not file.exists():
        raise MigstatError(N_("File not found: {file}"), file=str(file))
    if file.is_dir():
        raise MigstatError(N_("{file} is a folder, not a file."), file=str(file))


def who(by: str | None, default: str = "cli") -> str:
    """Who is recorded as doing a change: ``--by``, else the OS user, else ``default``."""
    return by or os.environ.get("USER") or default


# -- output ------------------------------------------------------------------------------------
@contextmanager
def progress(c: Context, label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for long work (plain lines when stderr is not a terminal)."""
    state: dict[str, Any] = {"bar": None, "done": 0}
    tty = sys.stderr.isatty()

    def update(done: int, total: int) -> None:
        if not tty:
            click.echo(f"{label}: {done}/{total}", err=True)
            return
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


def thousands(value: float) -> str:
    """A whole number with narrow no-break spaces between thousands (read the same in English
    and Russian)."""
    return f"{value:,.0f}".replace(",", "\u202f")


def report_stored(c: Context, record: Any) -> None:
    """Say what was stored; a rejected submission ends the command with exit status 1."""
    status = c.t(N_("accepted")) if record.status == "accepted" else c.t(N_("rejected"))
    click.echo(
        c.t(
            N_("Submission {id} stored ({status}): {n} observations from {file}, sha256 {sha}."),
            id=record.id,
            status=status,
            n=record.n_observations,
            file=record.file_name,
            sha=record.sha256[:12],
        )
    )
    if record.status != "accepted":
        click.echo(
            c.t(
                N_(
                    "The submission has errors: it is kept, but its numbers are not "
                    "published until a corrected file is submitted."
                )
            ),
            err=True,
        )
        sys.exit(1)


# -- running -----------------------------------------------------------------------------------
def run(command: click.Command, argv: list[str] | None = None) -> None:
    """Run ``command`` as the program, turning input errors into messages and exit statuses
    (set ``MIGSTAT_DEBUG=1`` to see the traceback of an unexpected failure)."""
    lang = resolve_language(None)
    localise(command, _lang_from_argv(argv, lang))
    try:
        command.main(args=argv, prog_name="migstat", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as problem:
        problem.show()
        sys.exit(problem.exit_code)
    except click.exceptions.Abort:
        click.echo(gettext_(N_("Aborted."), _lang_from_argv(argv, lang)), err=True)
        sys.exit(130)
    except MigstatError as problem:
        ctx = click.get_current_context(silent=True)
        if ctx is not None and isinstance(ctx.find_root().obj, Context):
            lang = ctx.find_root().obj.lang
        lang = _lang_from_argv(argv, lang)
        click.echo(gettext_(N_("Error: {message}"), lang, message=problem.text(lang)), err=True)
        sys.exit(problem.exit_code)
    except Exception as problem:  # never a traceback for a person
        if os.environ.get("MIGSTAT_DEBUG"):
            raise
        lang = _lang_from_argv(argv, lang)
        click.echo(
            gettext_(
                N_(
                    "Unexpected failure ({kind}: {detail}). Run again with "
                    "MIGSTAT_DEBUG=1 for details and report it."
                ),
                lang,
                kind=type(problem).__name__,
                detail=str(problem)[:300],
            ),
            err=True,
        )
        sys.exit(3)


def _lang_from_argv(argv: list[str] | None, default: str) -> str:
    args = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args) and args[i + 1] in ("en", "ru"):
            return args[i + 1]
        if a.startswith("--lang=") and a[7:] in ("en", "ru"):
            return a[7:]
    return default
