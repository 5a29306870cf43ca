"""``migstat query``: tidy rows of a stored table with SDMX column names, labels and flags,
as the store stood at a date when asked (``--as-of``), written as CSV, XLSX or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx
from migstat.formats.output import OUTPUT_FORMATS, TABLE_FORMATS
from migstat.i18n import N_
from migstat.model import MigstatError


@click.command("query")
@click.argument("table")
@click.option(
    "--country",
    "countries",
    multiple=True,
    help="Reporting country (repeatable, or comma-separated).",
)
@click.option("--partner", "partners", multiple=True, help="Partner country (repeatable).")
@click.option(
    "--provider",
    "providers",
    multiple=True,
    help="Data provider: a country code or UN_DESA, UNHCR, CISSTAT, BELSTAT.",
)
@click.option("--from", "start", type=int, default=None, help="First year.")
@click.option("--to", "end", type=int, default=None, help="Last year.")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="State of the store at this date (YYYY-MM-DD = end of that day, UTC).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="DIM=CODE[,CODE]",
    help="Keep only these codes of a dimension, e.g. SEX=F or AGE=_T.",
)
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--excel/--plain",
    "excel",
    default=None,
    help=(
        "CSV for Excel: a UTF-8 BOM and ';' between fields, as a Russian Excel opens it "
        "(default: --excel for a file written with --lang ru, --plain otherwise)."
    ),
)
@lang_option
@pass_ctx
def query_cmd(
    c: Context,
    table: str,
    countries: tuple[str, ...],
    partners: tuple[str, ...],
    providers: tuple[str, ...],
    start: int | None,
    end: int | None,
    as_of: str | None,
    filters: tuple[str, ...],
    fmt: str,
    output: Path | None,
    excel: bool | None,
) -> None:
    """Tidy rows of a table: codes, labels, flags and each row's table metadata."""
    from migstat.api import parse_as_of, query

    when = parse_as_of(as_of)
    dims: dict[str, list[str]] = {}
    for item in filters:
        if "=" not in item:
            raise MigstatError(N_("Write a filter as DIMENSION=CODE, not {value}."), value=item)
        dim, codes = item.split("=", 1)
        dims.setdefault(dim.strip().upper(), []).extend(x.strip() for x in codes.split(","))
    with opened_store(c) as store:
        result = query(
            store,
            table,
            countries=_split(countries),
            partners=_split(partners),
            providers=_split(providers),
            start=start,
            end=end,
            as_of=when,
            filters=dims or None,
            lang=c.lang,
        )
    if OUTPUT_FORMATS[fmt].binary:
        if output is None:
            raise MigstatError(N_("XLSX output needs a file: add -o FILE.xlsx."))
        result.to_xlsx(output)
    else:
        if excel is None:
            excel = output is not None and c.lang == "ru"
        text = result.to_csv(excel=excel) if fmt == "csv" else result.to_json()
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    if output is not None:
        click.echo(c.t(N_("{n} rows written to {path}"), n=len(result.rows), path=output), err=True)


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [v.strip() for item in values for v in item.split(",") if v.strip()]
    return out or None
