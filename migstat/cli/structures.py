"""``migstat tables``: the table registry, and ``migstat tables from-sdmx``, a table definition
from an SDMX data structure.

Without a sub-command ``migstat tables`` lists the registry; ``from-sdmx`` writes the table and
code lists of a data structure definition as YAML into a registry folder (use it with
``MIGSTAT_REGISTRY_PATH``), so data of that structure can be imported, validated and queried.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, pass_ctx
from migstat.formats.sdmxml.structure import table_from_dsd
from migstat.i18n import N_
from migstat.model.registry import DEFINITIONS, Registry, default_registry


@click.command("tables")
@lang_option
@pass_ctx
def list_tables_cmd(c: Context) -> None:
    """List the table registry: id, kind, title."""
    for table in default_registry().tables.values():
        click.echo(f"{table.id}\t{table.kind}\t{table.label(c.lang)}")


@click.group("tables", invoke_without_command=True, help=list_tables_cmd.help)
@lang_option
@click.pass_context
def tables_group(ctx: click.Context) -> None:
    """``migstat tables`` as a group: without a sub-command it lists the registry."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_tables_cmd)


@click.command("from-sdmx")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry folder to write tables/ and codelists/ into.",
)
@click.option("--dsd", default=None, help="The data structure to use, when the file has several.")
@click.option("--table-id", default=None, help="Id of the new table (default AGENCY_DSD).")
@click.option(
    "--kind",
    type=click.Choice(["event", "flow"]),
    default="event",
    help="Kind of the annual table.",
)
@lang_option
@pass_ctx
def from_sdmx(
    c: Context,
    files: tuple[Path, ...],
    folder: Path,
    dsd: str | None,
    table_id: str | None,
    kind: str,
) -> None:
    """Make a table definition and its code lists from an SDMX-ML structure message (give
    also the files of code lists it only refers to)."""
    derived = table_from_dsd(list(files), dsd=dsd, table_id=table_id, kind=kind)
    written = derived.write(folder)
    Registry([DEFINITIONS, folder]).table(derived.id)  # the registry loads what was written
    for path in written:
        click.echo(str(path))
    click.echo(
        c.t(
            N_(
                "Table {table} written to {folder}; add the folder to "
                "MIGSTAT_REGISTRY_PATH (now: {current}) to use it."
            ),
            table=derived.id,
            folder=str(folder),
            current=os.environ.get("MIGSTAT_REGISTRY_PATH", "") or "-",
        ),
        err=True,
    )


tables_group.add_command(from_sdmx)
