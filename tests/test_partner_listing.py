"""A partner sees the record of a submission released to partners, exactly when it may read
some of its data: a member of a sharing agreement covering one of its tables (with reciprocity,
having provided that table for that period itself), until the release is withdrawn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migstat.exchange import agreements
from migstat.exchange.release import release
from migstat.store import Store
from migstat.store.access import PARTNERS
from tests.release_data import (
    FREE_ROWS,
    KAZ,
    KAZ_ROWS,
    PUBLIC,
    TJK,
    Clock,
    open_store,
    seen,
    submit,
)


@pytest.fixture
def kgz(db_url: str) -> Iterator[tuple[Store, int]]:
    with open_store(db_url, Clock()) as store:
        yield store, submit(store, "KGZ", FREE_ROWS, release=PARTNERS).id


def listed(store: Store, who) -> list[int]:
    return [r.id for r in store.submissions(principal=who)]


def values(store: Store, who) -> list[float]:
    return sorted(v for v, _conf in seen(store, who).values() if v is not None)


def test_a_member_sees_the_record_of_what_it_may_read(kgz: tuple[Store, int]) -> None:
    store, sid = kgz
    assert listed(store, KAZ) == [] and values(store, KAZ) == []
    agreements.add(store, "KGZ-KAZ", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    assert listed(store, KAZ) == [sid]
    assert values(store, KAZ) == [3_288_000.0, 3_348_800.0, 6_636_800.0]
    assert listed(store, TJK) == [] and listed(store, PUBLIC) == []
    release(store, [sid], withdraw=True, by="coord")
    assert listed(store, KAZ) == [] and values(store, KAZ) == []


def test_an_agreement_on_other_tables_or_unmet_reciprocity_lists_nothing(
    kgz: tuple[Store, int],
) -> None:
    store, sid = kgz
    agreements.add(store, "flows", countries=["KGZ", "KAZ"], tables=["F01"], by="coord")
    assert listed(store, KAZ) == []
    agreements.add(
        store, "stocks", countries=["KGZ", "KAZ"], tables=["S01"], reciprocal=True, by="coord"
    )
    assert listed(store, KAZ) == [] and values(store, KAZ) == []
    own = submit(store, "KAZ", KAZ_ROWS).id  # Kazakhstan provides S01 for 2021 itself
    assert listed(store, KAZ) == [sid, own]
    assert values(store, KAZ) == [3_288_000.0, 3_348_800.0, 6_636_800.0]
