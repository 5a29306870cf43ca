"""Reporting rounds: opening, the status board from real submissions, declarations, closing,
the command line, and the audit records of every action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from migstat.exchange import audit, board, rounds
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store.access import COORDINATOR, AccessDeniedError, Principal
from tests.rounds_data import DEADLINE, OPENED, open_2024, people, stocks, submit, the_states

COORD = Principal(user_id="coord", roles=frozenset({COORDINATOR}))
BEFORE_DEADLINE = datetime(2099, 6, 30, 23, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2099, 7, 1, 0, 1, tzinfo=UTC)


def states(grid: board.Board) -> dict[str, list[str]]:
    return {c: [cell.state if cell else "-" for cell in grid.row(c)] for c in grid.countries}


def test_a_round_is_opened_and_read_back(store: Store) -> None:
    found = open_2024(store)
    assert (found.id, found.year, found.deadline, found.open) == ("2024", 2024, DEADLINE, True)
    assert found.countries == ["ARM", "KAZ", "KGZ", "TJK"]
    assert found.tables == ["S01", "F01", "F02"]
    assert found.opened_at == OPENED
    assert [r.id for r in rounds.listing(store)] == ["2024"]
    record = next(r for r in audit.records(store) if r.action == rounds.ROUND_OPEN)
    assert record.actor == "coord" and record.details["countries"] == ["KGZ", "KAZ", "TJK", "ARM"]


def test_bad_input_is_refused_with_a_clear_message(store: Store) -> None:
    open_2024(store)
    with pytest.raises(InputError, match="already exists"):
        open_2024(store)
    with pytest.raises(NotFoundError, match="Unknown country"):
        rounds.open_round(
            store, "x", year=2024, tables="S01", countries="XXX", deadline=DEADLINE, by="c"
        )
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        rounds.open_round(
            store, "x", year=2024, tables="S01", countries="KGZ", deadline="30.06.2099", by="c"
        )
    with pytest.raises(InputError, match="has passed"):
        rounds.open_round(
            store, "x", year=2024, tables="S01", countries="KGZ", deadline="2020-01-01", by="c"
        )
    with pytest.raises(InputError, match="round id"):
        rounds.open_round(
            store, "a b", year=2024, tables="S01", countries="KGZ", deadline=DEADLINE, by="c"
        )
    with pytest.raises(InputError, match="does not ask"):
        rounds.declare(store, "2024", country="KGZ", table="A01", reason="none", by="c")
    with pytest.raises(NotFoundError, match="no round 2023"):
        rounds.get(store, "2023")
    assert [r.id for r in rounds.listing(store)] == ["2024"]


def test_the_board_follows_the_submissions(store: Store) -> None:
    found = open_2024(store)
    subs = the_states(store)
    rounds.declare(
        store, "2024", country="ARM", table="F02", reason="No exit registration", by="armstat"
    )
    grid = board.board(store, rounds.get(store, "2024"), COORD, now=BEFORE_DEADLINE)
    assert found.tables == ["S01", "F01", "F02"]
    assert states(grid) == {
        "ARM": ["not_started", "not_started", "not_available"],
        "KAZ": ["submitted", "draft", "not_started"],
        "KGZ": ["accepted", "returned", "not_started"],
        "TJK": ["not_started", "not_started", "returned"],
    }
    assert grid.cells[("KGZ", "S01")].submission_id == subs["kgz_census"].id
    assert grid.cells[("ARM", "F02")].reason == "No exit registration"
    assert grid.counts == {
        "accepted": 1,
        "submitted": 1,
        "draft": 1,
        "returned": 2,
        "not_available": 1,
        "late": 0,
        "not_started": 6,
    }
    late = board.board(store, rounds.get(store, "2024"), COORD, now=AFTER_DEADLINE)
    assert states(late)["ARM"] == ["late", "late", "not_available"]
    assert states(late)["KAZ"] == ["submitted", "late", "late"]
    assert late.cells[("KGZ", "F01")].late and late.counts["late"] == 7


def test_a_reporter_sees_its_own_row_and_a_partner_none(store: Store) -> None:
    open_2024(store)
    the_states(store)
    found = rounds.get(store, "2024")
    reporter = Principal(user_id="aigul", roles=frozenset({"reporter"}), country="KGZ")
    assert board.board(store, found, reporter).countries == ["KGZ"]
    partner = Principal(user_id="pat", roles=frozenset({"partner"}), country="ARM")
    with pytest.raises(AccessDeniedError):
        board.board(store, found, partner)
    with pytest.raises(AccessDeniedError):
        board.board(store, found, Principal())


def test_a_closed_round_keeps_its_board_and_takes_no_declarations(store: Store) -> None:
    open_2024(store)
    the_states(store)
    closed = rounds.close(store, "2024", by="coord")
    assert not closed.open and closed.closed_by == "coord"
    with pytest.raises(InputError, match="closed"):
        rounds.declare(store, "2024", country="ARM", table="F02", reason="none", by="c")
    with pytest.raises(InputError, match="already closed"):
        rounds.close(store, "2024", by="coord")
    assert states(board.board(store, closed, COORD))["KGZ"] == [
        "accepted",
        "returned",
        "not_started",
    ]
    actions = [r.action for r in audit.records(store)]
    assert actions == [rounds.ROUND_OPEN, rounds.ROUND_CLOSE]
    assert audit.verify(store).ok


def test_the_command_line(store: Store, cli, tmp_path) -> None:
    url = str(store.url)
    people(store)
    code, out, err = cli(
        "--db",
        url,
        "rounds",
        "open",
        "2025",
        "--year",
        "2024",
        "--tables",
        "S01,F01",
        "--countries",
        "KGZ,KAZ",
        "--deadline",
        "2099-06-30",
        "--by",
        "coord",
    )
    assert code == 0, err
    assert "Round 2025 opened: 2024, S01,F01 from KAZ,KGZ, due 2099-06-30." in out
    the_states(store)
    code, out, err = cli(
        "--db", url, "rounds", "declare", "2025", "--country", "KAZ", "--table", "S01",
        "--reason", "Census postponed",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("--db", url, "rounds", "status", "2025")
    lines = out.splitlines()
    assert lines[1].split("\t") == ["country", "S01", "F01"]
    # declared after it was sent: the country withdraws it
    assert lines[2].split() == ["KAZ", "not_available", "draft"]
    assert lines[3].split() == ["KGZ", "accepted", "returned"]
    assert "KAZ S01: Census postponed" in out
    assert "accepted: 1; draft: 1; returned with findings: 1; declared not available: 1" in out
    code, out, _ = cli("--db", url, "rounds", "list")
    assert out.split("\t")[:3] == ["2025", "2024", "2099-06-30"]
    code, out, err = cli("--db", url, "--lang", "ru", "rounds", "status", "2024")
    assert code == 2 and "2024" in err
    code, out, err = cli("--db", url, "rounds", "close", "2025")
    assert code == 0 and "Round 2025 closed." in out
    assert "closed" in cli("--db", url, "rounds", "list")[1]


def test_one_country_is_asked_for_more(store: Store, cli) -> None:
    open_2024(store)
    found = rounds.expect(store, "2024", country="KGZ", tables="A01,S01", by="coord")
    assert found.expected["KGZ"] == ["S01", "F01", "F02", "A01"]
    assert found.expected["KAZ"] == ["S01", "F01", "F02"]
    assert found.tables == ["S01", "F01", "F02", "A01"]
    grid = board.board(store, found, COORD)
    assert grid.row("KAZ")[found.tables.index("A01")] is None
    assert grid.cells[("KGZ", "A01")].state == "not_started"
    code, out, err = cli("--db", str(store.url), "rounds", "expect", "2024", "--country", "kaz",
                         "--tables", "A01")  # fmt: skip
    assert code == 0, err
    assert "Round 2024 asks KAZ for S01,F01,F02,A01." in out
    expects = [r.details for r in audit.records(store) if r.action == rounds.ROUND_EXPECT]
    assert expects == [
        {"round": "2024", "country": "KGZ", "tables": ["A01"]},
        {"round": "2024", "country": "KAZ", "tables": ["A01"]},
    ]


def test_a_publishers_import_about_a_country_is_not_its_answer(store: Store) -> None:
    found = open_2024(store)
    submit(store, "ARM", stocks("ARM", "2024-01-01", 190_000, 101_000), provider="UN_DESA")
    assert board.board(store, found, COORD).cells[("ARM", "S01")].state == "not_started"
    submit(store, "ARM", stocks("ARM", "2024-01-01", 190_000, 101_000))
    assert board.board(store, found, COORD).cells[("ARM", "S01")].state == "accepted"
