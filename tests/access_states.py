"""A store holding Kyrgyzstan's S01 in every state the access matrix probes, one reference
date per state, the most restricted last (so a page showing only the latest date would show a
leak), each total a number found nowhere else; readers with API tokens; a clock to move.

- 2016 published, with a cell Kyrgyzstan marked confidential (Russian-born men) and the cells
  secondary suppression hid beside it;
- 2017 embargoed, the embargo over; 2018 embargoed, the embargo to come;
- 2019 released to partners (Kazakhstan, in an agreement on S01 with Kyrgyzstan);
- 2020 accepted, not released (internal); 2021 a draft, 2022 submitted (awaiting review),
  2023 returned with findings, 2024 signed off by Kyrgyzstan's approver and not yet accepted
  (stored, never data: only their country and the coordinator see them, on the submission's
  own pages).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from migstat.exchange import accounts, agreements, rounds, tokens
from migstat.exchange.release import release
from migstat.model import Dataset, Observation, SubmissionMetadata
from migstat.store import Store
from migstat.store import schema as S
from tests.release_data import START, Clock, open_store

PASSWORD = "correct horse battery staple 42"
COORDINATOR_TOKEN = "c" * 40

# state -> (reference year, total, men); women = total - men
STATES = {
    "published": (2016, 6_101_017.0, 3_011_029.0),
    "embargo_over": (2017, 6_202_023.0, 3_066_041.0),
    "embargoed": (2018, 6_303_031.0, 3_122_053.0),
    "partners": (2019, 6_404_043.0, 3_177_067.0),
    "internal": (2020, 6_505_057.0, 3_233_079.0),
    "draft": (2021, 6_606_061.0, 3_288_083.0),
    "submitted": (2022, 6_707_071.0, 3_344_089.0),
    "returned": (2023, 6_808_087.0, 3_399_097.0),
    "signed_off": (2024, 6_909_091.0, 3_455_101.0),
}
READER_OF = {"KGZ": "own", "KAZ": "partner", "TJK": "other"}
NOT_DATA = ("draft", "submitted", "returned", "signed_off")
"""States of submissions that are never data (``submission.status`` as the workflow sets it)."""
# the published year's breakdown by country of birth: RUS men confidential
RUS_MEN, RUS_WOMEN = 52_307.0, 66_311.0

# who may see each state's numbers
MAY_SEE = {
    "published": {"public", "other", "partner", "own", "coordinator"},
    "embargo_over": {"public", "other", "partner", "own", "coordinator"},
    "embargoed": {"partner", "own", "coordinator"},
    "partners": {"partner", "own", "coordinator"},
    "internal": {"own", "coordinator"},
    "draft": set(),
    "submitted": set(),
    "returned": set(),
    "signed_off": set(),
    "confidential": {"own", "coordinator"},
    "secondary": {"own", "coordinator"},
}
for _readers in MAY_SEE.values():
    if "own" in _readers:
        _readers.add("approver")  # Kyrgyzstan's approver reads what its country's reporter does


def rows(state: str) -> list[Observation]:
    year, total, men = STATES[state]
    period = f"{year}-01-01"
    cells = {
        ("_T", "_T", "_T"): (total, "F"),
        ("_T", "M", "_T"): (men, "F"),
        ("_T", "F", "_T"): (total - men, "F"),
    }
    if state == "published":
        cells.update(
            {
                ("KGZ", "_T", "_T"): (total - RUS_MEN - RUS_WOMEN, "F"),
                ("KGZ", "M", "_T"): (men - RUS_MEN, "F"),
                ("KGZ", "F", "_T"): (total - men - RUS_WOMEN, "F"),
                ("RUS", "_T", "_T"): (RUS_MEN + RUS_WOMEN, "F"),
                ("RUS", "M", "_T"): (RUS_MEN, "C"),
                ("RUS", "F", "_T"): (RUS_WOMEN, "F"),
            }
        )
    return [Observation("S01", "KGZ", period, k, v, "A", c) for k, (v, c) in cells.items()]


@dataclass
class World:
    store: Store
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)
    sentinels: dict[str, set[float]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    """The submission of each state."""


def _submit(store: Store, state: str, **options) -> int:
    year = STATES[state][0]
    data = Dataset(
        file_name=f"KGZ_{year}.xlsx",
        format="xlsx",
        provider="KGZ",
        observations=rows(state),
        metadata=SubmissionMetadata(country="KGZ", year=year),
    )
    raw = f"KGZ {state}".encode()
    return store.submit(data, raw, findings=[], release=None, **options).id


def build(url: str) -> World:
    clock = Clock(START)
    store = open_store(url, clock)
    world = World(store, clock)
    ids = {state: _submit(store, state) for state in STATES if state not in NOT_DATA}
    for state in NOT_DATA:
        sid = ids[state] = _submit(store, state)
        with store.writing() as conn:
            conn.execute(
                sa.update(S.submission).where(S.submission.c.id == sid).values(status=state)
            )
    agreements.add(store, "KGZ-KAZ", countries=["KGZ", "KAZ"], tables=["S01"], by="coord")
    (made,) = release(store, [ids["published"]], to="public", by="coord")
    assert made.suppressed > 0
    release(store, [ids["partners"]], to="partners", by="coord")
    for state, hours in (("embargo_over", 1), ("embargoed", 48)):
        release(
            store,
            [ids[state]],
            to="public",
            embargo_until=START + timedelta(hours=hours),
            by="coord",
        )
    clock.advance(hours=2)  # the first embargo is over, the second is not
    rounds.open_round(
        store,
        "2020",
        year=2020,
        tables=["S01"],
        countries=["KGZ", "KAZ"],
        deadline="2025-06-30",
        by="coord",
        now=clock.now,
    )
    for login, role, country in (
        ("kgz.reporter", "reporter", "KGZ"),
        ("kgz.approver", "approver", "KGZ"),
        ("kaz.partner", "partner", "KAZ"),
        ("tjk.partner", "partner", "TJK"),
    ):
        accounts.add(store, login, role, PASSWORD, country=country, by="coord")
        issued = tokens.issue(store, login, by="coord", now=clock.now)
        world.tokens["approver" if role == "approver" else READER_OF[country]] = issued.token
    world.tokens["coordinator"] = COORDINATOR_TOKEN
    world.ids = ids
    world.sentinels = {
        state: {total, men, total - men} for state, (_, total, men) in STATES.items()
    }
    world.sentinels["confidential"] = {RUS_MEN}
    world.sentinels["secondary"] = _secondary(store)
    return world


def _secondary(store: Store) -> set[float]:
    ob, sc = S.observation, S.suppressed_cell
    stmt = sa.select(ob.c.value).join(sc, sc.c.observation_id == ob.c.id)
    with store.reading() as conn:
        return {v for (v,) in conn.execute(stmt)}


def renderings(value: float) -> set[str]:
    """The ways a page or a file may write ``value``: plain, with separators, as a float."""
    n = int(value)
    plain = str(n)
    grouped = f"{n:,}"
    out = {plain, grouped, f"{value:.1f}"}
    for sep in (" ", "\u00a0", "\u202f", "\u2009"):
        out.add(grouped.replace(",", sep))
    return out


def text_of(content: bytes, media_type: str) -> str:
    """An answer's text; a workbook's cell values; a PDF's text as a reader extracts it."""
    if content[:5] == b"%PDF-":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if "spreadsheet" in media_type or content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return content.decode("utf-8", "replace")


def found(text: str, world: World) -> set[str]:
    """Which states' numbers ``text`` shows."""
    return {
        state
        for state, values in world.sentinels.items()
        if any(r in text for v in values for r in renderings(v))
    }
