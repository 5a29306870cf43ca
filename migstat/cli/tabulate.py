"""``migstat tabulate``: census, survey or register records -> the standard tables.

The records stay where they are: the command reads the microdata file (CSV or Parquet, out
of core through DuckDB), tabulates the tables with every total, and writes the long CSV that
``migstat validate`` and ``migstat submit`` read, with its metadata beside it
(``docs/microdata.md``).
"""

from __future__ import annotations

from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, pass_ctx, progress, require_file, thousands
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
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The long CSV to write; its metadata go to OUTPUT.metadata.json.",
)
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
    output: Path,
) -> None:
    """Tabulate microdata into the standard tables (long CSV plus a metadata file)."""
    from migstat.microdata import tabulate, write_tabulation

    require_file(microdata)
    require_file(mapping_file)
    ids = [t.strip() for t in table_ids.split(",") if t.strip()] if table_ids else None
    with progress(c, c.t(N_("Reading {file}"), file=microdata.name)) as update:
        result = tabulate(
            microdata,
            mapping_file,
            tables=ids,
            country=country,
            reference_date=reference_date,
            memory_limit=memory_limit,
            progress=update,
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
