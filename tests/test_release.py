"""Release states, embargoes by the clock, sharing agreements with reciprocity, confidential
cells with secondary suppression: what each reader sees, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from migstat.disclosure import audit
from migstat.exchange import agreements
from migstat.exchange import audit as trail
from migstat.exchange.release import release, releases
from migstat.model import InputError, NotFoundError, Observation
from migstat.store import schema as S
from migstat.store.access import EMBARGOED, PARTNERS, PUBLISHED, WITHDRAWN
from tests.release_data import (
    COORDINATOR,
    KAZ,
    KAZ_ROWS,
    KGZ,
    KGZ_ROWS,
    PUBLIC,
    TJK,
    Clock,
    open_store,
    seen,
    submit,
)

FREE_KGZ = {k: (v, "F") for k, (v, _) in KGZ_ROWS.items()}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock):
    with open_store(db_url, clock) as opened:
        yield opened


def test_stored_from_the_command_line_is_published_unless_told(store, clock) -> None:
    published = submit(store, "KGZ", FREE_KGZ)
    assert [r.state for r in releases(store, submission_id=published.id)] == [PUBLISHED]
    assert seen(store, PUBLIC)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    internal = submit(store, "KAZ", KAZ_ROWS, release=None)
    assert releases(store, submission_id=internal.id) == []
    assert seen(store, PUBLIC, "KAZ") == {}
    assert seen(store, TJK, "KAZ") == {}
    assert seen(store, KAZ, "KAZ")[("_T", "M", "_T")] == (9_278_700.0, "F")
    assert seen(store, COORDINATOR, "KAZ")[("_T", "F", "_T")] == (9_723_900.0, "F")
    # the listing follows: the public does not even see that the internal one exists
    assert [r.id for r in store.submissions(principal=PUBLIC)] == [published.id]
    assert [r.id for r in store.submissions(principal=KAZ)] == [published.id, internal.id]


def test_a_newer_internal_vintage_leaves_the_published_one_current_for_the_public(store) -> None:
    submit(store, "KGZ", FREE_KGZ)
    revised = {k: (v + 100, c) for k, (v, c) in FREE_KGZ.items()}
    second = submit(store, "KGZ", revised, release=None)
    assert seen(store, PUBLIC)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    assert seen(store, KGZ)[("_T", "_T", "_T")] == (6_636_900.0, "F")
    release(store, [second.id], to="public", by="coord")
    assert seen(store, PUBLIC)[("_T", "_T", "_T")] == (6_636_900.0, "F")


def test_embargo_ends_by_the_clock_and_not_a_second_before(store, clock) -> None:
    record = submit(store, "KGZ", FREE_KGZ, release=None)
    agreements.add(store, "Central Asia", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    until = clock.now + timedelta(hours=2)
    before = store.visibility_version()
    (made,) = release(store, [record.id], to="public", embargo_until=until, by="coord")
    assert made.state == EMBARGOED and made.embargo_until == until
    assert store.visibility_version() != before
    assert seen(store, PUBLIC) == {}
    assert seen(store, TJK) == {}
    # a partner sees embargoed data (it was shared with partners first)
    assert seen(store, KAZ)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    waiting = store.visibility_version()
    clock.now = until - timedelta(seconds=1)
    assert seen(store, PUBLIC) == {}
    assert store.visibility_version() == waiting
    clock.now = until
    assert seen(store, PUBLIC)[("RUS", "F", "_T")] == (66_300.0, "F")
    assert seen(store, TJK)[("RUS", "F", "_T")] == (66_300.0, "F")
    # the end of the embargo changes the version caches key on, with no job run
    assert store.visibility_version() != waiting
    assert [e.when for e in store.calendar()] == [until]


def test_partners_only_members_of_an_agreement_covering_the_table(store) -> None:
    record = submit(store, "KGZ", FREE_KGZ, release=None)
    release(store, [record.id], to="partners", by="coord")
    assert seen(store, KAZ) == {}  # no agreement yet
    agreements.add(store, "S01 pair", countries=["KGZ", "KAZ"], tables=["F01"], by="coord")
    assert seen(store, KAZ) == {}  # an agreement, but not for S01
    agreements.add(store, "S01 pair", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    assert seen(store, KAZ)[("_T", "M", "_T")] == (3_288_000.0, "F")
    assert seen(store, TJK) == {} and seen(store, PUBLIC) == {}
    agreements.remove(store, "S01 pair", by="coord")
    assert seen(store, KAZ) == {}
    history = agreements.agreements(store, history=True)
    assert [a.state for a in history] == ["active", "active", "removed"]
    assert agreements.agreements(store) == []
    actions = [r.action for r in trail.records(store)]
    assert actions.count(agreements.AGREEMENT_ADD) == 2
    assert actions.count(agreements.AGREEMENT_REMOVE) == 1


def test_reciprocity_a_member_sees_a_period_only_when_it_provided_it(store) -> None:
    record = submit(store, "KGZ", FREE_KGZ, release=None)
    release(store, [record.id], to="partners", by="coord")
    agreements.add(
        store, "Reciprocal", countries=["KGZ", "KAZ"], tables=["S01"], reciprocal=True, by="c"
    )
    assert seen(store, KAZ) == {}
    # Kazakhstan provides S01 for the same date (kept internal): now it sees Kyrgyzstan's
    submit(store, "KAZ", KAZ_ROWS, release=None)
    assert seen(store, KAZ)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    # but Kyrgyzstan has not been given Kazakhstan's: it was not released to partners
    assert seen(store, KGZ, "KAZ") == {}


def test_both_sides_of_a_corridor_released_at_once_or_not_at_all(store) -> None:
    kgz = submit(store, "KGZ", FREE_KGZ, release=None)
    kaz = submit(store, "KAZ", KAZ_ROWS, release=None)
    with pytest.raises(NotFoundError):
        release(store, [kgz.id, kaz.id, 999], to="public", by="coord")
    assert releases(store) == []
    assert seen(store, PUBLIC) == {} and seen(store, PUBLIC, "KAZ") == {}
    made = release(store, [kgz.id, kaz.id], to="public", by="coord", note="corridor")
    assert {r.submission_id for r in made} == {kgz.id, kaz.id}
    assert len({r.released_at for r in made}) == 1
    assert seen(store, PUBLIC) and seen(store, PUBLIC, "KAZ")
    last = list(trail.records(store))[-1]
    assert last.action == "release" and last.details["submissions"] == [kgz.id, kaz.id]


def test_withdrawing_is_a_new_state_and_nothing_is_deleted(store) -> None:
    record = submit(store, "KGZ", FREE_KGZ)
    release(store, [record.id], withdraw=True, by="coord", note="wrong age groups")
    assert seen(store, PUBLIC) == {}
    assert seen(store, KGZ)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    assert seen(store, COORDINATOR)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    states = [r.state for r in releases(store, submission_id=record.id)]
    assert states == [PUBLISHED, WITHDRAWN]
    assert store.calendar() == []


def test_one_table_of_a_submission(store) -> None:
    record = submit(store, "KGZ", FREE_KGZ, release=None)
    with pytest.raises(InputError, match="no table F01"):
        release(store, [record.id], to="public", tables=["F01"], by="coord")
    release(store, [record.id], to="public", tables=["S01"], by="coord")
    assert seen(store, PUBLIC)[("_T", "_T", "_T")] == (6_636_800.0, "F")


def test_what_cannot_be_released_is_said(store, clock) -> None:
    rejected = submit(store, "KGZ", FREE_KGZ, accepted=False)
    with pytest.raises(InputError, match="not accepted"):
        release(store, [rejected.id], to="public", by="coord")
    good = submit(store, "KGZ", FREE_KGZ, release=None)
    with pytest.raises(InputError, match="has passed"):
        release(store, [good.id], to="public", embargo_until=clock.now, by="coord")
    with pytest.raises(InputError, match="--to public"):
        release(
            store,
            [good.id],
            to="partners",
            embargo_until=clock.now + timedelta(days=1),
            by="coord",
        )
    assert releases(store, submission_id=good.id) == []


def test_confidential_cell_and_its_complement_hidden_from_those_not_entitled(store) -> None:
    record = submit(store, "KGZ", KGZ_ROWS, release=None)
    agreements.add(store, "pair", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    (made,) = release(store, [record.id], to="partners", by="coord")
    assert made.suppressed >= 1
    for who in (KAZ,):
        shown = seen(store, who)
        assert shown[("RUS", "M", "_T")] == (None, "C")
        secondary = [k for k, (v, conf) in shown.items() if conf == "D"]
        assert secondary and all(shown[k][0] is None for k in secondary)
    # the country and the coordinator read every value as stored
    assert seen(store, KGZ) == KGZ_ROWS
    assert seen(store, COORDINATOR) == KGZ_ROWS
    release(store, [record.id], to="public", by="coord")
    public = seen(store, PUBLIC)
    hidden = {k for k, (v, conf) in public.items() if v is None}
    assert ("RUS", "M", "_T") in hidden and len(hidden) >= 2
    # the attacker solves the published table's constraints: no hidden cell is pinned down
    table = store.registry.table("S01")
    observations = [
        Observation("S01", "KGZ", "2021-01-01", k, v, "A", conf) for k, (v, conf) in public.items()
    ]
    intervals = audit(observations, table)
    assert {i.key for i in intervals} == hidden
    for interval in intervals:
        assert interval.width >= 3.0, interval
    cells = sa.select(sa.func.count()).select_from(S.suppressed_cell)
    with store.reading() as conn:
        assert conn.execute(cells).scalar() == made.suppressed  # not hidden twice


def test_suppression_hides_cells_only_in_tables_with_a_confidential_cell(store) -> None:
    """What lets the read path read a table with no confidential cell as stored
    (:mod:`migstat.store.masking`): every cell secondary suppression hides is in a table of a
    submission that has a cell that is not free, and the gate reads only the others plain."""
    record = submit(store, "KGZ", KGZ_ROWS, release=None)
    free = submit(store, "KAZ", KAZ_ROWS, release=None)
    made = release(store, [record.id, free.id], to="public", by="coord")
    assert made[0].suppressed >= 1 and made[1].suppressed == 0
    sl, ob, sc = S.slice_, S.observation, S.suppressed_cell
    pair = sa.select(sl.c.submission_id, sl.c.table_id).join(ob, ob.c.slice_id == sl.c.id)
    with store.reading() as conn:
        hidden = set(conn.execute(pair.join(sc, sc.c.observation_id == ob.c.id).distinct()))
        confidential = set(conn.execute(pair.where(ob.c.conf_status != "F").distinct()))
        slices = list(conn.execute(sa.select(sl.c.id, sl.c.submission_id, sl.c.table_id)))
        clean = store.policy.clean_slices(conn, slices)
    assert hidden == confidential == {(record.id, "S01")}
    assert clean == {s.id for s in slices if s.submission_id == free.id} != set()


def test_release_states_from_the_command_line(cli, tmp_path) -> None:
    db = str(tmp_path / "cli.db")
    with open_store(db, Clock()) as opened:
        kgz = submit(opened, "KGZ", FREE_KGZ, release=None)
        kaz = submit(opened, "KAZ", KAZ_ROWS, release=None)
    code, out, err = cli(
        "--db", db, "agreements", "add", "Central Asia", "--countries", "KGZ,KAZ",
        "--tables", "S01", "--reciprocal", "--by", "coord",
    )  # fmt: skip
    assert code == 0, err
    assert "Central Asia\tactive\treciprocal\tKAZ,KGZ\tS01" in out
    code, out, err = cli(
        "--db", db, "release", str(kgz.id), str(kaz.id), "--to", "public",
        "--embargo-until", "2099-01-01T08:00:00Z", "--by", "coord",
    )  # fmt: skip
    assert code == 0, err
    assert out.count("embargoed\t2099-01-01T08:00:00Z") == 2
    code, out, err = cli("--db", db, "release", str(kgz.id), "--embargo-until", "tomorrow")
    assert code == 2 and "not a UTC time" in err
    code, out, err = cli("--db", db, "releases", str(kgz.id))
    assert code == 0 and out.count("\n") == 1
    code, out, err = cli("--db", db, "agreements", "remove", "Central Asia", "--by", "coord")
    assert code == 0 and "removed" in out
    code, out, err = cli("--db", db, "agreements", "list")
    assert code == 0 and out == ""


def test_the_migration_publishes_what_was_accepted_before(tmp_path) -> None:
    from migstat.store import Store
    from migstat.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(url, migrate=False) as old:
        upgrade(old.engine, "0004")
        with old.writing() as conn:
            conn.execute(
                sa.text("INSERT INTO raw_file VALUES ('ab', 1, x'00', '2024-01-01 00:00:00');")
            )
            for sid, status in ((1, "accepted"), (2, "rejected")):
                conn.execute(
                    sa.text(
                        "INSERT INTO submission (id, provider, country, file_name, format, sha256,"
                        " size, submitted_at, submitted_by, status, synthetic, n_observations,"
                        " n_errors, n_warnings, tables, meta) VALUES (:id, 'KGZ', 'KGZ', 'f',"
                        " 'xlsx', 'ab', 1, '2024-01-01 00:00:00', 'cli', :status, 0, 0, 0, 0,"
                        " '[]', '{}')"
                    ),
                    {"id": sid, "status": status},
                )
    with Store.open(url) as new:
        rows = [(r.submission_id, r.state, r.released_by) for r in releases(new)]
    assert rows == [(1, PUBLISHED, "migration")]
    assert PARTNERS  # the states are the access gate's constants


def test_a_table_release_overrides_an_older_whole_one_and_a_newer_whole_one_overrides_it(
    store,
) -> None:
    record = submit(store, "KGZ", FREE_KGZ)
    release(store, [record.id], withdraw=True, tables=["S01"], by="coord")
    assert seen(store, PUBLIC) == {}
    release(store, [record.id], to="public", tables=["S01"], by="coord")
    assert seen(store, PUBLIC)[("_T", "_T", "_T")] == (6_636_800.0, "F")
    release(store, [record.id], withdraw=True, by="coord")
    assert seen(store, PUBLIC) == {}
    assert [s.id for s in store.submissions(principal=PUBLIC)] == []


def test_the_command_line_lists_every_submission(cli, tmp_path) -> None:
    db = str(tmp_path / "list.db")
    with open_store(db, Clock()) as opened:
        submit(opened, "KGZ", FREE_KGZ, release=None)
        submit(opened, "KAZ", KAZ_ROWS)
    code, out, err = cli("--db", db, "submissions")
    assert code == 0, err
    assert [line.split("\t")[2] for line in out.splitlines()] == ["KGZ", "KAZ"]
