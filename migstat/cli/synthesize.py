"""``migstat synthesize-census``: a SYNTHETIC census with real published margins, as Parquet.

For tests and benchmarks of ``migstat tabulate`` at census scale (1, 10, 100 million persons)
without real records: the margins (population, male share, foreign-born by country of birth)
are UN DESA's 2019 figures for the country, read by migstat's own importer from the
published files (``--data``, else ``MIGSTAT_SHARED_DATA``, else ``shared/data`` beside the
working folder or the checkout); all else is assumed and said so
(:mod:`migstat.microdata.synthetic`). The Parquet file's metadata and its sidecar
``OUTPUT.json`` say the data are synthetic; ``OUTPUT.map.yaml`` tabulates it.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, pass_ctx, progress, thousands
from migstat.i18n import N_
from migstat.microdata.synthetic import MAX_PERSONS, Margins, mapping_text, synthesize
from migstat.model import InputError
from migstat.model.data import Location
from migstat.model.registry import default_registry

MATRIX = "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
WORKBOOK = "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
YEAR = 2019


def shared_data(explicit: Path | None) -> Path:
    """The folder of published data holding ``un_desa/``."""
    candidates = [explicit] if explicit else []
    if os.environ.get("MIGSTAT_SHARED_DATA"):
        candidates.append(Path(os.environ["MIGSTAT_SHARED_DATA"]))
    candidates.append(Path.cwd().parent / "shared" / "data")
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data")
    for path in candidates:
        if (path / "un_desa" / MATRIX).is_file() and (path / "un_desa" / WORKBOOK).is_file():
            return path
    raise InputError(
        N_(
            "Cannot find UN DESA's 2019 files ({matrix}, {workbook}) under un_desa/ of the "
            "published data folder: pass --data or set MIGSTAT_SHARED_DATA."
        ),
        matrix=MATRIX,
        workbook=WORKBOOK,
    )


def published_margins(country: str, data: Path) -> Margins:
    """UN DESA 2019 for ``country``: population and male share (workbook, Table 2) and the
    foreign-born by country of birth (origin-destination matrix)."""
    from migstat.sources import undesa

    registry = default_registry()
    period = f"{YEAR}-07-01"
    matrix = undesa.read_csv(data / "un_desa" / MATRIX, registry=registry)
    born_abroad = {
        o.key[0]: round(o.value)
        for o in matrix.observations
        if o.ref_area == country and o.time_period == period and o.value and o.key[0] != country
    }
    book = undesa.read(data / "un_desa" / WORKBOOK, registry=registry, table="P01")
    population = {
        o.key[0]: o.value
        for o in book.observations
        if o.ref_area == country and o.time_period == period and o.value
    }
    if not born_abroad or "_T" not in population:
        raise InputError(
            N_("UN DESA's {year} data name no population or no foreign-born for {country}."),
            where=Location(file=MATRIX),
            year=str(YEAR),
            country=country,
        )
    total = round(population["_T"])
    return Margins(
        country=country,
        year=YEAR,
        population=total,
        male_share=population.get("M", total / 2) / total,
        born_abroad=born_abroad,
        sources=[
            f"UN DESA International Migrant Stock 2019, {MATRIX} (foreign-born by country "
            f"of birth, {country}, mid-{YEAR})",
            f"UN DESA International Migrant Stock 2019, {WORKBOOK}, Table 2 (total "
            f"population and males, mid-{YEAR})",
        ],
    )


@click.command("synthesize-census")
@click.option("--country", required=True, help="ISO3 code of the country whose margins to use.")
@click.option(
    "--persons",
    type=click.IntRange(1, MAX_PERSONS),
    default=1_000_000,
    show_default=True,
    help="Number of persons to write.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The random seed.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the published data (default: MIGSTAT_SHARED_DATA, else ../shared/data).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The Parquet file to write; OUTPUT.json says what it is, OUTPUT.map.yaml maps it.",
)
@lang_option
@pass_ctx
def synthesize_cmd(
    c: Context, country: str, persons: int, seed: int, data: Path | None, output: Path
) -> None:
    """Write a SYNTHETIC census (not real records) whose margins are UN DESA's for a country."""
    margins = published_margins(country.upper(), shared_data(data))
    output.parent.mkdir(parents=True, exist_ok=True)
    with progress(c, c.t(N_("Synthetic persons"))) as bar:
        about = synthesize(
            output, margins, persons=persons, seed=seed, progress=lambda d: bar(d, persons)
        )
    mapping = output.with_name(output.name + ".map.yaml")
    mapping.write_text(mapping_text(margins), encoding="utf-8")
    click.echo(
        c.t(
            N_(
                "Wrote {persons} SYNTHETIC persons to {output} (margins: UN DESA {year}, "
                "{country}; foreign-born {share}); described in {about}, mapping {mapping}."
            ),
            persons=thousands(persons),
            output=output,
            year=str(YEAR),
            country=margins.country,
            share=f"{margins.foreign_share:.2%}",
            about=about,
            mapping=mapping,
        )
    )
