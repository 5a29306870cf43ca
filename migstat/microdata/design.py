"""The sample design a mapping file names, and the design cells the scan keeps for it.

A survey's standard errors need more than the weighted sums of the cells: Taylor
linearisation needs each cell's weighted sum in every primary sampling unit (PSU) of every
stratum, replicate weights need each cell's sum of every replicate weight. Both are sums, so
the one pass over the file (:mod:`migstat.microdata.scan`) keeps them in a temporary table
``design_cells``: one row per combination of the national values the tables need, stratum,
PSU and fpc, with the sum of the weights, of every replicate weight, and the number of
records. Summing records of the same PSU first changes no variance (the estimators read only
the PSU totals), so the estimates equal those from the records one by one (R ``survey``'s).

A design without clusters has every record as its own PSU (R's ``ids = ~1``): the rows are
then the records themselves, numbered by the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migstat.i18n import N_
from migstat.microdata.estimates import ReliabilityRule, check_level
from migstat.microdata.mapping import Mapping
from migstat.microdata.replicates import ReplicateDesign
from migstat.microdata.taylor import TaylorDesign
from migstat.model import InputError, MigstatError

DESIGN_TABLE = "design_cells"


@dataclass(slots=True)
class SurveyPlan:
    """What the estimates need from the file, checked against its columns."""

    strata: str | None
    clusters: str | None
    fpc: str | None
    replicates: list[str] = field(default_factory=list)
    method: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    lonely_psu: str = "fail"
    level: float = 0.95
    rule: ReliabilityRule = field(default_factory=ReliabilityRule)

    @property
    def kind(self) -> str:
        return f"replicate weights ({self.method})" if self.replicates else "Taylor linearisation"

    def describe(self) -> dict[str, Any]:
        """The design and the rule as the metadata record them."""
        out: dict[str, Any] = {"variance": self.kind, "confidence_level": self.level}
        if self.replicates:
            out["replicate_weights"] = self.replicates
            out.update({k: v for k, v in self.options.items() if v is not None})
        else:
            out.update(
                strata=self.strata,
                clusters=self.clusters or "each record its own PSU",
                fpc=self.fpc,
                lonely_psu=self.lonely_psu,
                psu_sampling="with replacement (ultimate cluster)",
            )
        out["reliability"] = {
            "flag_cv": self.rule.flag_cv,
            "suppress_cv": self.rule.suppress_cv,
            "min_records": self.rule.min_records,
            "suppress_zero": self.rule.suppress_zero,
            "flagged": "OBS_STATUS U, value published",
            "suppressed": "OBS_STATUS Q, no value",
        }
        return out


def _natural(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def _replicate_columns(spec: dict[str, Any], columns: list[str], mapping: Mapping) -> list[str]:
    if "columns" in spec:
        return [str(c) for c in spec["columns"]]
    prefix = str(spec["prefix"])
    found = sorted(
        (c for c in columns if c.startswith(prefix) and c[len(prefix) :].isdigit()), key=_natural
    )
    if len(found) < 2:
        raise InputError(
            N_(
                "survey.replicate_weights.prefix {prefix} names {count} columns of the file "
                "(a replicate weight is the prefix followed by its number); at least two are "
                "needed."
            ),
            where=mapping.where("survey.replicate_weights.prefix"),
            prefix=prefix,
            count=len(found),
        )
    return found


def survey_plan(mapping: Mapping, columns: list[str]) -> SurveyPlan | None:
    """The design of a survey mapping (``None`` when it asks for no estimates)."""
    if not mapping.is_survey:
        return None
    spec = mapping.survey or {}
    if not mapping.variable("weight"):
        raise InputError(
            N_("Survey estimates need the weight: name it under variables.weight."),
            where=mapping.where("variables.weight"),
        )
    plan = SurveyPlan(
        strata=mapping.variable("strata"),
        clusters=mapping.variable("clusters"),
        fpc=mapping.variable("fpc"),
        lonely_psu=spec.get("lonely_psu", "fail"),
    )
    reps = spec.get("replicate_weights")
    if reps:
        plan.replicates = _replicate_columns(reps, columns, mapping)
        plan.method = reps["method"]
        plan.options = {k: reps.get(k) for k in ("rho", "scale", "rscales", "mse")}
    try:
        plan.level = check_level(float(spec.get("level", 0.95)))
        plan.rule = ReliabilityRule(**(spec.get("reliability") or {}))
    except MigstatError as problem:
        raise InputError(problem.message, where=mapping.where("survey"), **problem.params) from None
    return plan


@dataclass(slots=True)
class DesignRows:
    """The rows of ``design_cells`` as arrays: per role the national value, and the design."""

    values: dict[str, np.ndarray]
    weights: np.ndarray
    records: np.ndarray
    strata: np.ndarray | None
    clusters: np.ndarray | None
    fpc: np.ndarray | None
    replicates: np.ndarray | None


def load_design(con, plan: SurveyPlan, roles: list[str]) -> DesignRows:
    """Fetch ``design_cells`` (a few rows per PSU and cell, or one per record)."""
    names = [f"r_{role}" for role in roles]
    design = ["r_strata" if plan.strata else None, "r_clusters", "r_fpc" if plan.fpc else None]
    reps = [f"rw_{j}" for j in range(len(plan.replicates))]
    select = [*names, *(d for d in design if d), "w", "n", *reps]
    frame = con.execute(f"SELECT {', '.join(select)} FROM {DESIGN_TABLE}").fetchnumpy()
    return DesignRows(
        values={role: np.asarray(frame[f"r_{role}"], dtype=object) for role in roles},
        weights=np.asarray(frame["w"], dtype=float),
        records=np.asarray(frame["n"], dtype=np.int64),
        strata=np.asarray(frame["r_strata"]).astype(str) if plan.strata else None,
        clusters=np.asarray(frame["r_clusters"]).astype(str),
        fpc=np.asarray(frame["r_fpc"], dtype=float) if plan.fpc else None,
        replicates=np.column_stack([np.asarray(frame[r], dtype=float) for r in reps])
        if reps
        else None,
    )


def design_of(plan: SurveyPlan, rows: DesignRows) -> TaylorDesign | ReplicateDesign:
    """The estimator's design over the design rows."""
    if plan.replicates:
        assert rows.replicates is not None
        options = dict(plan.options)
        rscales = options.pop("rscales", None)
        return ReplicateDesign(
            rows.weights,
            rows.replicates,
            str(plan.method),
            rho=options.get("rho"),
            scale=options.get("scale"),
            rscales=None if rscales is None else np.asarray(rscales, dtype=float),
            mse=bool(options.get("mse") or False),
        )
    return TaylorDesign(
        rows.weights, rows.strata, rows.clusters, fpc=rows.fpc, lonely_psu=plan.lonely_psu
    )
