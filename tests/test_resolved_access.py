"""The release rules resolved once per visibility version give exactly what the SQL clause
gives: every reader, every release state (per submission and per table, withdrawn, embargoed
before and after its end), a plain and a reciprocal agreement, before and after each change."""

from __future__ import annotations

from datetime import timedelta

from migstat.exchange import agreements
from migstat.exchange.release import release
from migstat.store import ObservationQuery, Store
from migstat.store.access import AccessPolicy
from tests.access_states import build
from tests.release_data import FREE_ROWS, KAZ_ROWS, READERS, submit


class SqlOnly(AccessPolicy):
    """The gate with its subqueries only and every slice masked per row (what every read did
    before the resolution and the look-up of the slices with cells to hide)."""

    def release_clause(self, principal, submission, slice_=None, *, conn=None):
        return super().release_clause(principal, submission, slice_)

    def clean_slices(self, conn, slices):
        return frozenset()


def everything(store: Store) -> dict[str, list[tuple]]:
    """What each reader reads of S01: (provider, area, period, key, value, status)."""
    out = {}
    for name, who in READERS.items():
        got = store.read_columns(
            ObservationQuery("S01"),
            principal=who,
            columns=("provider", "ref_area", "time_period", "key", "value", "conf_status"),
        )
        out[name] = sorted(zip(*got.values(), strict=True), key=repr)
    return out


def same(store: Store, plain: Store) -> dict[str, list[tuple]]:
    resolved, subqueries = everything(store), everything(plain)
    assert resolved == subqueries
    return resolved


def test_the_resolved_rules_read_what_the_subqueries_read(db_url: str) -> None:
    url = db_url
    world = build(url)
    store, clock = world.store, world.clock
    with Store.open(url, policy=SqlOnly(clock=clock)) as plain:
        first = same(store, plain)
        assert first["public"] != first["partner"] != first["coordinator"]
        # a second partner country under a reciprocal agreement, per-table releases
        kaz = submit(store, "KAZ", KAZ_ROWS, release=None)
        tjk = submit(store, "TJK", FREE_ROWS, release=None)
        same(store, plain)
        agreements.add(
            store, "Mutual", countries=["KAZ", "TJK"], tables=["S01"], reciprocal=True, by="c"
        )
        release(store, [tjk.id], to="partners", by="coord")
        same(store, plain)
        release(store, [kaz.id], to="public", tables=["S01"], by="coord")
        release(store, [kaz.id], to="partners", by="coord")  # newer, for all tables
        same(store, plain)
        release(store, [kaz.id], withdraw=True, tables=["S01"], by="coord")
        same(store, plain)
        until = clock.now + timedelta(hours=3)
        release(store, [tjk.id], to="public", embargo_until=until, by="coord")
        before = same(store, plain)
        clock.now = until - timedelta(seconds=1)
        assert same(store, plain) == before
        clock.now = until
        after = same(store, plain)
        assert after["public"] != before["public"]
        clock.advance(days=40)  # every embargo of the world is over
        same(store, plain)
    store.close()
