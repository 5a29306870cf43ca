"""``tabulate``: microdata file + mapping file -> the standard tables, with every total.

The steps: check the mapping (schema, code lists) and the tables asked for; open the file
with DuckDB and check that it has every variable the mapping names; read it once into the
reduced cells (:mod:`migstat.microdata.scan`, weights and dates checked on the way); resolve
every national value to a code, reporting all unmapped values at once
(:mod:`migstat.microdata.codes`); then one CUBE query per table
(:mod:`migstat.microdata.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from migstat.disclosure.cellkey import CellKeyRule
from migstat.i18n import N_
from migstat.microdata.codes import Resolved, resolve, resolve_ages
from migstat.microdata.design import SurveyPlan, design_of, load_design, survey_plan
from migstat.microdata.estimates import FLAG_NAMES, OBS_STATUS_OF_FLAG, SUPPRESSED
from migstat.microdata.mapping import Mapping, load_mapping
from migstat.microdata.protect import SDC_METHODS, apply_cellkey, cellkey_rule, sdc_metadata
from migstat.microdata.readstat import KIND_NAMES
from migstat.microdata.scan import Progress, Scan, run_scan
from migstat.microdata.source import (
    DEFAULT_MEMORY_LIMIT,
    Source,
    connection,
    materialise,
    open_source,
)
from migstat.microdata.suppression import Hidden, minfreq_rule, suppress_tables
from migstat.microdata.tables import (
    TableResult,
    axes_of,
    check_supported,
    needed_roles,
    tabulate_table,
)
from migstat.microdata.tablesurvey import table_estimates
from migstat.model import (
    InputError,
    Location,
    MigstatError,
    NotFoundError,
    Observation,
    ObsStatus,
    Registry,
    TableDef,
    default_registry,
)
from migstat.model.precision import Precision

STOCK_TABLES = ("S01", "S02", "S03", "S04")
"""The standard stock tables microdata fill by default (those the mapping can)."""


@dataclass(slots=True)
class Tabulation:
    """The tables made from one microdata file, with what the submission needs to say."""

    source: str
    mapping: Mapping
    country: str
    reference_date: str
    records: int
    weighted: float
    tables: list[TableResult] = field(default_factory=list)
    survey: SurveyPlan | None = None
    conversion: dict[str, Any] | None = None
    """How an SPSS or Stata file was converted (format, records per chunk, chunks)."""
    disclosure: dict[str, Any] = field(default_factory=lambda: {"rule": "none", "parameters": {}})
    """The disclosure rule applied to the tables, with its parameters."""
    hidden: Hidden = field(default_factory=dict)
    """Cells hidden by the minimum-frequency rule: (table, key) → CONF_STATUS (C or D)."""

    @property
    def time_period(self) -> str:
        return self.reference_date

    def cell(
        self, result: TableResult, key: tuple[str, ...]
    ) -> tuple[float | None, str, Precision | None]:
        """A cell as published: its value (``None`` when suppressed as unreliable), its
        OBS_STATUS and its precision (:mod:`migstat.model.precision`; a suppressed cell keeps
        its CV and flag but not its standard error or interval)."""
        value = result.cells[key]
        if (result.table.id, key) in self.hidden:
            return None, ObsStatus.NORMAL.value, None
        estimate = result.estimates.get(key)
        if estimate is None or self.survey is None:
            return float(value), ObsStatus.NORMAL.value, None
        status = OBS_STATUS_OF_FLAG[estimate.flag]
        precision = estimate.precision(self.survey.level)
        if estimate.flag == SUPPRESSED:
            return None, status, Precision(None, cv=precision.cv, reliability="suppressed")
        return float(value), status, precision

    def observations(self) -> list[Observation]:
        out = []
        for result in self.tables:
            for key in result.cells:
                value, status, precision = self.cell(result, key)
                out.append(
                    Observation(
                        table=result.table.id,
                        ref_area=self.country,
                        time_period=self.time_period,
                        key=key,
                        value=value,
                        obs_status=status,
                        conf_status=self.hidden.get((result.table.id, key), "F"),
                        precision=precision,
                    )
                )
        return out

    def disclosure_note(self) -> str | None:
        """The disclosure rule in a sentence, kept with each table's metadata."""
        if self.disclosure.get("rule") == "min_frequency":
            p = self.disclosure["parameters"]
            return (
                f"Disclosure control: counts under {p['min_frequency']} suppressed (CONF_STATUS "
                f"C) and {p['secondary']} further cells with them (D), so that none can be "
                "worked out from the totals."
            )
        if self.disclosure.get("rule") != "cell_key":
            return None
        p = self.disclosure["parameters"]
        return (
            f"Disclosure control: cell-key method (perturbation at most "
            f"{p['max_perturbation']}, variance {p['variance']}), inner cells perturbed "
            "and every total summed from them"
            + (
                "; weighted counts scaled by each inner cell's perturbed / unweighted count."
                if p.get("weighted")
                else "."
            )
        )

    def survey_note(self) -> str | None:
        """The reliability rule in a sentence, kept with each table's metadata."""
        if self.survey is None:
            return None
        rule = self.survey.rule
        return (
            f"Survey estimates ({self.survey.kind}); each cell's standard error, CV and "
            f"{round(self.survey.level * 100)} % confidence interval in the attributes "
            "STD_ERROR, COEF_VAR, CI_LEVEL, CI_LOWER, CI_UPPER and RELIABILITY; CV from "
            f"{rule.flag_cv:.1%} flagged (OBS_STATUS U), above {rule.suppress_cv:.1%} "
            "suppressed (OBS_STATUS Q)"
            + (
                f", as are cells of fewer than {rule.min_records} records."
                if rule.min_records
                else "."
            )
        )

    def survey_metadata(self) -> dict[str, Any] | None:
        """The design, the rule and how many cells of each table it flagged or suppressed."""
        if self.survey is None:
            return None
        out = self.survey.describe()
        out["attributes"] = (
            "STD_ERROR, COEF_VAR (a fraction), CI_LEVEL (per cent), CI_LOWER, CI_UPPER and "
            "RELIABILITY (reliable, flagged, suppressed); a suppressed cell keeps its CV only"
        )
        out["cells"] = {
            r.table.id: {
                name: sum(1 for e in r.estimates.values() if e.flag == flag)
                for flag, name in FLAG_NAMES.items()
            }
            for r in self.tables
        }
        return out

    def metadata(self) -> dict[str, Any]:
        """The submission's metadata (the shape of ``SubmissionMetadata.to_dict``) plus how
        the tables were made."""
        meta = self.mapping.metadata
        tables = {}
        for result in self.tables:
            entry = {
                "table": result.table.id,
                "source_type": meta.get("source_type", "microdata"),
                "reference_date": self.reference_date,
                "population_covered": meta.get("population_covered")
                or result.table.universe.get("en"),
            }
            for name in ("residence_rule", "residence_rule_months", "notes"):
                if meta.get(name) is not None:
                    entry[name] = meta[name]
            if self.survey is not None:
                rule = self.survey.rule
                entry["reliability"] = {
                    "flag_cv": rule.flag_cv,
                    "suppress_cv": rule.suppress_cv,
                    "min_records": rule.min_records,
                    "suppress_zero": rule.suppress_zero,
                }
            if self.disclosure.get("rule", "none") != "none":
                entry["disclosure"] = self.disclosure
            notes = [entry.get("notes"), self.survey_note(), self.disclosure_note()]
            if any(notes):
                entry["notes"] = " ".join(n for n in notes if n)
            tables[result.table.id] = entry
        return {
            "country": self.country,
            "year": int(self.reference_date[:4]),
            "tables": tables,
            "disclosure": self.disclosure,
            "tabulation": {
                "microdata": self.source,
                "mapping": self.mapping.file,
                "records": self.records,
                "weight": self.mapping.variable("weight"),
                "weight_scale": self.mapping.weight_scale,
                "weighted_total": self.weighted,
                "select": self.mapping.select,
                "rounding": "inner cells rounded to whole persons, totals summed from them",
                "survey": self.survey_metadata(),
                "conversion": self.conversion,
                "total_only": {
                    r.table.id: [
                        {"dimension": d, "values": v, "records": n} for d, v, n in r.total_only
                    ]
                    for r in self.tables
                    if r.total_only
                },
            },
        }


def choose_tables(
    registry: Registry, mapping: Mapping, requested: list[str] | None
) -> list[TableDef]:
    """The tables asked for (each must be fillable), else those of the mapping file, else
    every standard stock table the mapping can fill."""
    ids = requested or mapping.tables
    if ids:
        tables = []
        for table_id in ids:
            table = registry.table(table_id)
            check_supported(table, mapping)
            tables.append(table)
        return tables
    tables = []
    for table_id in STOCK_TABLES:
        table = registry.tables.get(table_id)
        try:
            if table is not None:
                check_supported(table, mapping)
                tables.append(table)
        except InputError:
            continue
    if not tables:
        raise InputError(
            N_(
                "The mapping names no variables for any stock table: S01 needs "
                "country_of_birth, sex and age; S02 citizenship, sex and age."
            ),
            where=mapping.where("variables"),
        )
    return tables


def _country(registry: Registry, mapping: Mapping, given: str | None) -> str:
    code = given or mapping.country
    if not code:
        raise InputError(
            N_("Say which country the microdata describe: --country, or country in {mapping}."),
            where=mapping.where("country"),
            mapping=mapping.file,
        )
    try:
        return registry.country(code)
    except NotFoundError as problem:
        raise InputError(
            problem.message, where=mapping.where("country"), **problem.params
        ) from None


def _reference_date(mapping: Mapping, given: str | None) -> str:
    text = given or mapping.reference_date
    if not text:
        raise InputError(
            N_(
                "Say the reference date of the tables (YYYY-MM-DD): --reference-date, or "
                "reference_date in {mapping}."
            ),
            where=mapping.where("reference_date"),
            mapping=mapping.file,
        )
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(
            N_("The reference date {date} is not a date of the form YYYY-MM-DD."),
            where=mapping.where("reference_date"),
            date=text,
        ) from None


def _check_columns(source: Source, mapping: Mapping) -> None:
    have = set(source.columns)
    named = [(f"variables.{role}", var) for role, var in mapping.variables.items()]
    named += [(f"select.{var}", var) for var in mapping.select]
    for key, variable in named:
        if variable not in have:
            raise InputError(
                N_(
                    "The file has no variable {variable} (named by {key} in {mapping}); "
                    "its header (row 1) has: {columns}."
                ),
                where=Location(file=source.name, line=1, column=variable),
                variable=variable,
                key=key,
                mapping=mapping.file,
                columns=", ".join(source.columns[:60]) + (" …" if len(have) > 60 else ""),
            )


def tabulate(
    microdata: str | Path,
    mapping: str | Path | Mapping,
    *,
    tables: list[str] | None = None,
    country: str | None = None,
    reference_date: str | None = None,
    registry: Registry | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    engine: str = "duckdb",
    master: str = "local[*]",
    sdc: str | None = None,
) -> Tabulation:
    """Tabulate ``microdata`` (CSV, Parquet, SPSS or Stata) with ``mapping`` into the
    standard tables; SPSS and Stata files are converted ``chunk_rows`` records at a time
    (by default about two million values a chunk). ``engine="spark"`` runs the scan and
    the tables on Spark (``master``: ``local[*]`` or a cluster's URL) instead of DuckDB;
    ``sdc="cellkey"`` perturbs the counts by the cell-key method, totals kept additive."""
    reg = registry or default_registry()
    mapped = mapping if isinstance(mapping, Mapping) else load_mapping(mapping, reg)
    chosen = choose_tables(reg, mapped, tables)
    code = _country(reg, mapped, country)
    when = _reference_date(mapped, reference_date)
    roles: list[str] = []
    for table in chosen:
        roles += [r for r in needed_roles(table) if r not in roles]
    with connection(memory_limit, threads) as con:
        source = open_source(con, microdata)
        _check_columns(source, mapped)
        plan = survey_plan(mapped, source.columns)
        _check_design_columns(source, mapped, plan)
        needed = [*mapped.variables.values(), *mapped.select, *(plan.replicates if plan else [])]
        materialise(
            con,
            source,
            needed,
            value_labels=mapped.value_labels,
            chunk_rows=chunk_rows,
            progress=progress,
        )
        rule = _sdc_rule(sdc, mapped, plan, engine) if sdc != "minfreq" else None
        suppression = minfreq_rule(mapped) if sdc == "minfreq" else None
        work, read = _engine(con, source, engine, master)
        try:
            scan = run_scan(
                work, read, mapped, roles, when, progress, plan, record_keys=rule is not None
            )
            resolved = _resolve(con, source, scan, mapped, reg, code, when)
            results = [tabulate_table(work, reg, t, resolved, mapped, code) for t in chosen]
            if rule is not None:
                apply_cellkey(work, reg, results, resolved, mapped, code, roles, rule)
            if plan is not None:
                _estimate(work, source, reg, results, resolved, mapped, code, plan, roles)
        finally:
            if work is not con:
                work.close()
    hidden, disclosure = (
        suppress_tables(reg, results, suppression, code, when)
        if suppression is not None
        else ({}, sdc_metadata(sdc, rule, mapped))
    )
    return Tabulation(
        source=Path(microdata).name,
        mapping=mapped,
        country=code,
        reference_date=when,
        records=scan.records,
        weighted=scan.weighted,
        tables=results,
        survey=plan,
        conversion=_conversion(source, mapped),
        disclosure=disclosure,
        hidden=hidden,
    )


def _sdc_rule(sdc: str | None, mapping: Mapping, plan, engine: str) -> CellKeyRule | None:
    if sdc is None:
        return None
    if sdc not in SDC_METHODS:
        raise InputError(N_("Unknown disclosure control {method}: use cellkey."), method=sdc)
    if plan is not None:
        raise InputError(
            N_(
                "The cell-key method and survey estimates do not go together: a perturbed "
                "estimate would no longer match its standard error, CV and confidence "
                "interval. Protect a survey's tables by its reliability rule "
                "(survey.reliability: suppress_cv, min_records), or leave out the survey "
                "design to perturb the weighted counts."
            ),
            where=mapping.where("sdc"),
        )
    if engine == "spark" and not mapping.sdc.get("record_key"):
        raise InputError(
            N_(
                "With --engine spark the cell-key method needs each record's key in the file: "
                "name its variable as sdc.record_key in {mapping} (DuckDB's hash of a whole "
                "record, used otherwise, has no equal in Spark)."
            ),
            where=mapping.where("sdc"),
            mapping=mapping.file,
        )
    return cellkey_rule(mapping)


ENGINES = ("duckdb", "spark")


def _engine(con, source: Source, engine: str, master: str):
    """The connection the scan and the tables run on, and the source as it reads it."""
    if engine not in ENGINES:
        raise InputError(N_("Unknown engine {engine}: use duckdb or spark."), engine=engine)
    if engine == "duckdb":
        return con, source
    from migstat.microdata.spark import (
        SOURCE_VIEW,
        SparkConnection,
        register_source,
        spark_session,
    )

    session = spark_session(master)
    if source.converted is not None:
        register_source(session, source.converted.glob, "parquet", source.converted.select)
    else:
        register_source(session, str(source.path.resolve()), source.kind)
    return SparkConnection(session, con), replace(source, view=SOURCE_VIEW)


def _conversion(source: Source, mapping: Mapping) -> dict[str, Any] | None:
    done = source.converted
    if done is None:
        return None
    return {
        "format": KIND_NAMES[source.kind],
        "records": done.records,
        "chunk_rows": done.chunk_rows,
        "chunks": done.parts,
        "value_labels": mapping.value_labels,
    }


def _check_design_columns(source: Source, mapping: Mapping, plan: SurveyPlan | None) -> None:
    if plan is None:
        return
    have = set(source.columns)
    for column in plan.replicates:
        if column not in have:
            raise InputError(
                N_(
                    "The file has no replicate weight {variable} (named by "
                    "survey.replicate_weights in {mapping})."
                ),
                where=Location(file=source.name, line=1, column=column),
                variable=column,
                mapping=mapping.file,
            )


def _estimate(
    con,
    source: Source,
    registry: Registry,
    results: list[TableResult],
    resolved: Resolved,
    mapping: Mapping,
    country: str,
    plan: SurveyPlan,
    roles: list[str],
) -> None:
    """Every cell's survey estimate, from the design cells the scan kept."""
    rows = load_design(con, plan, roles)
    design = design_of(plan, rows)
    for result in results:
        axes = axes_of(registry, result.table, resolved, mapping, country)
        try:
            result.estimates = table_estimates(result, axes, rows, design, plan)
        except MigstatError as problem:
            raise InputError(
                problem.message, where=Location(file=source.name), **problem.params
            ) from None


def _resolve(
    con,
    source: Source,
    scan: Scan,
    mapping: Mapping,
    registry: Registry,
    country: str,
    reference_date: str,
) -> Resolved:
    resolved = resolve(scan.values, mapping, registry, country)
    if "age" in scan.values:
        resolved.ages, resolved.exact_ages = resolve_ages(
            con, source, scan.values["age"], mapping, registry, reference_date
        )
    return resolved
