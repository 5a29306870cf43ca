"""Validation: rules that turn a :class:`~migstat.model.Dataset` into findings at cells.

>>> findings = validate(dataset)                       # doctest: +SKIP
>>> findings = validate(dataset, history=store, imported=True)  # doctest: +SKIP

The result is the reader's own findings (``dataset.findings``: ``STRUCT_NOT_NUMBER``,
``STRUCT_FORMULA`` ...) plus those of the rules below, sorted by :attr:`Finding.sort_key`
(errors first, then table, sheet, line and cell).

=========================  ========  =====================================================
rule                       severity  module
=========================  ========  =====================================================
STRUCT_UNKNOWN_TABLE       error     :mod:`~migstat.validation.structural`
STRUCT_BAD_KEY             error     :mod:`~migstat.validation.structural`
STRUCT_UNKNOWN_CODE        error     :mod:`~migstat.validation.structural`
STRUCT_DUPLICATE           error     :mod:`~migstat.validation.structural`
STRUCT_NEGATIVE            error     :mod:`~migstat.validation.structural`
STRUCT_NOT_INTEGER         error     :mod:`~migstat.validation.structural`
STRUCT_NOT_NUMBER          error     :mod:`~migstat.validation.structural`
STRUCT_MISSING_METADATA    error     :mod:`~migstat.validation.structural`
STRUCT_ROWS_MISSING        warning*  the questionnaire reader (``formats.questionnaire.damage``)
STRUCT_COLUMNS_MISSING     warning*  the questionnaire reader
STRUCT_MERGED_CELLS        w./error  the questionnaire reader (codes / figures merged)
STRUCT_CODE_NOT_CODE       error     the questionnaire reader (a name where a code belongs)
STRUCT_CODE_MISSING        error     the questionnaire reader
STRUCT_UNCODED_ROW/COLUMN  error     the questionnaire reader (figures in an inserted row)
STRUCT_TEXT_NUMBER         warning   the questionnaire reader (``1,234`` typed as text)
ARITH_TOTAL                error*    :mod:`~migstat.validation.arithmetic`
CROSS_<rule id>            error*    :mod:`~migstat.validation.crosstable`
TIME_YOY_JUMP              warning   :mod:`~migstat.validation.timeseries`
META_RESIDENCE_RULE        error     :mod:`~migstat.validation.metadata`
META_SELF_PARTNER          warning   :mod:`~migstat.validation.metadata`
PLAUS_SEX_RATIO            warning   :mod:`~migstat.validation.plausibility`
=========================  ========  =====================================================

The arithmetic and cross-table findings of a table sheet that the reader found damaged
(deleted rows, merged cells ...) are filed under the damage finding
(:mod:`~migstat.validation.causes`), which takes their severity (the warnings marked * become
errors when totals break because of them).

\\* a warning when ``imported=True``: published data (UN DESA, CIS-Stat ...) are stored as
published, and the arithmetic and cross-table findings only inform.
"""

from __future__ import annotations

from migstat.model import Dataset, Finding, Registry, default_registry
from migstat.validation.arithmetic import check_totals
from migstat.validation.causes import file_under_causes
from migstat.validation.core import Context
from migstat.validation.crosstable import check_cross_tables
from migstat.validation.metadata import check_residence_rule, check_self_partner
from migstat.validation.plausibility import check_sex_ratio
from migstat.validation.structural import check_structure, check_submission_metadata
from migstat.validation.timeseries import History, check_year_on_year

__all__ = ["History", "validate"]


def validate(
    dataset: Dataset,
    *,
    registry: Registry | None = None,
    history: History | None = None,
    imported: bool = False,
) -> list[Finding]:
    """All findings about ``dataset``, sorted by place."""
    ctx = Context(dataset=dataset, registry=registry or default_registry(), imported=imported)
    check_structure(ctx)
    check_submission_metadata(ctx)
    check_totals(ctx)
    check_cross_tables(ctx)
    check_year_on_year(ctx, history)
    check_residence_rule(ctx)
    check_self_partner(ctx)
    check_sex_ratio(ctx)
    findings = file_under_causes([*dataset.findings, *ctx.findings])
    findings.sort(key=lambda f: f.sort_key)
    return findings
