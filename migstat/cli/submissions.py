"""``migstat template``, ``validate``, ``submit`` and ``submissions``: a country's questionnaire
from the blank workbook to the stored vintage.

``validate`` reports findings to the cell (and can write the workbook back with the offending
cells highlighted); ``submit`` validates and stores the file as a new vintage of its country,
keeping the raw file, the findings and the metadata with it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

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
from migstat.cli.release import COMMAND_LINE, release_option, release_state
from migstat.i18n import N_

STATUSES = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "signed_off": N_("signed off"),
    "returned": N_("returned"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
}
"""A submission's status as people read it (the stored value is the English id)."""


@click.command("template")
@click.option("--country", required=True, help="ISO 3166 alpha-3 code of the reporting country.")
@click.option("--year", required=True, type=click.IntRange(1900, 2100), help="Reference year.")
@click.option(
    "--tables",
    "table_ids",
    default=None,
    help="Comma-separated table ids (default: the standard tables).",
)
@click.option(
    "--lang",
    "wb_lang",
    type=click.Choice(["en", "ru", "both"]),
    default=None,
    help=(
        "Language(s) of the workbook (default: both, the language of messages first; "
        "--lang ru before the command gives a Russian-first workbook)."
    ),
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def template_cmd(
    c: Context, country: str, year: int, table_ids: str | None, wb_lang: str, output: Path
) -> None:
    """Write a questionnaire workbook for a country and year."""
    from migstat.api import make_template
    from migstat.formats.vocabulary import bilingual_for

    if wb_lang in ("en", "ru") and not os.environ.get("MIGSTAT_LANG"):
        c.lang = wb_lang
    workbook = bilingual_for(c.lang) if wb_lang in (None, "both") else wb_lang
    ids = [t.strip() for t in table_ids.split(",") if t.strip()] if table_ids else None
    path = make_template(output, country=country, year=year, tables=ids, lang=workbook)
    click.echo(c.t(N_("Questionnaire written to {path}"), path=path))


def metadata_options(f: Any) -> Any:
    """``--metadata FILE`` and ``--meta FIELD=VALUE``: the metadata of a CSV submission."""
    f = click.option(
        "--meta",
        "meta",
        multiple=True,
        metavar="[TABLE.]FIELD=VALUE",
        help=(
            "Table metadata of a CSV or SDMX-CSV file, e.g. residence_rule=12_months or "
            "F01.source_type=register (repeatable; overrides the file's own)."
        ),
    )(f)
    return click.option(
        "--metadata",
        "metadata_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Metadata sidecar (JSON) of a CSV file (default: FILE.metadata.json if present).",
    )(f)


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--country", default=None, help="Expected reporting country.")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the findings as JSON to this file ('-' = stdout).",
)
@click.option(
    "--annotate",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the workbook back with the offending cells highlighted and commented.",
)
@click.option(
    "--no-history", is_flag=True, help="Do not compare with stored data (year-on-year checks)."
)
@metadata_options
@lang_option
@pass_ctx
def validate_cmd(
    c: Context,
    file: Path,
    country: str | None,
    json_out: Path | None,
    annotate: Path | None,
    no_history: bool,
    metadata_file: Path | None,
    meta: tuple[str, ...],
) -> None:
    """Validate a questionnaire, long CSV or SDMX-CSV file and report findings to the cell."""
    from migstat.api import check_file, store_exists
    from migstat.validation.report import render_text

    require_file(file)
    given = {"metadata_file": metadata_file, "meta": meta}
    if no_history or not store_exists(c.db):
        checked = check_file(file, country=country, **given)
    else:
        with opened_store(c) as store:
            checked = check_file(file, country=country, store=store, **given)
    if json_out is not None and str(json_out) == "-":
        click.echo(
            json.dumps(
                _json(checked),
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        click.echo(render_text(checked.findings, lang=c.lang, file_name=checked.file_name))
        if json_out is not None:
            json_out.write_text(
                json.dumps(
                    _json(checked),
                    ensure_ascii=False,
                    indent=1,
                ),
                encoding="utf-8",
            )
            click.echo(c.t(N_("Findings written to {path}"), path=json_out))
    if annotate is not None:
        _annotate(c, checked, annotate)
    sys.exit(1 if checked.errors else 0)


def _json(checked: Any) -> dict[str, Any]:
    from migstat.validation.report import to_json

    return to_json(
        checked.findings,
        file_name=checked.file_name,
        dataset=checked.dataset,
        observations=checked.observations,
        tables=checked.tables,
    )


def _annotate(c: Context, checked: Any, out: Path) -> None:
    if checked.dataset.format != "questionnaire":
        click.echo(
            c.t(
                N_("Only questionnaire workbooks can be annotated; {file} is {format}."),
                file=checked.file_name,
                format=checked.dataset.format,
            ),
            err=True,
        )
        return
    from migstat.formats.questionnaire.annotate import annotate_workbook
    from migstat.formats.vocabulary import bilingual_for

    annotate_workbook(checked.raw, checked.findings, out, lang=bilingual_for(c.lang))
    click.echo(c.t(N_("Annotated workbook written to {path}"), path=out))


@click.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--country", required=True, help="ISO 3166 alpha-3 code of the reporting country.")
@click.option("--by", "submitted_by", default=None, help="Who submits (default: the OS user).")
@click.option("--note", default=None, help="A note kept with the submission (revision reason).")
@click.option(
    "--annotate",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the annotated workbook to return to the country.",
)
@release_option
@metadata_options
@lang_option
@pass_ctx
def submit_cmd(
    c: Context,
    file: Path,
    country: str,
    submitted_by: str | None,
    note: str | None,
    annotate: Path | None,
    release: str,
    metadata_file: Path | None,
    meta: tuple[str, ...],
) -> None:
    """Validate and store a submission; the raw file, findings and metadata are kept with it."""
    from migstat.api import submit_file
    from migstat.validation.report import render_text

    require_file(file)
    with opened_store(c) as store, progress(c, c.t(N_("Storing observations"))) as on_batch:
        record, checked = submit_file(
            store,
            file,
            country=country,
            submitted_by=who(submitted_by),
            note=note,
            progress=on_batch,
            release=release_state(release),
            metadata_file=metadata_file,
            meta=meta,
        )
    if checked.findings:
        click.echo(render_text(checked.findings, lang=c.lang, file_name=checked.file_name))
    if annotate is not None:
        _annotate(c, checked, annotate)
    report_stored(c, record)


@click.command("submissions")
@click.option("--country", default=None)
@lang_option
@pass_ctx
def submissions_cmd(c: Context, country: str | None) -> None:
    """List stored submissions (vintages), newest last: every one, as the coordinator sees
    them (the command line has the database itself)."""
    with opened_store(c) as store:
        records = store.submissions(
            country=country.upper() if country else None, principal=COMMAND_LINE
        )
    for r in records:
        flag = " SYNTHETIC" if r.synthetic else ""
        status = c.t(STATUSES[r.status]) if r.status in STATUSES else r.status
        click.echo(
            f"{r.id}\t{r.submitted_at.isoformat()}\t{r.provider}\t{status}\t"
            f"{','.join(r.tables)}\t{r.n_observations}\t{r.n_errors}/{r.n_warnings}\t"
            f"{r.file_name}{flag}"
        )
