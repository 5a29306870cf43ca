"""Where a figure shown on a page comes from, and how much to trust it.

A headline figure of a profile is made from stored observations: one cell, the sum of the
parts of a total the source does not give, or a difference (all residents minus the
native-born). :class:`Figure` keeps those cells with the value, so that the page can say who
published them (publisher or reporting country), in which edition or submission, received
when, and mark the figure where it is shown when any of its cells is synthetic, estimated,
provisional or otherwise not a normal value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import Registry
from migstat.store.records import StoredObservation, SubmissionRecord
from migstat.web.views.data import PortalData
from migstat.web.views.providers import edition, is_publisher, provider_name

NORMAL = "A"
"""OBS_STATUS of a normal value: no mark."""
SYNTHETIC = "synthetic"


@dataclass(frozen=True, slots=True)
class Figure:
    """A value and the cells it is made of. ``summed`` names the dimensions whose total the
    source does not give, so the value adds up its parts (the parts the hierarchy names)."""

    value: float
    cells: tuple[StoredObservation, ...]
    summed: frozenset[str] = frozenset()

    def minus(self, other: Figure) -> Figure:
        """The difference, made of the cells of both."""
        return Figure(self.value - other.value, self.cells + other.cells, self.summed)


def derived_part(total: Figure | None, part: Figure | None, dimension: str) -> Figure | None:
    """``total`` minus ``part`` (all residents minus the native-born) only where both exist.

    Where the source gives no total of ``dimension`` (``total`` adds up the parts it does
    give) and no ``part``, the part is not among the cells added up, and the total is already
    the rest. A published total without its part gives nothing: the part is unknown, not zero.
    """
    if total is None:
        return None
    if part is not None:
        return total.minus(part)
    return total if dimension in total.summed else None


def marks(data: PortalData, cells: tuple[StoredObservation, ...]) -> list[dict[str, str]]:
    """The marks a figure carries where it is shown: synthetic first, then each status other
    than a normal value (estimated, provisional, break ...), in the page's language."""
    return status_marks(
        data.registry, data.lang, any(o.synthetic for o in cells), (o.obs_status for o in cells)
    )


def status_marks(
    registry: Registry, lang: str, synthetic: bool, statuses: Iterable[str]
) -> list[dict[str, str]]:
    """:func:`marks` from what is known of the cells: whether any is synthetic, and their
    OBS_STATUS codes (a normal value, ``A``, gives no mark)."""
    out = []
    if synthetic:
        out.append({"code": SYNTHETIC, "label": gettext_(N_("Synthetic"), lang)})
    status_list = registry.codelist("OBS_STATUS")
    for status in sorted({s for s in statuses if s not in (NORMAL, "")}):
        code = status_list.get(status)
        out.append({"code": status, "label": code.label(lang) if code else status})
    return out


def origin(data: PortalData, cells: tuple[StoredObservation, ...]) -> str:
    """The editions or submissions ``cells`` come from, with the date each was received:
    ``International Migrant Stock 2019, imported 2026-12-06`` or ``questionnaire
    KGZ_2024.xlsx, submission 25, received 2026-12-06``."""
    return "; ".join(
        received(record, data.lang, data.is_national(record.provider))
        for record in data.submissions_of(cells)
    )


def received(record: SubmissionRecord, lang: str, national: bool) -> str:
    """One edition or submission and the date it was received, as :func:`origin` says it."""
    date = record.submitted_at.date().isoformat()
    if national:
        return gettext_(
            N_("questionnaire {file}, submission {id}, received {date}"),
            lang,
            file=record.file_name,
            id=record.id,
            date=date,
        )
    return gettext_(
        N_("{edition}, imported {date}"),
        lang,
        edition=edition(record, lang) or record.file_name,
        date=date,
    )


def chart_line(
    registry: Registry,
    lang: str,
    records: Iterable[SubmissionRecord],
    *,
    synthetic: bool,
    statuses: Iterable[str] = (),
    examples: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A chart's source line: each publisher or reporting country whose numbers it plots, by
    name (code on hover), with the editions or submissions and their dates (``records``, the
    submissions the plotted values come from), and the marks of the values plotted."""
    by_provider: dict[str, list[SubmissionRecord]] = {}
    for record in sorted(records, key=lambda r: r.id):
        by_provider.setdefault(record.provider, []).append(record)
    sources = []
    for provider, found in by_provider.items():
        national = not is_publisher(provider) and provider in registry.areas
        sources.append(
            {
                "code": provider,
                "name": provider_name(provider, registry, lang, example=provider in examples),
                "origin": "; ".join(received(r, lang, national) for r in found),
            }
        )
    return {"sources": sources, "marks": status_marks(registry, lang, synthetic, statuses)}


def chart_line_of(data: PortalData, cells: Iterable[StoredObservation]) -> dict[str, Any]:
    """:func:`chart_line` of the stored cells a chart plots."""
    cells = tuple(cells)
    return chart_line(
        data.registry,
        data.lang,
        data.submissions_of(cells),
        synthetic=any(o.synthetic for o in cells),
        statuses=(o.obs_status for o in cells),
        examples=frozenset(p for p in {o.provider for o in cells} if data.is_example(p)),
    )


def describe(
    data: PortalData, provider: str, period: str, cells: tuple[StoredObservation, ...]
) -> dict[str, Any]:
    """What a page shows beside a figure: ``source`` (name and period), ``code`` (the
    provider's code, on hover), ``origin`` (edition or submission, and date) and ``marks``."""
    name = data.provider_label(provider)
    return {
        "source": gettext_(N_("{source}, {period}"), data.lang, source=name, period=period),
        "name": name,
        "code": provider,
        "period": period,
        "origin": origin(data, cells),
        "marks": marks(data, cells),
    }
