"""The ``migstat`` command.

One command with sub-commands over :mod:`migstat.api`. Messages come in English or Russian
(``--lang``, then ``MIGSTAT_LANG``, then the locale). Errors in input end with a message that
names the file and place and a non-zero exit status, never a traceback (set
``MIGSTAT_DEBUG=1`` to see one).

Exit status: 0 success; 1 the file has errors (validate) or the submission was rejected;
2 bad input or usage; 3 an unexpected failure.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from migstat import __version__
from migstat.formats.output import OUTPUT_FORMATS, TABLE_FORMATS
from migstat.i18n import N_, gettext_, resolve_language
from migstat.model import MigstatError, default_registry


class Context:
    def __init__(self, lang: str | None, db: str | None) -> None:
        self.lang = resolve_language(lang)
        self.db = db

    def t(self, message: str, **params: Any) -> str:
        return gettext_(message, self.lang, **params)


pass_ctx = click.make_pass_decorator(Context)


def _lang_option(f: Callable[..., Any]) -> Callable[..., Any]:
    def set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value:
            ctx.ensure_object(Context).lang = resolve_language(value)
        return value
    return click.option("--lang", type=click.Choice(["en", "ru"]), expose_value=False,
                        callback=set_lang, is_eager=True,
                        help="Language of messages and labels.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["en", "ru"]), default=None,
              help="Language of messages (default: MIGSTAT_LANG, then the locale).")
@click.option("--db", metavar="URL", default=None,
              help="Store: a SQLAlchemy URL or a SQLite file path "
                   "(default: MIGSTAT_DATABASE_URL, then ./migstat.db).")
@click.version_option(__version__, prog_name="migstat")
@click.pass_context
def cli(ctx: click.Context, lang: str | None, db: str | None) -> None:
    """migstat: a clearing-house for international migration statistics."""
    ctx.obj = Context(lang, db)


@contextmanager
def _store(c: Context) -> Iterator[Any]:
    from migstat.api import open_store

    store = open_store(c.db)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _progress(c: Context, label: str) -> Iterator[Callable[[int, int], None]]:
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


# -- tables ------------------------------------------------------------------------------------
@cli.command("tables")
@_lang_option
@pass_ctx
def tables_cmd(c: Context) -> None:
    """List the table registry: id, kind, title."""
    for table in default_registry().tables.values():
        click.echo(f"{table.id}\t{table.kind}\t{table.label(c.lang)}")


# -- template ----------------------------------------------------------------------------------
@cli.command("template")
@click.option("--country", required=True, help="ISO 3166 alpha-3 code of the reporting country.")
@click.option("--year", required=True, type=click.IntRange(1900, 2100), help="Reference year.")
@click.option("--tables", "table_ids", default=None,
              help="Comma-separated table ids (default: the standard tables).")
@click.option("--lang", "wb_lang", type=click.Choice(["en", "ru", "both"]), default="both",
              show_default=True, help="Language(s) of the workbook.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def template_cmd(c: Context, country: str, year: int, table_ids: str | None, wb_lang: str,
                 output: Path) -> None:
    """Write a questionnaire workbook for a country and year."""
    from migstat.api import make_template

    if wb_lang in ("en", "ru") and not os.environ.get("MIGSTAT_LANG"):
        c.lang = wb_lang
    ids = [t.strip() for t in table_ids.split(",") if t.strip()] if table_ids else None
    path = make_template(output, country=country, year=year, tables=ids, lang=wb_lang)
    click.echo(c.t(N_("Questionnaire written to {path}"), path=path))


# -- validate ----------------------------------------------------------------------------------
@cli.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--country", default=None, help="Expected reporting country.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the findings as JSON to this file ('-' = stdout).")
@click.option("--annotate", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the workbook back with the offending cells highlighted and commented.")
@click.option("--no-history", is_flag=True,
              help="Do not compare with stored data (year-on-year checks).")
@_lang_option
@pass_ctx
def validate_cmd(c: Context, file: Path, country: str | None, json_out: Path | None,
                 annotate: Path | None, no_history: bool) -> None:
    """Validate a questionnaire, long CSV or SDMX-CSV file and report findings to the cell."""
    from migstat.api import check_file, store_exists
    from migstat.validation.report import render_text, to_json

    _exists(file)
    if no_history or not store_exists(c.db):
        checked = check_file(file, country=country)
    else:
        with _store(c) as store:
            checked = check_file(file, country=country, store=store)
    if json_out is not None and str(json_out) == "-":
        click.echo(json.dumps(to_json(checked.findings, file_name=checked.file_name,
                                      dataset=checked.dataset), ensure_ascii=False, indent=1))
    else:
        click.echo(render_text(checked.findings, lang=c.lang, file_name=checked.file_name))
        if json_out is not None:
            json_out.write_text(json.dumps(to_json(checked.findings, file_name=checked.file_name,
                                                   dataset=checked.dataset),
                                           ensure_ascii=False, indent=1), encoding="utf-8")
            click.echo(c.t(N_("Findings written to {path}"), path=json_out))
    if annotate is not None:
        _annotate(c, checked, annotate)
    sys.exit(1 if checked.errors else 0)


def _annotate(c: Context, checked: Any, out: Path) -> None:
    if checked.dataset.format != "questionnaire":
        click.echo(c.t(N_("Only questionnaire workbooks can be annotated; {file} is {format}."),
                       file=checked.file_name, format=checked.dataset.format), err=True)
        return
    from migstat.formats.annotate import annotate_workbook

    annotate_workbook(checked.raw, checked.findings, out, lang="both")
    click.echo(c.t(N_("Annotated workbook written to {path}"), path=out))


def _exists(file: Path) -> None:
    if not file.exists():
        raise MigstatError(N_("File not found: {file}"), file=str(file))
    if file.is_dir():
        raise MigstatError(N_("{file} is a folder, not a file."), file=str(file))


# -- submit ------------------------------------------------------------------------------------
@cli.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--country", required=True, help="ISO 3166 alpha-3 code of the reporting country.")
@click.option("--by", "submitted_by", default=None, help="Who submits (default: the OS user).")
@click.option("--note", default=None, help="A note kept with the submission (revision reason).")
@click.option("--annotate", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the annotated workbook to return to the country.")
@_lang_option
@pass_ctx
def submit_cmd(c: Context, file: Path, country: str, submitted_by: str | None, note: str | None,
               annotate: Path | None) -> None:
    """Validate and store a submission; the raw file, findings and metadata are kept with it."""
    from migstat.api import submit_file
    from migstat.validation.report import render_text

    _exists(file)
    who = submitted_by or os.environ.get("USER") or "cli"
    with _store(c) as store, _progress(c, c.t(N_("Storing observations"))) as progress:
        record, checked = submit_file(store, file, country=country, submitted_by=who,
                                      note=note, progress=progress)
    if checked.findings:
        click.echo(render_text(checked.findings, lang=c.lang, file_name=checked.file_name))
    if annotate is not None:
        _annotate(c, checked, annotate)
    report_stored(c, record)


def report_stored(c: Context, record: Any) -> None:
    """Say what was stored; a rejected submission ends the command with exit status 1."""
    status = c.t(N_("accepted")) if record.status == "accepted" else c.t(N_("rejected"))
    click.echo(c.t(N_("Submission {id} stored ({status}): {n} observations from {file}, "
                      "sha256 {sha}."), id=record.id, status=status, n=record.n_observations,
                   file=record.file_name, sha=record.sha256[:12]))
    if record.status != "accepted":
        click.echo(c.t(N_("The submission has errors: it is kept, but its numbers are not "
                          "published until a corrected file is submitted.")), err=True)
        sys.exit(1)


# -- submissions -------------------------------------------------------------------------------
@cli.command("submissions")
@click.option("--country", default=None)
@_lang_option
@pass_ctx
def submissions_cmd(c: Context, country: str | None) -> None:
    """List stored submissions (vintages), newest last."""
    with _store(c) as store:
        records = store.submissions(country=country.upper() if country else None)
    for r in records:
        flag = " SYNTHETIC" if r.synthetic else ""
        click.echo(f"{r.id}\t{r.submitted_at.isoformat()}\t{r.provider}\t{r.status}\t"
                   f"{','.join(r.tables)}\t{r.n_observations}\t{r.n_errors}/{r.n_warnings}\t"
                   f"{r.file_name}{flag}")


# -- query -------------------------------------------------------------------------------------
@cli.command("query")
@click.argument("table")
@click.option("--country", "countries", multiple=True, help="Reporting country (repeatable, "
              "or comma-separated).")
@click.option("--partner", "partners", multiple=True, help="Partner country (repeatable).")
@click.option("--provider", "providers", multiple=True,
              help="Data provider: a country code or UN_DESA, UNHCR, CISSTAT, BELSTAT.")
@click.option("--from", "start", type=int, default=None, help="First year.")
@click.option("--to", "end", type=int, default=None, help="Last year.")
@click.option("--as-of", "as_of", default=None,
              help="State of the store at this date (YYYY-MM-DD = end of that day, UTC).")
@click.option("--filter", "filters", multiple=True, metavar="DIM=CODE[,CODE]",
              help="Keep only these codes of a dimension, e.g. SEX=F or AGE=_T.")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@_lang_option
@pass_ctx
def query_cmd(c: Context, table: str, countries: tuple[str, ...], partners: tuple[str, ...],
              providers: tuple[str, ...], start: int | None, end: int | None,
              as_of: str | None, filters: tuple[str, ...], fmt: str,
              output: Path | None) -> None:
    """Tidy rows of a table with SDMX column names, labels and flags."""
    from migstat.api import parse_as_of, query

    when = parse_as_of(as_of)
    dims: dict[str, list[str]] = {}
    for item in filters:
        if "=" not in item:
            raise MigstatError(N_("Write a filter as DIMENSION=CODE, not {value}."), value=item)
        dim, codes = item.split("=", 1)
        dims.setdefault(dim.strip().upper(), []).extend(x.strip() for x in codes.split(","))
    with _store(c) as store:
        result = query(store, table, countries=_split(countries), partners=_split(partners),
                       providers=_split(providers), start=start, end=end, as_of=when,
                       filters=dims or None, lang=c.lang)
    if OUTPUT_FORMATS[fmt].binary:
        if output is None:
            raise MigstatError(N_("XLSX output needs a file: add -o FILE.xlsx."))
        result.to_xlsx(output)
    else:
        text = result.to_csv() if fmt == "csv" else result.to_json()
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    if output is not None:
        click.echo(c.t(N_("{n} rows written to {path}"), n=len(result.rows), path=output),
                   err=True)


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [v.strip() for item in values for v in item.split(",") if v.strip()]
    return out or None


# -- demo --------------------------------------------------------------------------------------
@cli.command("demo")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder of the published data (default: ../shared/data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo"), show_default=True,
              help="Folder for the demo store, questionnaires and returned workbooks.")
@_lang_option
@pass_ctx
def demo_cmd(c: Context, data_dir: Path | None, out_dir: Path) -> None:
    """Build a demo clearing-house from real published data plus synthetic questionnaires."""
    from migstat.demo.build import build_demo

    summary = build_demo(out_dir, data_dir=data_dir, db_url=c.db, lang=c.lang,
                         echo=lambda s: click.echo(s, err=True))
    click.echo(summary)


# -- commands of other layers ------------------------------------------------------------------
# Each layer's commands live in a module of their own in this folder and are added here, one
# group of lines per layer, so the command stays one tree over the public API.

# import (published sources, classification mappings)
from migstat.cli.structures import tables_group  # noqa: E402

cli.add_command(tables_group(tables_cmd))
from migstat.cli.imports import import_cmd  # noqa: E402
from migstat.cli.mapping import mapping_group  # noqa: E402

cli.add_command(import_cmd)
cli.add_command(mapping_group)

# serve (the portal and the APIs)
from migstat.cli.serve import serve_cmd  # noqa: E402

cli.add_command(serve_cmd)

# estimate, mirror (analysis)
from migstat.cli.estimate import estimate  # noqa: E402
from migstat.cli.mirror import mirror_cmd  # noqa: E402

cli.add_command(estimate)
cli.add_command(mirror_cmd)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turning input errors into messages and exit statuses."""
    lang = resolve_language(None)
    try:
        cli.main(args=argv, prog_name="migstat", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as problem:
        problem.show()
        sys.exit(problem.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
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
        click.echo(gettext_(N_("Unexpected failure ({kind}: {detail}). Run again with "
                               "MIGSTAT_DEBUG=1 for details and report it."), lang,
                            kind=type(problem).__name__, detail=str(problem)[:300]), err=True)
        sys.exit(3)


def _lang_from_argv(argv: list[str] | None, default: str) -> str:
    args = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args) and args[i + 1] in ("en", "ru"):
            return args[i + 1]
        if a.startswith("--lang=") and a[7:] in ("en", "ru"):
            return a[7:]
    return default


__all__ = ["cli", "main"]
