"""``migstat import``: published files into the store, with a dry run that stores nothing.

The source is detected from the file (``--source`` names it when it cannot be); what the file
does not say comes from options (``--table``, ``--year``, ``--country``, ``--rows`` ...).
A dry run lists, per table, the observations that would be stored, the country names that
matched no code, the national categories no mapping covers and the validation findings. A
real import validates, stores the file as a new vintage of its provider (a later edition
supersedes the earlier one without deleting it) and records the mapping versions used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from migstat.api import import_sources
from migstat.cli.common import (
    Context,
    lang_option,
    opened_store,
    pass_ctx,
    progress,
    report_stored,
    require_file,
    who,
)
from migstat.cli.release import release_option, release_state
from migstat.i18n import N_
from migstat.model.registry import default_registry


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Choice(import_sources(), case_sensitive=False),
    default=None,
    help="Whose file or which format (default: detected).",
)
@click.option("--table", default=None, help="The table the file holds, where it does not say.")
@click.option(
    "--year",
    default=None,
    metavar="YYYY[-MM-DD]",
    help="The year (or date) of the figures, where the file does not say.",
)
@click.option(
    "--country",
    default=None,
    help="The reporting country, where the file does not say (PX tables).",
)
@click.option(
    "--rows",
    type=click.Choice(["origin", "destination"]),
    default=None,
    help="What a matrix's rows are, where its corner cell does not say.",
)
@click.option(
    "--provider",
    default=None,
    help="Who stands behind the numbers (default: the publisher, or NSO_<country>).",
)
@click.option(
    "--edition", default=None, help="The publisher's edition (default: as the file states it)."
)
@click.option("--sheet", default=None, help="The workbook sheet to read.")
@click.option(
    "--source-type",
    "source_type",
    default=None,
    help="Metadata: census, register, permits, survey, estimate ...",
)
@click.option(
    "--residence-rule",
    "residence_rule",
    default=None,
    help="Metadata of flows: 12_months, permanent_registration ...",
)
@click.option(
    "--area",
    "area_column",
    default=None,
    metavar="COLUMN[|COLUMN]",
    help="Long tables (--source columns): the column(s) of the area.",
)
@click.option(
    "--time",
    "time_column",
    default=None,
    metavar="COLUMN",
    help="Long tables: the column of the year or date.",
)
@click.option(
    "--value",
    "value_column",
    default=None,
    metavar="COLUMN",
    help="Long tables: the column of the numbers.",
)
@click.option("--scale", default=None, help="Long tables: multiply the values (1000).")
@click.option(
    "--dimension",
    "dimensions",
    multiple=True,
    metavar="DIM=CODE",
    help="Long tables: a fixed code of a dimension the file does not give.",
)
@click.option(
    "--reference-date",
    "reference_date",
    default=None,
    metavar="MM-DD",
    help="Long tables: the day of a stock's year (07-01 for mid-year).",
)
@click.option(
    "--date-format",
    "date_format",
    default=None,
    metavar="FORMAT",
    help="Long tables: how the time column writes dates (%d.%m.%Y).",
)
@click.option(
    "--allow-unmatched",
    is_flag=True,
    help="Skip rows with a code that matches nothing (reported as warnings); country names "
    "that match nothing are always skipped and reported.",
)
@click.option("--dry-run", is_flag=True, help="Show what maps and what does not; store nothing.")
@click.option("--by", "submitted_by", default=None, help="Who imports (default: the OS user).")
@click.option("--note", default=None, help="A note kept with the import.")
@release_option
@lang_option
@pass_ctx
def import_cmd(
    c: Context,
    file: Path,
    source: str | None,
    table: str | None,
    year: str | None,
    country: str | None,
    rows: str | None,
    provider: str | None,
    edition: str | None,
    sheet: str | None,
    source_type: str | None,
    residence_rule: str | None,
    allow_unmatched: bool,
    dry_run: bool,
    submitted_by: str | None,
    note: str | None,
    release: str,
    **columns: Any,
) -> None:
    """Import a published file (UN DESA, UNHCR, CIS-Stat, Belstat, PX, a matrix ...)."""
    from migstat.api import import_file, store_exists
    from migstat.validation.report import render_text

    require_file(file)
    options: dict[str, Any] = {
        k: v
        for k, v in (
            ("year", year),
            ("country", country),
            ("rows", rows),
            ("provider", provider),
            ("edition", edition),
            ("sheet", sheet),
            ("source_type", source_type),
            ("residence_rule", residence_rule),
            *columns.items(),
        )
        if v not in (None, ())
    }
    if dry_run:
        if store_exists(c.db):
            with opened_store(c) as store:
                result = import_file(
                    file, store=store, source=source, table=table, dry_run=True, **options
                )
        else:
            result = import_file(file, source=source, table=table, dry_run=True, **options)
        click.echo(_summary(c, result, dry_run=True))
        click.echo(render_text(result.findings, lang=c.lang, file_name=result.file_name))
        click.echo(c.t(N_("Dry run: nothing was stored.")))
        sys.exit(1 if result.errors else 0)
    with opened_store(c) as store, progress(c, c.t(N_("Storing observations"))) as on_batch:
        result = import_file(
            file,
            store=store,
            source=source,
            table=table,
            allow_unmatched=allow_unmatched,
            submitted_by=who(submitted_by, "import"),
            note=note,
            progress=on_batch,
            release=release_state(release),
            **options,
        )
    click.echo(_summary(c, result, dry_run=False))
    if result.findings:
        click.echo(render_text(result.findings, lang=c.lang, file_name=result.file_name))
    report_stored(c, result.record)


def _summary(c: Context, result: Any, *, dry_run: bool) -> str:
    """What maps and what does not: per table, then names and categories left out."""
    dataset = result.dataset
    prov = dataset.provenance
    lines = [
        c.t(
            N_("{file}: source {source}, provider {provider}, edition {edition}."),
            file=result.file_name,
            source=result.source,
            provider=dataset.provider,
            edition=(prov.edition if prov and prov.edition else "\u2014"),
        )
    ]
    per_table = result.summary
    for table, counted in per_table.items():
        n, estimated = counted.observations, counted.estimated
        areas, periods = sorted(counted.areas), sorted(counted.periods)
        if not n or not periods:
            continue
        shown = ", ".join(areas[:8]) + (f" +{len(areas) - 8}" if len(areas) > 8 else "")
        lines.append(
            c.t(
                N_(
                    "Table {table}: {n} observations, {areas} reporting areas ({shown}), "
                    "periods {first} to {last}, {estimated} marked as estimates (status E)."
                ),
                table=table,
                n=n,
                areas=len(areas),
                shown=shown,
                first=periods[0],
                last=periods[-1],
                estimated=estimated,
            )
        )
    if not per_table:
        lines.append(c.t(N_("No observations were read.")))
    for message, found in (
        (N_("Country names that match no code: {n}."), result.unmatched_names),
        (N_("National categories without a mapping: {n}."), result.unmapped_categories),
    ):
        lines.append(c.t(message, n=len(found)))
        lines.extend(f"  - {_listed(c, f)}" for f in found)
    for m in result.mapping.mappings:
        lines.append(c.t(N_("Mapping used: {mapping}."), mapping=m.describe()))
    if result.mapping.split:
        # the publisher's own estimates are status E too: the ones made here are counted apart
        lines.append(
            c.t(
                N_("Values estimated here by splitting with mapping shares: {n}."),
                n=result.mapping.split,
            )
        )
    if dry_run:
        lines.append(c.t(N_("Would store {n} observations."), n=result.observations))
    return "\n".join(lines)


def _listed(c: Context, finding: Any) -> str:
    """A name or category left out, with the table it was meant for (a category without a
    mapping is listed once per table, and would look repeated without it) and its place."""
    text = finding.text(c.lang)
    if finding.table:
        found = default_registry().tables.get(finding.table)
        title = found.label(c.lang) if found is not None else finding.table
        text = c.t(N_("{table} ({title}): {text}"), table=finding.table, title=title, text=text)
    return text + (f" ({finding.where.text(c.lang)})" if finding.where else "")
