"""Validation of a dataset too large to hold, a chunk of whole areas and periods at a time.

Every rule but two works on one group ``(table, REF_AREA, TIME_PERIOD)`` or on the tables of
one area and period (totals, cross-table rules, year-on-year against the store, the sex
ratio, the reporting country's own row), so a chunk holding whole areas and periods gets the
same findings as the whole dataset would. The two that look at the dataset as a whole — the
required metadata of every table with data and the residence rule of flow tables — run once
at the end, over the tables seen in all chunks.

What is kept does not grow with the file: the tables seen, and for each rule at most
:data:`FINDINGS_PER_RULE` findings; past that a rule's findings are counted and reported in one
finding that says how many more there were (:data:`RULE_MORE`). A cell repeated more often than
a chunk keeps is counted the same way (:meth:`ChunkedValidation.more`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from migstat.i18n import N_
from migstat.model import Dataset, Finding, Location, Observation, Registry, Severity
from migstat.validation.arithmetic import check_totals
from migstat.validation.causes import file_under_causes
from migstat.validation.core import Context
from migstat.validation.crosstable import check_cross_tables
from migstat.validation.metadata import check_residence_rule, check_self_partner
from migstat.validation.plausibility import check_sex_ratio
from migstat.validation.structural import check_structure, check_submission_metadata
from migstat.validation.timeseries import History, check_year_on_year

FINDINGS_PER_RULE = 1000
"""Findings of one rule kept and stored; the rest are counted (one finding says how many)."""
RULE_MORE = "FINDINGS_MORE"
MSG_MORE = N_(
    "{count} more findings of rule {rule} are not listed: the first {kept} are. Correct "
    "those and check the file again."
)


@dataclass(slots=True)
class TableSummary:
    """What one table of a streamed dataset holds: counted, never kept."""

    observations: int = 0
    areas: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    estimated: int = 0


@dataclass
class ChunkedValidation:
    """The findings of a dataset validated chunk by chunk (:meth:`check`, then
    :meth:`findings`). ``dataset`` carries the metadata, provider and reader's findings; its
    observations are not read."""

    dataset: Dataset
    registry: Registry
    history: History | None = None
    imported: bool = False
    per_rule: int = FINDINGS_PER_RULE
    summary: dict[str, TableSummary] = field(default_factory=dict)
    _kept: list[Finding] = field(default_factory=list)
    _counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _extra: Counter[tuple[str, str]] = field(default_factory=Counter)
    _first: dict[tuple[str, str], Finding] = field(default_factory=dict)
    _kept_rules: dict[str, Any] = field(default_factory=dict)

    @property
    def observations(self) -> int:
        """Observations checked so far."""
        return sum(s.observations for s in self.summary.values())

    def check(self, observations: Sequence[Observation]) -> None:
        """Validate one chunk: whole areas and periods (every table of each)."""
        header = self.dataset
        part = Dataset(
            file_name=header.file_name,
            format=header.format,
            provider=header.provider,
            observations=list(observations),
            metadata=header.metadata,
            provenance=header.provenance,
            synthetic=header.synthetic,
        )
        ctx = Context(
            dataset=part, registry=self.registry, imported=self.imported, kept=self._kept_rules
        )
        check_structure(ctx)
        check_totals(ctx)
        check_cross_tables(ctx)
        check_year_on_year(ctx, self.history)
        check_self_partner(ctx)
        check_sex_ratio(ctx)
        self._count(ctx)
        for finding in ctx.findings:
            self._keep(finding)

    def _count(self, ctx: Context) -> None:
        summary = self.summary
        for (table, area, period), cells in ctx.groups.items():
            if not cells:
                continue
            found = summary.get(table)
            if found is None:
                found = summary[table] = TableSummary()
            found.areas.add(area)
            found.periods.add(period)
        for obs in ctx.dataset.observations:
            found = summary.get(obs.table)
            if found is None:
                found = summary[obs.table] = TableSummary()
            found.observations += 1
            if obs.obs_status == "E":
                found.estimated += 1

    def _keep(self, finding: Finding) -> None:
        rule = (str(finding.rule), str(finding.severity))
        self._counts[rule] += 1
        if self._counts[rule] <= self.per_rule:
            self._kept.append(finding)
        else:
            self._first.setdefault(rule, finding)

    def keep(self, findings: Iterable[Finding]) -> None:
        """Findings made before the rules ran (the reader's), kept under the same bound."""
        for finding in findings:
            self._keep(finding)

    def more(self, rule: str, count: int, severity: Severity = Severity.ERROR) -> None:
        """``count`` findings of ``rule`` counted without being made (a cell repeated more
        often than a chunk keeps): reported in the rule's "more" finding."""
        if count:
            self._extra[(rule, str(severity))] += count

    def _file(self) -> Location:
        return Location(file=self.dataset.file_name)

    def findings(self) -> list[Finding]:
        """Every finding kept, the reader's, the whole-dataset rules' and one finding per rule
        that had more than were kept; sorted as :func:`~migstat.validation.validate` sorts."""
        tables = frozenset(t for t, s in self.summary.items() if s.areas)
        ctx = Context(
            dataset=self.dataset, registry=self.registry, imported=self.imported, with_data=tables
        )
        check_submission_metadata(ctx)
        check_residence_rule(ctx)
        more = [self._more(key) for key in sorted({*self._counts, *self._extra})]
        found = file_under_causes(
            [*self.dataset.findings, *ctx.findings, *self._kept, *(m for m in more if m)]
        )
        found.sort(key=lambda f: f.sort_key)
        return found

    def _more(self, key: tuple[str, str]) -> Finding | None:
        """The one finding saying how many of a rule's findings are not listed."""
        rule, severity = key
        count = self._counts[key]
        hidden = max(0, count - self.per_rule) + self._extra[key]
        if not hidden:
            return None
        first = self._first.get(key)
        return Finding(
            rule=RULE_MORE,
            severity=Severity(severity),
            message=MSG_MORE,
            params={"count": hidden, "rule": rule, "kept": min(count, self.per_rule)},
            table=first.table if first is not None else None,
            where=self._file(),
            values={"count": hidden},
        )
