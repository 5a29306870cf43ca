"""``migstat mirror``: mirror statistics, a country's mirror report, correction factors and
harmonised flows, written as CSV, XLSX or JSON."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from migstat.cli.common import existing_store, progress, thousands
from migstat.formats.output import OUTPUT_FORMATS, TABLE_FORMATS
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [v.strip().upper() for item in values for v in item.split(",") if v.strip()]
    return out or None


def _selection(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options choosing which numbers are compared (shared by every sub-command)."""
    options = [
        click.option(
            "--year",
            "years",
            multiple=True,
            type=int,
            help="Year (repeatable; default: every year with both tables).",
        ),
        click.option("--from", "start", type=int, default=None, help="First year."),
        click.option("--to", "end", type=int, default=None, help="Last year."),
        click.option(
            "--by",
            "basis",
            type=click.Choice(["residence", "citizenship"]),
            default="residence",
            show_default=True,
            help="F02 against F01 (residence) or F04 against F03 (citizenship).",
        ),
        click.option("--sex", default="_T", show_default=True, help="SEX code: _T, M or F."),
        click.option("--age", default=None, help="AGE code, e.g. Y20T24 (default: total)."),
        click.option(
            "--duration", default="LT", show_default=True, help="DURATION code: LT or ST."
        ),
        click.option(
            "--country",
            "countries",
            multiple=True,
            help="Keep corridors between these countries (repeatable or comma-separated).",
        ),
        click.option(
            "--provider",
            "providers",
            multiple=True,
            help="Publishers to use, in order of preference (e.g. CISSTAT); default: "
            "real before synthetic, the country's own before a publisher's.",
        ),
        click.option(
            "--format", "fmt", type=click.Choice(TABLE_FORMATS), default="csv", show_default=True
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="File to write (default: standard output).",
        ),
        click.option(
            "--lang",
            "lang",
            type=click.Choice(["en", "ru"]),
            default=None,
            help="Language of labels and flags.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _context(ctx: click.Context, lang: str | None) -> Any:
    c = ctx.find_root().obj
    if lang:
        c.lang = lang
    return c


def _years(years: tuple[int, ...], start: int | None, end: int | None) -> list[int] | None:
    if years:
        return sorted(set(years))
    if start is not None or end is not None:
        if start is None or end is None:
            raise MigstatError(N_("Give both --from and --to, or --year."))
        return list(range(start, end + 1))
    return None


def _matrix(c: Any, store: Any, sel: dict[str, Any]) -> Any:
    from migstat.analysis.mirror import mirror_matrix

    return mirror_matrix(
        store,
        years=_years(sel["years"], sel["start"], sel["end"]),
        basis=sel["basis"],
        sex=sel["sex"],
        age=sel["age"],
        duration=sel["duration"],
        countries=_split(sel["countries"]),
        providers=_split(sel["providers"]),
    )


def _emit(c: Any, data: bytes, fmt: str, output: Path | None, n: int) -> None:
    if output is None:
        if OUTPUT_FORMATS[fmt].binary:
            raise MigstatError(N_("XLSX output needs a file: add -o FILE.xlsx."))
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    click.echo(gettext_(N_("{n} rows written to {path}"), c.lang, n=n, path=output), err=True)


@click.group("mirror")
def mirror_cmd() -> None:
    """Mirror statistics: each flow as recorded by the sending and the receiving country."""


@mirror_cmd.command("matrix")
@_selection
@click.option("--two-sided", is_flag=True, help="Only corridors with both sides reported.")
@click.pass_context
def matrix_cmd(
    ctx: click.Context, two_sided: bool, fmt: str, output: Path | None, lang: str | None, **sel: Any
) -> None:
    """Both sides of every corridor, with ratio, differences and comparability flags."""
    from migstat.analysis.mirror import mirror_columns
    from migstat.analysis.mirror_output import matrix_metadata, plain_rows, render

    c = _context(ctx, lang)
    with existing_store(c) as store:
        m = _matrix(c, store, sel)
    rows = plain_rows(m.rows(two_sided=two_sided), c.lang)
    data = render(
        fmt,
        rows,
        mirror_columns(m),
        lang=c.lang,
        title=gettext_(N_("Mirror statistics"), c.lang),
        metadata=matrix_metadata(m, c.lang),
    )
    _emit(c, data, fmt, output, len(rows))
    for cov in m.coverage():
        click.echo(
            gettext_(
                N_(
                    "{year}: {both} of {corridors} corridors reported by both sides, "
                    "{one} by one side, {none} by neither."
                ),
                c.lang,
                year=cov.year,
                both=cov.both,
                corridors=cov.corridors,
                one=cov.emigration_only + cov.immigration_only,
                none=cov.none,
            ),
            err=True,
        )


@mirror_cmd.command("report")
@_selection
@click.pass_context
def report_cmd(
    ctx: click.Context, fmt: str, output: Path | None, lang: str | None, **sel: Any
) -> None:
    """A country's mirror report: its recorded emigration against what its partners record
    as arriving from it, and the same for immigration (give one --country and one --year)."""
    from migstat.analysis.mirror import REPORT_SERIES_COLUMNS, mirror_columns
    from migstat.analysis.mirror_output import matrix_metadata, plain_rows, render

    c = _context(ctx, lang)
    country = (_split(sel["countries"]) or [None])[0]
    if country is None or len(sel["years"]) != 1:
        raise MigstatError(N_("A mirror report needs one --country and one --year."))
    year = sel["years"][0]
    sel = {**sel, "countries": (), "years": (), "start": sel["start"], "end": sel["end"]}
    with existing_store(c) as store:
        m = _matrix(c, store, sel)
    report = m.report(country, year)
    rows = plain_rows(report["emigration"] + report["immigration"], c.lang)
    title = gettext_(N_("Mirror report of {country}, {year}"), c.lang, country=country, year=year)
    series_name = gettext_(N_("Totals by year"), c.lang)
    data = render(
        fmt,
        rows,
        mirror_columns(m),
        lang=c.lang,
        title=title,
        metadata=matrix_metadata(m, c.lang),
        sheets={series_name: (report["series"], REPORT_SERIES_COLUMNS)},
    )
    _emit(c, data, fmt, output, len(rows))
    click.echo(_summary(c.lang, report), err=True)


def _summary(lang: str, report: dict[str, Any]) -> str:
    t = report["totals"]
    if t is None:
        return gettext_(
            N_("{country} has no corridor reported by both sides in {year}."),
            lang,
            country=report["country"],
            year=report["year"],
        )
    return "\n".join(
        [
            gettext_(
                N_(
                    "{country}, {year}: emigration recorded {own}; partners record {mirror} "
                    "arriving from {country} ({n} partners, coverage {coverage})."
                ),
                lang,
                country=t.country,
                year=report["year"],
                own=thousands(t.emigration_reported),
                mirror=thousands(t.emigration_mirror),
                n=t.emigration_partners,
                coverage=_ratio(t.emigration_coverage),
            ),
            gettext_(
                N_(
                    "{country}, {year}: immigration recorded {own}; partners record {mirror} "
                    "leaving for {country} ({n} partners, coverage {coverage})."
                ),
                lang,
                country=t.country,
                year=report["year"],
                own=thousands(t.immigration_reported),
                mirror=thousands(t.immigration_mirror),
                n=t.immigration_partners,
                coverage=_ratio(t.immigration_coverage),
            ),
        ]
    )


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _factor_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--anchor",
            required=True,
            help="Reference country or comma-separated group whose factors are 1.",
        ),
        click.option(
            "--space", type=click.Choice(["log", "level"]), default="log", show_default=True
        ),
        click.option(
            "--weights", type=click.Choice(["flow", "equal"]), default="flow", show_default=True
        ),
        click.option(
            "--bootstrap",
            type=click.IntRange(0, 100_000),
            default=1000,
            show_default=True,
            help="Bootstrap replicates for the intervals.",
        ),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--level", type=float, default=0.95, show_default=True),
        click.option(
            "--trim",
            type=float,
            default=None,
            help="Refit without corridor-years beyond this many robust SDs.",
        ),
        click.option(
            "--duration-set",
            default=None,
            help="First correct for duration of stay with this coefficient set "
            "(imem_model, willekens2019_expert, willekens2019_poisson, "
            "willekens2019_mixture, or a set of --coefficients).",
        ),
        click.option(
            "--coefficients",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Your own coefficient file (same layout).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _fit(c: Any, m: Any, opts: dict[str, Any]) -> tuple[Any, Any]:
    from migstat.analysis.harmonise import estimate_factors, load_coefficients

    coefficients = None
    if opts["duration_set"] or opts["coefficients"]:
        coefficients = load_coefficients(opts["coefficients"])
    with progress(c, gettext_(N_("Bootstrap replicates"), c.lang)) as on_batch:
        fit = estimate_factors(
            m,
            _split((opts["anchor"],)) or [],
            space=opts["space"],
            weights=opts["weights"],
            bootstrap=opts["bootstrap"],
            seed=opts["seed"],
            level=opts["level"],
            trim=opts["trim"],
            coefficients=coefficients,
            duration_set=opts["duration_set"]
            or (next(iter(coefficients.sets)) if coefficients else None),
            progress=on_batch,
        )
    d = fit.diagnostics
    click.echo(
        gettext_(
            N_(
                "Factors from {n} corridor-years ({pairs} corridors); RMS log "
                "ratio {before} before, {after} after; {replicates} replicates."
            ),
            c.lang,
            n=d["corridor_years"],
            pairs=d["corridors"],
            before=d["rms_log_ratio_before"],
            after=d["rms_log_ratio_after"],
            replicates=fit.replicates,
        ),
        err=True,
    )
    return fit, coefficients


@mirror_cmd.command("factors")
@_selection
@_factor_options
@click.pass_context
def factors_cmd(
    ctx: click.Context, fmt: str, output: Path | None, lang: str | None, **opts: Any
) -> None:
    """Correction factors per country and direction with bootstrap intervals (estimates)."""
    from migstat.analysis.mirror_output import render_factors

    c = _context(ctx, lang)
    with existing_store(c) as store:
        m = _matrix(c, store, opts)
    fit, _ = _fit(c, m, opts)
    _emit(c, render_factors(fmt, m, fit, c.lang), fmt, output, len(fit.rows()))


@mirror_cmd.command("harmonise")
@_selection
@_factor_options
@click.option(
    "--rule",
    type=click.Choice(["mean", "receiver", "sender"]),
    default="mean",
    show_default=True,
    help="One value per corridor from the adjusted sides.",
)
@click.pass_context
def harmonise_cmd(
    ctx: click.Context, rule: str, fmt: str, output: Path | None, lang: str | None, **opts: Any
) -> None:
    """A harmonised matrix for one --year: estimates with intervals, apart from reported data
    (the factors are estimated from every year selected)."""
    from migstat.analysis.harmonise import harmonise
    from migstat.analysis.mirror_output import render_harmonised

    c = _context(ctx, lang)
    if len(opts["years"]) != 1 and opts["start"] is None:
        raise MigstatError(
            N_(
                "Give the --year to harmonise (and --from/--to for the years "
                "the factors are estimated from)."
            )
        )
    year = opts["years"][0] if opts["years"] else opts["end"]
    sel = dict(opts)
    if opts["start"] is not None:
        sel["years"] = ()
    with existing_store(c) as store:
        m = _matrix(c, store, sel)
    fit, coefficients = _fit(c, m, opts)
    result = harmonise(m, fit, year, rule=rule, coefficients=coefficients)
    _emit(c, render_harmonised(fmt, result, c.lang), fmt, output, len(result.rows()))


__all__ = ["mirror_cmd"]
