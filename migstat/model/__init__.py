"""The statistical model as plain typed classes: code lists, tables, observations, findings.

Imports nothing from the rest of migstat except :mod:`migstat.i18n`; every other layer
(formats, sources, validation, store, web) imports this one.
"""

from migstat.model.codelists import Code, CodeList, Hierarchy, HierarchyRule, pick
from migstat.model.data import (
    ConfStatus,
    Dataset,
    Location,
    Observation,
    ObsStatus,
    Provenance,
    ResidenceRule,
    SourceType,
    SubmissionMetadata,
    TableMetadata,
)
from migstat.model.findings import (
    Finding,
    InputError,
    MigstatError,
    NotFoundError,
    Severity,
    check_exact,
)
from migstat.model.registry import CrossRule, Registry, default_registry
from migstat.model.tables import Dimension, Layout, PeriodType, TableDef, TableKind, Tolerance

__all__ = [
    "Code",
    "CodeList",
    "ConfStatus",
    "CrossRule",
    "Dataset",
    "Dimension",
    "Finding",
    "Hierarchy",
    "HierarchyRule",
    "InputError",
    "Layout",
    "Location",
    "MigstatError",
    "NotFoundError",
    "ObsStatus",
    "Observation",
    "PeriodType",
    "Provenance",
    "Registry",
    "ResidenceRule",
    "Severity",
    "SourceType",
    "SubmissionMetadata",
    "TableDef",
    "TableKind",
    "TableMetadata",
    "Tolerance",
    "check_exact",
    "default_registry",
    "pick",
]
