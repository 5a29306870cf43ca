"""``migstat tabulate``: census, survey or register records -> the standard tables.

The records stay where they are: the command reads the microdata file (CSV or Parquet, out
of core through DuckDB), tabulates the tables with every total, and writes the long CSV that
``migstat validate`` and ``migstat submit`` read, with its metadata beside it
(``docs/microdata.md``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from migstat.cli.common import (
    Context,
    lang_option,
    opened_store,
    pass_ctx,
    progress,
    report_stored,
    require_file,
    thousands,
    who,
)
from migstat.i18n import N_


@click.command("tabulate")
@click.argument("microdata", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The mapping file (YAML): variables, recodes, metadata (docs/microdata.md).",
)
@click.option(
    "--tables",
    "table_ids",
    default=None,
    help="Comma-separated table ids (default: tables in the mapping, else S01-S04 as far "
    "as the mapping names their variables).",
)
@click.option("--country", default=None, help="Reporting country (else country in the mapping).")
@click.option(
    "--reference-date",
    default=None,
    help="Reference date YYYY-MM-DD (else reference_date in the mapping).",
)
@click.option(
    "--memory-limit",
    default="2GB",
    show_default=True,
    help="DuckDB's memory limit; beyond it the work spills to a temporary folder.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="DuckDB on this machine, or Apache Spark for data beyond it (needs pyspark, Java).",
)
@click.option(
    "--master",
    default="local[*]",
    show_default=True,
    help="Spark's master with --engine spark: local[*] or a cluster's URL.",
)
@click.option(
    "--sdc",
    type=click.Choice(["cellkey", "minfreq"]),
    default=None,
    help="Disclosure control of the counts: cellkey perturbs them by the cell-key method, "
    "totals kept additive; minfreq suppresses counts under sdc.min_frequency (3) and the "
    "complementary cells no total may give away (parameters under sdc in the mapping).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The long CSV to write; its metadata go to OUTPUT.metadata.json.",
)
@click.option(
    "--submit",
    is_flag=True,
    help="Submit the tables: with --url to a clearing-house over its API, else into the "
    "store (--db) as the country's submission, checked as 'migstat submit' checks a file "
    "(needs --country).",
)
@click.option(
    "--url",
    default=None,
    help="With --submit: the clearing-house's address (https://host); the tables and their "
    "metadata go to its POST /api/submissions.",
)
@click.option(
    "--token-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --url: a file whose first line is a reporter's API token of the scope submit "
    "(else the environment variable MIGSTAT_TOKEN).",
)
@click.option("--by", "submitted_by", default=None, help="Who submits (with --submit).")
@click.option("--note", default=None, help="A note kept with the submission (with --submit).")
@lang_option
@pass_ctx
def tabulate_cmd(
    c: Context,
    microdata: Path,
    mapping_file: Path,
    table_ids: str | None,
    country: str | None,
    reference_date: str | None,
    memory_limit: str,
    engine: str,
    master: str,
    sdc: str | None,
    output: Path | None,
    submit: bool,
    url: str | None,
    token_file: Path | None,
    submitted_by: str | None,
    note: str | None,
) -> None:
    """Tabulate microdata into the standard tables (long CSV plus a metadata file), and
    with --submit store them as the country's submission."""
    require_file(microdata)
    require_file(mapping_file)
    send = _sender(c, submit, url, token_file, country, submitted_by, note)
    if output is None and not submit:
        raise click.UsageError(c.t(N_("Say where the tables go: -o FILE, or --submit.")))
    engine_options = {"memory_limit": memory_limit, "engine": engine, "master": master, "sdc": sdc}
    if output is not None:
        _run(c, microdata, mapping_file, table_ids, country, reference_date, engine_options, output)
        if send is not None:
            send(output)
        return
    with tempfile.TemporaryDirectory(prefix="migstat-tabulate-") as folder:
        written = Path(folder) / f"{microdata.stem}_tables.csv"
        _run(
            c, microdata, mapping_file, table_ids, country, reference_date, engine_options, written
        )
        assert send is not None
        send(written)


def _sender(
    c: Context,
    submit: bool,
    url: str | None,
    token_file: Path | None,
    country: str | None,
    by: str | None,
    note: str | None,
) -> Callable[[Path], None] | None:
    """How the written tables are submitted (``None``: not at all), every option checked and
    the token read before the microdata are."""
    if not submit:
        if url or token_file:
            raise click.UsageError(c.t(N_("--url and --token-file go with --submit.")))
        return None
    if url is not None:
        from migstat.cli.upload import check_url, read_token

        base, token = check_url(url), read_token(token_file)
        return lambda data: _send(c, data, base, token, note)
    if token_file is not None:
        raise click.UsageError(c.t(N_("--token-file goes with --url.")))
    if not country:
        raise click.UsageError(c.t(N_("--submit needs --country: the country that submits.")))
    return lambda data: _submit(c, data, country, by, note)


def _send(c: Context, data: Path, url: str, token: str, note: str | None) -> None:
    """Post the written tables with their metadata to the clearing-house; say what it found."""
    from migstat.cli.upload import send_tables
    from migstat.microdata import sidecar_path

    meta = sidecar_path(data)
    sent = send_tables(url, token, data, meta if meta.is_file() else None, note=note, lang=c.lang)
    click.echo(
        c.t(
            N_("Submission {id} sent to {url}: {status}, {errors} errors, {warnings} warnings."),
            id=sent.id,
            url=url,
            status=sent.status,
            errors=sent.errors,
            warnings=sent.warnings,
        )
    )
    for finding in sent.findings:
        place = f" {finding['place']}" if finding.get("place") else ""
        click.echo(
            f"{finding.get('severity', '')} {finding.get('rule', '')}{place}: "
            f"{finding.get('message', '')}"
        )
    click.echo(sent.url)
    if sent.status == "rejected":
        raise SystemExit(1)


def _submit(c: Context, data: Path, country: str, by: str | None, note: str | None) -> None:
    """Store the written tables through the checks of ``migstat submit``."""
    from migstat.api import submit_file
    from migstat.microdata import sidecar_path
    from migstat.validation.report import render_text

    with opened_store(c) as store, progress(c, c.t(N_("Storing observations"))) as on_batch:
        # the long CSV cannot carry the metadata; its sidecar does (migstat.formats.submeta)
        record, checked = submit_file(
            store,
            data,
            metadata_file=sidecar_path(data),
            country=country,
            submitted_by=who(by),
            note=note,
            progress=on_batch,
        )
    if checked.findings:
        click.echo(render_text(checked.findings, lang=c.lang, file_name=checked.file_name))
    report_stored(c, record)


def _run(
    c: Context,
    microdata: Path,
    mapping_file: Path,
    table_ids: str | None,
    country: str | None,
    reference_date: str | None,
    engine_options: dict[str, str | None],
    output: Path,
) -> None:
    from migstat.microdata import tabulate, write_tabulation

    ids = [t.strip() for t in table_ids.split(",") if t.strip()] if table_ids else None
    with progress(c, c.t(N_("Reading {file}"), file=microdata.name)) as update:
        result = tabulate(
            microdata,
            mapping_file,
            tables=ids,
            country=country,
            reference_date=reference_date,
            progress=update,
            **engine_options,
        )
    data, meta = write_tabulation(result, output)
    for table in result.tables:
        click.echo(
            c.t(
                N_("{table}: {cells} cells, total {total} from {records} records."),
                table=table.table.id,
                cells=len(table.cells),
                total=thousands(table.cells.get(tuple(d.total for d in table.table.dimensions), 0)),
                records=thousands(table.records),
            )
        )
        for dimension, values, records in table.total_only:
            click.echo(
                c.t(
                    N_(
                        "{table}: {records} records counted in the total of {dimension} only "
                        "(values {values} fit none of the table's groups)."
                    ),
                    table=table.table.id,
                    records=thousands(records),
                    dimension=dimension,
                    values=values,
                ),
                err=True,
            )
    click.echo(
        c.t(
            N_("{records} records read; tables written to {data}, metadata to {meta}."),
            records=thousands(result.records),
            data=data,
            meta=meta,
        )
    )
