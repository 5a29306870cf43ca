"""A round's questionnaire for one country, prefilled with its own previous answers.

The starting point is what the country itself reported and the clearing-house accepted: for
each table the round asks of it, the latest period up to the round's year of the country's own
data (provider = the country), as current in the store (a revision supersedes what it
revised). Publishers' numbers are never put in a country's questionnaire. The reading goes
through the store's access gate with the asking principal.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from migstat.exchange.rounds import Round
from migstat.formats.questionnaire import write_template
from migstat.model import Dataset, Observation
from migstat.store import Store
from migstat.store.access import Principal
from migstat.store.records import ObservationQuery


def previous_answers(
    store: Store, found: Round, country: str, principal: Principal
) -> tuple[list[Observation], dict[str, str]]:
    """The country's latest accepted values of every table the round asks of it, and the
    period each table's values come from."""
    out: list[Observation] = []
    asked = found.expected.get(country, [])
    periods: dict[str, str] = {}
    for provider, area, table, period, _n in store.coverage(principal=principal):
        own = (provider, area) == (country, country) and table in asked
        if own and period[:4].isdigit() and int(period[:4]) <= found.year:
            periods[table] = max(periods.get(table, period), period)
    for table in asked:
        latest = periods.get(table)
        if latest is None:
            continue
        year = int(latest[:4])  # only the latest year is read, however long the history
        query = ObservationQuery(
            table=table, ref_areas=[country], providers=[country], time_from=year, time_to=year
        )
        rows = list(store.read(query, principal=principal))
        out.extend(
            Observation(
                r.table,
                r.ref_area,
                r.time_period,
                r.key,
                r.value,
                r.obs_status,
                r.conf_status,
                r.comment,
            )
            for r in rows
            if r.time_period == latest
        )
    return out, periods


def questionnaire(
    store: Store, found: Round, country: str, principal: Principal, *, lang: str = "both"
) -> tuple[bytes, dict[str, str]]:
    """The workbook's bytes for ``country`` in ``found`` and the periods it was prefilled
    from (table -> period; a table without previous answers is left empty)."""
    observations, periods = previous_answers(store, found, country, principal)
    data = Dataset(
        file_name=f"{country}_{found.year}.xlsx",
        format="questionnaire",
        provider=country,
        observations=observations,
    )
    with tempfile.TemporaryDirectory(prefix="migstat-round-") as folder:
        path = write_template(
            Path(folder) / "questionnaire.xlsx",
            country=country,
            year=found.year,
            tables=found.expected.get(country, []),
            lang=lang,
            registry=store.registry,
            data=data if observations else None,
        )
        return path.read_bytes(), periods


__all__ = ["previous_answers", "questionnaire"]
