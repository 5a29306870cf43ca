"""``migstat mapping``: the coordinator's classification mappings (list, show, set, import,
export). Every change is stored as a new version; older versions stay and remain what the
imports that used them record."""

from __future__ import annotations

from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx, who
from migstat.i18n import N_
from migstat.model import MigstatError


@click.group("mapping")
def mapping_group() -> None:
    """Classification mappings: national categories -> international codes (versioned)."""


@mapping_group.command("list")
@click.option("--country", default=None)
@click.option("--source", default=None)
@click.option("--codelist", default=None)
@click.option("--all", "all_versions", is_flag=True, help="Every version, not only the latest.")
@lang_option
@pass_ctx
def list_mappings_cmd(
    c: Context, country: str | None, source: str | None, codelist: str | None, all_versions: bool
) -> None:
    """List mappings: country, source, code list, version, categories, when, by whom."""
    from migstat.api import mappings

    with opened_store(c) as store:
        found = mappings(
            store,
            country=country,
            source=source,
            codelist=codelist,
            all_versions=all_versions,
            entries=True,
        )
    if not found:
        click.echo(c.t(N_("No mappings are stored.")))
    for m in found:
        click.echo(
            f"{m.country}\t{m.source}\t{m.codelist}\tv{m.version}\t"
            f"{len(m.categories())}\t{m.created_at:%Y-%m-%d %H:%M}\t{m.created_by}"
            f"{chr(9) + m.note if m.note else ''}"
        )


@mapping_group.command("show")
@click.argument("country")
@click.argument("codelist")
@click.option("--source", default="*", show_default=True)
@click.option("--version", type=int, default=None, help="Default: the latest.")
@lang_option
@pass_ctx
def show_mapping_cmd(
    c: Context, country: str, codelist: str, source: str, version: int | None
) -> None:
    """Show a mapping's entries: national category, label, target code, share."""
    from migstat.api import mapping

    with opened_store(c) as store:
        m = mapping(store, country, codelist, source=source, version=version)
    click.echo(
        c.t(
            N_("Mapping {mapping}, stored {when} by {who}."),
            mapping=m.describe(),
            when=f"{m.created_at:%Y-%m-%d %H:%M}",
            who=m.created_by,
        )
    )
    for e in m.entries:
        click.echo(f"{e.national_code}\t{e.national_label or ''}\t{e.target}\t{e.share:g}")


@mapping_group.command("set")
@click.argument("country")
@click.argument("codelist")
@click.argument("national")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--source",
    default="*",
    show_default=True,
    help="The source whose files use the category (px, long_csv ...; * any).",
)
@click.option("--label", default=None, help="A name of the national category for people.")
@click.option("--note", default=None)
@click.option("--by", "created_by", default=None)
@lang_option
@pass_ctx
def set_mapping_cmd(
    c: Context,
    country: str,
    codelist: str,
    national: str,
    targets: tuple[str, ...],
    source: str,
    label: str | None,
    note: str | None,
    created_by: str | None,
) -> None:
    """Map NATIONAL to TARGET codes (CODE or CODE=SHARE ...) in a new version.

    Example: migstat mapping set KGZ REASON "по семейным обстоятельствам" FAM=0.8 OTH=0.2
    """
    from migstat.api import set_mapping

    shares: dict[str, float] = {}
    for item in targets:
        code, _, share = item.partition("=")
        try:
            shares[code.strip()] = float(share.replace(",", ".")) if share else 1.0
        except ValueError:
            raise MigstatError(
                N_("Write a target as CODE or CODE=SHARE, not {value}."), value=item
            ) from None
    with opened_store(c) as store:
        m = set_mapping(
            store,
            country,
            codelist,
            national,
            shares,
            source=source,
            label=label,
            created_by=who(created_by),
            note=note,
        )
    click.echo(
        c.t(
            N_("Mapping {mapping} stored ({n} national categories)."),
            mapping=m.describe(),
            n=len(m.categories()),
        )
    )


@mapping_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--country", default=None, help="For a file without a country column.")
@click.option("--source", default=None, help="For a file without a source column (default *).")
@click.option("--note", default=None)
@click.option("--by", "created_by", default=None)
@lang_option
@pass_ctx
def import_mappings_cmd(
    c: Context,
    file: Path,
    country: str | None,
    source: str | None,
    note: str | None,
    created_by: str | None,
) -> None:
    """Store the mappings of a CSV file, each as a new version."""
    from migstat.api import import_mappings

    with opened_store(c) as store:
        saved = import_mappings(
            store, file, created_by=who(created_by), note=note, country=country, source=source
        )
    for m in saved:
        click.echo(
            c.t(
                N_("Mapping {mapping} stored ({n} national categories)."),
                mapping=m.describe(),
                n=len(m.categories()),
            )
        )


@mapping_group.command("export")
@click.option("--country", default=None)
@click.option("--source", default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@lang_option
@pass_ctx
def export_mappings_cmd(
    c: Context, country: str | None, source: str | None, output: Path | None
) -> None:
    """Write the latest mappings as CSV (the form mapping import reads)."""
    from migstat.api import export_mappings

    with opened_store(c) as store:
        text = export_mappings(store, country=country, source=source)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(c.t(N_("Mappings written to {path}"), path=output), err=True)
