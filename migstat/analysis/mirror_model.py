"""The mirror matrix in memory: both sides of every corridor, their indicators, coverage,
per-country totals and the comparability flags drawn from each side's table metadata.

The emigration from A to B that A records (F02, by country of next residence) is set against
the immigration into B from A that B records (F01, by country of previous residence)
(Poulain 1993). The same is done, more weakly, with the tables by citizenship (F04 against F03):
there the other country is proxied by citizenship, so the two sides count different people and
every corridor carries the ``CITIZENSHIP_PROXY`` flag.

A :class:`MirrorMatrix` holds arrays ``[year, origin, destination]``, NaN where a side reported
nothing; the indicators (ratio, log ratio, difference, relative difference) are computed from
them on demand. :mod:`migstat.analysis.mirror` reads it from the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migstat.i18n import N_, gettext_
from migstat.model import InputError

UNKNOWN = "_U"
TOTAL = "_T"
UNKNOWN_SHARE_LIMIT = 0.10
"""An unknown-partner share above this (of the reporter's total) raises ``UNKNOWN_PARTNER``."""

# metadata fields compared between the two sides, with the flag each difference raises
COMPARED = (
    (
        "residence_rule",
        "RESIDENCE_RULE",
        N_("Residence rule differs: {sender} (sender) against {receiver} (receiver)."),
    ),
    (
        "source_type",
        "SOURCE_TYPE",
        N_("Source differs: {sender} (sender) against {receiver} (receiver)."),
    ),
    (
        "population_covered",
        "POPULATION",
        N_("Population covered differs: {sender} (sender) against {receiver} (receiver)."),
    ),
    (
        "origin_concept",
        "ORIGIN_CONCEPT",
        N_("Origin concept differs: {sender} (sender) against {receiver} (receiver)."),
    ),
)


@dataclass(frozen=True, slots=True)
class Basis:
    """A pair of tables counting the same moves from the two ends."""

    id: str
    emigration: str
    """Table reported by the country of origin, partner = destination."""
    immigration: str
    """Table reported by the country of destination, partner = origin."""
    proxy: bool = False
    """The partner is a proxy of the other country (citizenship), not the country itself."""


BASES: dict[str, Basis] = {
    "residence": Basis("residence", emigration="F02", immigration="F01"),
    "citizenship": Basis("citizenship", emigration="F04", immigration="F03", proxy=True),
}


@dataclass(frozen=True, slots=True)
class Flag:
    """Why two numbers of a corridor may differ: a code and a message in either language."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def text(self, lang: str = "en") -> str:
        return gettext_(self.message, lang, **self.params)


@dataclass(frozen=True, slots=True)
class Side:
    """Where one reporting country's numbers for one year come from."""

    provider: str
    submission_id: int
    synthetic: bool
    metadata: dict[str, Any]
    """The table metadata of the submission (``TableMetadata.to_dict()``), may be empty."""
    unknown_share: float | None = None
    """Share of the reporter's total recorded with an unknown partner (``_U``)."""


@dataclass(slots=True)
class CountryTotals:
    """One country's side of the mirror, over partners where both sides have a number."""

    country: str
    emigration_reported: float
    """Σ over partners of what the country records as leaving to them."""
    emigration_mirror: float
    """Σ of what those partners record as arriving from the country."""
    emigration_partners: int
    immigration_reported: float
    immigration_mirror: float
    immigration_partners: int

    @property
    def emigration_coverage(self) -> float | None:
        """Own emigration / partners' immigration from it (below 1: emigration undercounted)."""
        return _div(self.emigration_reported, self.emigration_mirror)

    @property
    def immigration_coverage(self) -> float | None:
        """Own immigration / partners' emigration to it."""
        return _div(self.immigration_reported, self.immigration_mirror)


@dataclass(slots=True)
class Coverage:
    """How many corridors of one year have two, one or no sides reported."""

    year: int
    corridors: int
    both: int
    emigration_only: int
    immigration_only: int
    none: int

    def share(self, part: int) -> float | None:
        return _div(part, self.corridors)


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


@dataclass(slots=True)
class MirrorMatrix:
    """Both sides of every corridor between ``countries`` for ``years`` and one cell.

    ``emigration[y, o, d]`` is the flow o -> d in ``years[y]`` as recorded by o,
    ``immigration[y, o, d]`` the same flow as recorded by d; NaN where nothing was reported
    (an empty cell is never zero).
    """

    basis: Basis
    years: list[int]
    countries: list[str]
    cell: dict[str, str]
    """The codes of the other dimensions: ``{"SEX": "_T", "AGE": "_T", "DURATION": "LT"}``."""
    emigration: np.ndarray
    immigration: np.ndarray
    emigration_sides: dict[tuple[int, str], Side]
    immigration_sides: dict[tuple[int, str], Side]
    statuses: dict[tuple[str, int, str, str], str]
    """``(side, year, origin, destination) -> OBS_STATUS`` of values not flagged ``A``."""

    # -- indicators ---------------------------------------------------------------------
    @property
    def both(self) -> np.ndarray:
        """Where both sides have a number."""
        return ~np.isnan(self.emigration) & ~np.isnan(self.immigration)

    def indicators(self) -> dict[str, np.ndarray]:
        """Ratio I/E, ln(I/E), difference I - E and relative difference (I - E)/((I + E)/2).

        Undefined values (a zero denominator, a missing side) are NaN.
        """
        e, i = self.emigration, self.immigration
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(e > 0, i / e, np.nan)
            log_ratio = np.where((e > 0) & (i > 0), np.log(i / e), np.nan)
            mean = (i + e) / 2
            relative = np.where(mean > 0, (i - e) / mean, np.nan)
        return {
            "ratio": ratio,
            "log_ratio": log_ratio,
            "difference": i - e,
            "relative_difference": relative,
        }

    def year_index(self, year: int) -> int:
        try:
            return self.years.index(int(year))
        except ValueError:
            raise InputError(
                N_("No mirror data for {year}: the years read are {years}."),
                year=year,
                years=", ".join(map(str, self.years)) or "-",
            ) from None

    def coverage(self) -> list[Coverage]:
        """Per year: corridors among the countries reporting either table that year."""
        out = []
        for y, year in enumerate(self.years):
            reporting = sorted(
                {c for (yr, c) in self.emigration_sides if yr == year}
                | {c for (yr, c) in self.immigration_sides if yr == year}
            )
            idx = [self.countries.index(c) for c in reporting]
            n = len(idx)
            if n < 2:
                out.append(Coverage(year, 0, 0, 0, 0, 0))
                continue
            sub = np.ix_(idx, idx)
            e = ~np.isnan(self.emigration[y][sub])
            i = ~np.isnan(self.immigration[y][sub])
            off = ~np.eye(n, dtype=bool)
            both = int((e & i & off).sum())
            e_only = int((e & ~i & off).sum())
            i_only = int((~e & i & off).sum())
            total = n * (n - 1)
            out.append(Coverage(year, total, both, e_only, i_only, total - both - e_only - i_only))
        return out

    def country_totals(self, year: int) -> list[CountryTotals]:
        """Per country: own emigration against partners' immigration from it, and the
        reverse, over partners where both sides have a number (brief section 7)."""
        y = self.year_index(year)
        both = self.both[y]
        e = np.where(both, self.emigration[y], 0.0)
        i = np.where(both, self.immigration[y], 0.0)
        out = []
        for k, country in enumerate(self.countries):
            n_out, n_in = int(both[k].sum()), int(both[:, k].sum())
            if not n_out and not n_in:
                continue
            out.append(
                CountryTotals(
                    country,
                    float(e[k].sum()),
                    float(i[k].sum()),
                    n_out,
                    float(i[:, k].sum()),
                    float(e[:, k].sum()),
                    n_in,
                )
            )
        return out

    def series(self, origin: str, destination: str) -> list[dict[str, Any]]:
        """Both sides of one corridor in every year read (missing sides are ``None``)."""
        o, d = self._index(origin), self._index(destination)
        ind = self.indicators()
        rows = []
        for y, year in enumerate(self.years):
            rows.append(self._row(y, year, o, d, ind))
        return rows

    def report(self, country: str, year: int) -> dict[str, Any]:
        """A country's mirror report: its recorded emigration against what its partners
        record as arriving from it (and the reverse for immigration), corridor by corridor
        for ``year``, with its totals in every year read."""
        k = self._index(country)
        rows = self.rows(year, countries=[country])
        both = self.both
        e = np.where(both, self.emigration, 0.0)
        i = np.where(both, self.immigration, 0.0)
        series = []
        for y, yr in enumerate(self.years):
            n_out, n_in = int(both[y, k].sum()), int(both[y, :, k].sum())
            if n_out or n_in:
                series.append(
                    {
                        "TIME_PERIOD": str(yr),
                        "EMIGRATION_REPORTED": plain_number(e[y, k].sum()),
                        "EMIGRATION_MIRROR": plain_number(i[y, k].sum()),
                        "EMIGRATION_PARTNERS": n_out,
                        "IMMIGRATION_REPORTED": plain_number(i[y, :, k].sum()),
                        "IMMIGRATION_MIRROR": plain_number(e[y, :, k].sum()),
                        "IMMIGRATION_PARTNERS": n_in,
                    }
                )
        totals = next((t for t in self.country_totals(year) if t.country == country), None)
        return {
            "country": country,
            "year": int(year),
            "totals": totals,
            "series": series,
            "emigration": [r for r in rows if r["ORIGIN"] == country],
            "immigration": [r for r in rows if r["DESTINATION"] == country],
        }

    def _index(self, country: str) -> int:
        try:
            return self.countries.index(country)
        except ValueError:
            raise InputError(
                N_("{country} has no mirror data in this selection."), country=country
            ) from None

    # -- flags --------------------------------------------------------------------------
    def flags(self, year: int, origin: str, destination: str) -> list[Flag]:
        """Why the two numbers of ``origin -> destination`` in ``year`` may differ."""
        return corridor_flags(
            self.basis,
            self.emigration_sides.get((year, origin)),
            self.immigration_sides.get((year, destination)),
            origin,
            destination,
            self.statuses.get(("E", year, origin, destination)),
            self.statuses.get(("I", year, origin, destination)),
        )

    # -- rows ---------------------------------------------------------------------------
    def _row(self, y: int, year: int, o: int, d: int, ind: dict[str, np.ndarray]) -> dict[str, Any]:
        origin, dest = self.countries[o], self.countries[d]
        es = self.emigration_sides.get((year, origin))
        is_ = self.immigration_sides.get((year, dest))
        flags = self.flags(year, origin, dest)
        row: dict[str, Any] = {
            "TIME_PERIOD": str(year),
            "ORIGIN": origin,
            "DESTINATION": dest,
            **self.cell,
            "EMIGRATION": plain_number(self.emigration[y, o, d]),
            "EMIGRATION_STATUS": self.statuses.get(
                ("E", year, origin, dest),
                "A" if es and not _nan(self.emigration[y, o, d]) else None,
            ),
            "EMIGRATION_PROVIDER": es.provider if es else None,
            "EMIGRATION_SUBMISSION": es.submission_id if es else None,
            "IMMIGRATION": plain_number(self.immigration[y, o, d]),
            "IMMIGRATION_STATUS": self.statuses.get(
                ("I", year, origin, dest),
                "A" if is_ and not _nan(self.immigration[y, o, d]) else None,
            ),
            "IMMIGRATION_PROVIDER": is_.provider if is_ else None,
            "IMMIGRATION_SUBMISSION": is_.submission_id if is_ else None,
            "RATIO": plain_number(ind["ratio"][y, o, d], 4),
            "LOG_RATIO": plain_number(ind["log_ratio"][y, o, d], 4),
            "DIFFERENCE": plain_number(ind["difference"][y, o, d]),
            "RELATIVE_DIFFERENCE": plain_number(ind["relative_difference"][y, o, d], 4),
            "FLAGS": " ".join(f.code for f in flags),
            "SYNTHETIC": bool((es and es.synthetic) or (is_ and is_.synthetic)),
            "_flags": flags,
        }
        return row

    def rows(
        self,
        year: int | None = None,
        *,
        countries: Sequence[str] | None = None,
        two_sided: bool = False,
    ) -> list[dict[str, Any]]:
        """One row per corridor with at least one side (both with ``two_sided``).

        ``_flags`` holds the :class:`Flag` objects; :func:`mirror_columns` lists the columns
        for output.
        """
        ind = self.indicators()
        years = [self.year_index(year)] if year is not None else range(len(self.years))
        wanted = None if countries is None else {self._index(c) for c in countries}
        present = (
            self.both if two_sided else (~np.isnan(self.emigration) | ~np.isnan(self.immigration))
        )
        out = []
        for y in years:
            for o, d in zip(*np.nonzero(present[y]), strict=True):
                if o == d or (wanted is not None and o not in wanted and d not in wanted):
                    continue
                out.append(self._row(y, self.years[y], int(o), int(d), ind))
        return out


def _nan(value: float) -> bool:
    return value != value


def plain_number(value: float, digits: int | None = None) -> float | int | None:
    """A number for output: ``None`` for NaN or infinity, an ``int`` when whole (unless
    ``digits`` asks for rounding)."""
    if value != value or math.isinf(value):
        return None
    if digits is None:
        return int(value) if float(value).is_integer() else float(value)
    return round(float(value), digits)


def mirror_columns(matrix: MirrorMatrix) -> list[str]:
    """The columns of :meth:`MirrorMatrix.rows` for CSV, XLSX and JSON output."""
    return [
        "TIME_PERIOD",
        "ORIGIN",
        "DESTINATION",
        *matrix.cell,
        "EMIGRATION",
        "EMIGRATION_STATUS",
        "EMIGRATION_PROVIDER",
        "EMIGRATION_SUBMISSION",
        "IMMIGRATION",
        "IMMIGRATION_STATUS",
        "IMMIGRATION_PROVIDER",
        "IMMIGRATION_SUBMISSION",
        "RATIO",
        "LOG_RATIO",
        "DIFFERENCE",
        "RELATIVE_DIFFERENCE",
        "FLAGS",
        "FLAG_TEXT",
        "SYNTHETIC",
    ]


def corridor_flags(
    basis: Basis,
    sender: Side | None,
    receiver: Side | None,
    origin: str,
    destination: str,
    sender_status: str | None = None,
    receiver_status: str | None = None,
) -> list[Flag]:
    """Comparability flags of one corridor from the two sides' metadata (brief section 7)."""
    flags: list[Flag] = []
    if basis.proxy:
        flags.append(
            Flag(
                "CITIZENSHIP_PROXY",
                N_(
                    "By citizenship: the other country is proxied by citizenship, so the two sides "
                    "count different people."
                ),
            )
        )
    if sender is None or receiver is None:
        return flags
    sm, rm = sender.metadata, receiver.metadata
    for name, code, message in COMPARED:
        a, b = sm.get(name), rm.get(name)
        if a and b and str(a).casefold() != str(b).casefold():
            flags.append(Flag(code, message, {"sender": a, "receiver": b}))
    a_months, b_months = sm.get("residence_rule_months"), rm.get("residence_rule_months")
    if (
        a_months
        and b_months
        and a_months != b_months
        and not any(f.code == "RESIDENCE_RULE" for f in flags)
    ):
        flags.append(
            Flag(
                "RESIDENCE_RULE",
                COMPARED[0][2],
                {"sender": f"{a_months} months", "receiver": f"{b_months} months"},
            )
        )
    for side, country in ((sender, origin), (receiver, destination)):
        if not side.metadata.get("residence_rule"):
            flags.append(
                Flag(
                    "RULE_NOT_STATED",
                    N_("{country} states no residence rule."),
                    {"country": country},
                )
            )
    if sender.provider != receiver.provider:
        flags.append(
            Flag(
                "PROVIDER",
                N_("The two sides come from different publishers: {sender} and {receiver}."),
                {"sender": sender.provider, "receiver": receiver.provider},
            )
        )
    for status, country in ((sender_status, origin), (receiver_status, destination)):
        if status and status != "A":
            flags.append(
                Flag(
                    "OBS_STATUS",
                    N_("{country} flags its value {status}."),
                    {"country": country, "status": status},
                )
            )
    for side, country, message in (
        (
            sender,
            origin,
            N_("{country} records {share} of its emigration with an unknown country."),
        ),
        (
            receiver,
            destination,
            N_("{country} records {share} of its immigration with an unknown country."),
        ),
    ):
        if side.unknown_share is not None and side.unknown_share > UNKNOWN_SHARE_LIMIT:
            flags.append(
                Flag(
                    "UNKNOWN_PARTNER",
                    message,
                    {"country": country, "share": f"{side.unknown_share:.0%}"},
                )
            )
    if sender.synthetic or receiver.synthetic:
        flags.append(
            Flag(
                "SYNTHETIC",
                N_("Synthetic (generated) data on at least one side: not official statistics."),
            )
        )
    return flags


def flag_text(row: dict[str, Any], lang: str) -> str:
    """The flags of a row as one text in ``lang`` (for the ``FLAG_TEXT`` column)."""
    return " | ".join(f.text(lang) for f in row.get("_flags", ()))


REPORT_SERIES_COLUMNS = [
    "TIME_PERIOD",
    "EMIGRATION_REPORTED",
    "EMIGRATION_MIRROR",
    "EMIGRATION_PARTNERS",
    "IMMIGRATION_REPORTED",
    "IMMIGRATION_MIRROR",
    "IMMIGRATION_PARTNERS",
]
"""The columns of the per-year totals of :meth:`MirrorMatrix.report`."""


__all__ = [
    "BASES",
    "COMPARED",
    "REPORT_SERIES_COLUMNS",
    "TOTAL",
    "UNKNOWN",
    "UNKNOWN_SHARE_LIMIT",
    "Basis",
    "CountryTotals",
    "Coverage",
    "Flag",
    "MirrorMatrix",
    "Side",
    "corridor_flags",
    "flag_text",
    "mirror_columns",
    "plain_number",
]
