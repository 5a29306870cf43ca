"""Who stands behind the numbers, by name in the page's language.

A dataset's provider is a code (see docs/architecture.md): a reporting country for a national
submission (``KGZ``), a publisher for an import (``UN_DESA``, ``ESTAT``), the national
statistical office of one country when a file names no publisher but covers one country only
(``NSO_BLR``), or the reader's default when a file names neither (``MATRIX``, ``PX``,
``SDMX``). Pages show the name, never the code; the code stays on hover (``title``).

The demo writes two files of its own, in the formats of national offices, from numbers it has
already imported (``migstat/demo/examples.py``). They are named ``*_EXAMPLE.*``, and a
submission of such a file is shown as an example, not as a publication of anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

from migstat.i18n import N_, gettext_
from migstat.model import Registry
from migstat.store.records import SubmissionRecord
from migstat.web.views.dataset_titles import dataset_title

PUBLISHERS: dict[str, str] = {
    "UN_DESA": N_("UN DESA"),
    "UNHCR": N_("UNHCR"),
    "CISSTAT": N_("CIS-Stat"),
    "BELSTAT": N_("Belstat"),
    "ESTAT": N_("Eurostat"),
}
"""Publishers whose data are imported: short names (translated when shown)."""

UNNAMED: dict[str, str] = {
    "MATRIX": N_("origin-destination matrix, publisher not stated"),
    "PX": N_("PX file, publisher not stated"),
    "SDMX": N_("SDMX file, publisher not stated"),
    "JSONSTAT": N_("JSON-stat file, publisher not stated"),
    "COLUMNS": N_("table file, publisher not stated"),
}
"""The importers' defaults for files that name no publisher."""

OFFICE_PREFIX = "NSO_"
EXAMPLE_MARK = "_EXAMPLE"
"""The end of the stem of the demo's constructed example files (``…_EXAMPLE.px``)."""


def is_example(record: SubmissionRecord) -> bool:
    """Whether a submission is one of the demo's constructed example files."""
    return PurePath(record.file_name).stem.upper().endswith(EXAMPLE_MARK)


def example_providers(submissions: Iterable[SubmissionRecord]) -> frozenset[str]:
    """Providers whose every submission is a constructed example."""
    seen: dict[str, bool] = {}
    for record in submissions:
        seen[record.provider] = seen.get(record.provider, True) and is_example(record)
    return frozenset(p for p, example in seen.items() if example)


def edition(record: SubmissionRecord, lang: str = "en") -> str:
    """An import's dataset and edition, the dataset's title in ``lang`` where the curated
    titles have it (``International Migrant Stock 2019``, ``Численность международных мигрантов
    2019``); empty when the import does not say."""
    prov = record.provenance or {}
    dataset = dataset_title(prov["dataset"], lang) if prov.get("dataset") else None
    return " ".join(x for x in (dataset, prov.get("edition")) if x)


def is_publisher(provider: str) -> bool:
    """A publisher or a file's stated or default source, not a reporting country."""
    return (
        provider in PUBLISHERS
        or provider in UNNAMED
        or (provider.startswith(OFFICE_PREFIX) and len(provider) > len(OFFICE_PREFIX))
    )


def provider_name(provider: str, registry: Registry, lang: str, *, example: bool = False) -> str:
    """The name of ``provider`` in ``lang``: a publisher's short name, ``Statistical office of
    Belarus`` for ``NSO_BLR``, a country's name for its own submission, the code otherwise;
    ``Example file (…)`` for the demo's constructed examples."""
    if provider in PUBLISHERS:
        name = gettext_(PUBLISHERS[provider], lang)
    elif provider in UNNAMED:
        name = gettext_(UNNAMED[provider], lang)
    elif provider.startswith(OFFICE_PREFIX) and provider[len(OFFICE_PREFIX) :] in registry.areas:
        country = registry.areas.label(provider[len(OFFICE_PREFIX) :], lang)
        name = gettext_(N_("Statistical office of {country}"), lang, country=country)
    elif provider in registry.areas:
        name = registry.areas.label(provider, lang)
    else:
        name = provider
    if example:
        return gettext_(N_("Example file ({source})"), lang, source=name)
    return name
