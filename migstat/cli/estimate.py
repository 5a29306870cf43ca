"""``migstat estimate``: estimates derived from published or submitted data.

``migstat estimate flows-from-stocks`` estimates bilateral migration flows from two
place-of-birth stock tables (Abel 2013; Abel & Sander 2014; options of migest's ``ffs_demo``),
see ``docs/methods/flows_from_stocks.md``. The output is an estimate, never reported data.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import click

from migstat.cli.common import current_language, say, set_language, thousands
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError


@click.group("estimate")
def estimate() -> None:
    """Estimates derived from stored or given data (always labelled as estimates)."""


@estimate.command("flows-from-stocks")
@click.option(
    "--start",
    "start_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Stocks at the start: place of birth (rows) x place of residence (columns).",
)
@click.option(
    "--end",
    "end_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Stocks at the end, same layout and areas.",
)
@click.option(
    "--births-deaths",
    "bd_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Births and deaths over the period by area: region,births,deaths.",
)
@click.option(
    "--birthplace-totals",
    type=click.Choice(["rescale", "open", "open-dr"]),
    default="rescale",
    show_default=True,
    help="How the birthplace totals of the two tables are made equal.",
)
@click.option(
    "--no-stayer-assumption",
    is_flag=True,
    help="Independence model instead of minimum migration (stayers first).",
)
@click.option(
    "--pseudo-bayesian",
    is_flag=True,
    help="Blend minimum migration and independence (Abel & Cohen 2019).",
)
@click.option(
    "--blend-weight",
    type=click.FloatRange(0, 1),
    default=0.87,
    show_default=True,
    help="Weight of the minimum-migration estimate in the pseudo-Bayesian blend.",
)
@click.option(
    "--match-global",
    type=click.Choice(["before-demo-adjust", "after-demo-adjust", "none"]),
    default="before-demo-adjust",
    show_default=True,
    help="When (rescale only) the world stock change is balanced with births minus deaths.",
)
@click.option(
    "--birth-method",
    type=click.Choice(["native", "proportion"]),
    default="native",
    show_default=True,
    help="How births are split by place of birth.",
)
@click.option(
    "--death-method",
    type=click.Choice(["proportion", "accounting"]),
    default="proportion",
    show_default=True,
    help="How deaths are split by place of birth.",
)
@click.option(
    "--fit",
    type=click.Choice(["mipfp", "newton"]),
    default="mipfp",
    show_default=True,
    help="Rescale fitting: migest's iterations (mipfp) or Newton's method, which "
    "converges in a few steps on large tables.",
)
@click.option(
    "--tol",
    type=click.FloatRange(min=0, min_open=True),
    default=1e-3,
    show_default=True,
    help="Tolerance of the iterative proportional fitting.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the origin x destination table (CSV).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ru"]),
    expose_value=False,
    is_eager=True,
    callback=set_language,
    help="Language of messages.",
)
def flows_from_stocks_cmd(
    start_file: Path,
    end_file: Path,
    bd_file: Path | None,
    birthplace_totals: str,
    no_stayer_assumption: bool,
    pseudo_bayesian: bool,
    blend_weight: float,
    match_global: str,
    birth_method: str,
    death_method: str,
    fit: str,
    tol: float,
    output: Path,
) -> None:
    """Estimate bilateral flows from two place-of-birth stock tables (Abel 2013)."""
    from migstat.analysis.ffs_accounts import NegativeStayers
    from migstat.analysis.ffs_io import (
        read_births_deaths,
        read_stock_table,
        same_areas,
        write_matrix,
    )
    from migstat.analysis.flows_from_stocks import FfsOptions, estimate_flows

    for path in (start_file, end_file, bd_file):
        if path is not None and not path.is_file():
            raise MigstatError(N_("File not found: {file}"), file=str(path))
    start = read_stock_table(start_file, tolerance=tol)
    end = read_stock_table(end_file, tolerance=tol)
    end_values = same_areas(start, end)
    births = deaths = None
    if bd_file is not None:
        births, deaths = read_births_deaths(bd_file, start.codes)
    options = FfsOptions(
        stayer_assumption=not no_stayer_assumption,
        birthplace_totals=birthplace_totals,  # type: ignore[arg-type]
        match_global=match_global,  # type: ignore[arg-type]
        birth_method=birth_method,  # type: ignore[arg-type]
        death_method=death_method,  # type: ignore[arg-type]
        model="pseudo-bayesian" if pseudo_bayesian else None,
        blend_weight=blend_weight,
        fit=fit,  # type: ignore[arg-type]
        tol=tol,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NegativeStayers)
        result = estimate_flows(
            start.values, end_values, start.codes, births=births, deaths=deaths, options=options
        )
    for warned in caught:
        if isinstance(warned.message, NegativeStayers):
            text = _in_language(warned.message)
            click.echo(
                gettext_(N_("Warning: {message}"), current_language(), message=text), err=True
            )
    output.write_text(write_matrix(result.matrix_rows()), encoding="utf-8")
    if not result.converged:
        say(
            N_(
                "Warning: the fitting did not converge within {n} iterations; the birthplace "
                "totals match only approximately."
            ),
            err=True,
            n=options.max_iter,
        )
    say(
        N_(
            "Estimated flows ({model}, birthplace totals by {method}) written to {path}: "
            "{total} moves between {n} areas. These are estimates, not reported data."
        ),
        model=options.effective_model,
        method=birthplace_totals,
        path=output,
        total=thousands(result.total),
        n=len(start.codes),
    )


WARNING = N_("Warning: {message}")


def _in_language(warned: Any) -> str:
    """A warning of the estimate in the language of the command."""
    from migstat.analysis.ffs_accounts import NEGATIVE_STAYERS

    return gettext_(NEGATIVE_STAYERS, current_language(), **warned.params)
