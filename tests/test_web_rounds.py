"""Reporting rounds in the portal: the coordinator's board and form, a reporter's own row, the
declaration form, the prefilled questionnaire, notifications, and refusals."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

from migstat.exchange import audit, board, notify, rounds, totp
from migstat.formats.questionnaire import read_questionnaire
from migstat.store import Store
from tests.rounds_data import OPENED, PASSWORD, open_2024, people, the_states
from tests.test_web_signin import T0, Clock, attempt, client


@pytest.fixture
def opened(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as store:
        people(store)
        totp.enrol(store, "coord", by="test", now=OPENED)
        yield store


def signed_in(store: Store, login: str) -> TestClient:
    web = client(store, Clock())
    answer = attempt(web, login, PASSWORD)
    assert answer.status_code == 303, answer.text
    return web


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF field"
    return found.group(1)


def cells(html: str) -> dict[tuple[str, str], str]:
    found = {}
    for row in re.findall(r'<tr id="row-(\w+)">(.*?)</tr>', html, re.S):
        for table, state in re.findall(r'data-table="(\w+)" data-state="(\w+)"', row[1]):
            found[(row[0], table)] = state
    return found


def test_the_coordinator_opens_a_round_and_reads_the_board(opened: Store) -> None:
    web = signed_in(opened, "coord")
    page = web.get("/rounds?lang=en")
    assert page.status_code == 200 and 'id="open-round"' in page.text
    token = csrf(page.text)
    data = {
        "csrf": token,
        "id": "2024",
        "year": "2024",
        "deadline": "2099-06-30",
        "countries": "KGZ, KAZ,TJK,ARM",
        "tables": ["S01", "F01", "F02"],
    }
    answer = web.post("/rounds?lang=en", data=data, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/rounds/2024?lang=en"
    the_states(opened)
    html = web.get("/rounds/2024?lang=en").text
    found = cells(html)
    assert found[("KGZ", "S01")] == "accepted" and found[("KGZ", "F01")] == "returned"
    assert found[("KAZ", "S01")] == "submitted" and found[("TJK", "F02")] == "returned"
    assert found[("ARM", "S01")] == "not_started" and len(found) == 12
    assert '<b data-count="accepted">1</b>' in html and '<b data-count="returned">2</b>' in html
    ru = web.get("/rounds/2024?lang=ru").text
    assert "Раунд 2024" in ru and "возвращено с замечаниями" in ru
    listing = web.get("/rounds?lang=en").text
    assert 'id="round-2024"' in listing
    # the same id again: a clear 400 on the page, nothing stored twice
    again = web.post("/rounds?lang=en", data=data, follow_redirects=False)
    assert again.status_code == 400 and "A round 2024 already exists." in again.text
    opens = [r for r in audit.records(opened) if r.action == rounds.ROUND_OPEN]
    assert [(r.actor, r.details["tables"]) for r in opens] == [("coord", ["S01", "F01", "F02"])]


def test_a_form_without_its_csrf_token_changes_nothing(opened: Store) -> None:
    web = signed_in(opened, "coord")
    data = {"id": "2024", "year": "2024", "deadline": "2099-06-30", "countries": "KGZ"}
    answer = web.post("/rounds?lang=en", data={**data, "tables": "S01"})
    assert answer.status_code == 403 and "did not come from this site" in answer.text
    assert rounds.listing(opened) == []


def test_a_reporter_sees_its_row_declares_and_downloads(opened: Store) -> None:
    open_2024(opened)
    the_states(opened)
    web = signed_in(opened, "aigul")
    html = web.get("/rounds/2024?lang=en").text
    assert set(cells(html)) == {("KGZ", "F01"), ("KGZ", "F02"), ("KGZ", "S01")}
    assert 'id="close-round"' not in html and 'id="open-round"' not in web.get("/rounds").text
    answer = web.post(
        "/rounds/2024/declare?lang=en",
        data={"csrf": csrf(html), "country": "KGZ", "table": "F02", "reason": "No exit data"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert cells(web.get("/rounds/2024").text)[("KGZ", "F02")] == "not_available"
    # another country's table: refused, recorded, nothing declared
    other = web.post(
        "/rounds/2024/declare?lang=en",
        data={"csrf": csrf(html), "country": "KAZ", "table": "F02", "reason": "x"},
    )
    assert other.status_code == 403
    assert [(d.country, d.table) for d in rounds.get(opened, "2024").declarations] == [
        ("KGZ", "F02")
    ]
    assert web.get("/rounds/2024/questionnaire?country=KAZ").status_code == 403
    download = web.get("/rounds/2024/questionnaire?country=KGZ")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True)
    assert {"S01", "F01", "F02"} <= set(book.sheetnames)
    book.close()


def test_the_questionnaire_is_prefilled_with_the_latest_accepted_values(
    opened: Store, tmp_path
) -> None:
    open_2024(opened)
    the_states(opened)
    web = signed_in(opened, "aigul")
    download = web.get("/rounds/2024/questionnaire")
    path = tmp_path / "kgz.xlsx"
    path.write_bytes(download.content)
    dataset = read_questionnaire(path, registry=opened.registry)
    values = {(o.table, o.key): o.value for o in dataset.observations if o.value is not None}
    # the census of 2022 (accepted) is the starting point; the returned F01 is not
    assert values[("S01", ("_T", "_T", "_T"))] == 212_000
    assert values[("S01", ("_T", "F", "_T"))] == 118_000
    assert values[("S01", ("_T", "M", "_T"))] == 94_000
    assert not [k for k in values if k[0] != "S01"]
    record = next(r for r in audit.records(opened) if r.action == "round.questionnaire")
    assert record.actor == "aigul" and record.details["prefilled"] == {"S01": "2022-03-25"}


def test_who_may_not_see_rounds_gets_403(opened: Store) -> None:
    open_2024(opened)
    public = client(opened, Clock())
    assert public.get("/rounds").status_code == 403
    assert public.get("/rounds/2024").status_code == 403
    assert public.get("/rounds/2024/questionnaire?country=KGZ").status_code == 403
    partner = signed_in(opened, "pat")
    assert partner.get("/rounds/2024").status_code == 403
    assert partner.get("/rounds/2025?lang=ru").status_code == 404
    denied = [r for r in audit.records(opened) if r.action == audit.ACCESS_DENIED]
    assert len(denied) == 4


def test_notifications_are_shown_with_a_count_and_marked_read(opened: Store) -> None:
    open_2024(opened)
    the_states(opened)
    done = notify.remind(opened, days=7, now=T0)
    # KGZ's reporter and approver each: F01 returned; TJK has no account; KAZ: nothing returned
    assert done.created == 2
    web = signed_in(opened, "aigul")
    assert '<span class="badge" id="unread">1</span>' in web.get("/rounds/2024").text
    page = web.get("/notifications?lang=en").text
    assert 'class="unread" data-kind="returned"' in page
    assert "Round 2024: submission" in page and "(F01) was returned with findings" in page
    assert '<span class="badge" id="unread">0</span>' in web.get("/rounds/2024").text
    ru = web.get("/notifications?lang=ru").text
    assert "возвращено с замечаниями" in ru
    assert board.RETURNED in [n.kind for n in notify.for_account(opened, 2)]


def statuses(html: str, country: str) -> dict[tuple[str, str], str]:
    row = re.search(rf'<tr data-country="{country}">(.*?)</tr>', html, re.S)
    assert row, f"no row of {country}"
    return {
        (t, y): s
        for t, y, s in re.findall(
            r'data-table="(\w+)" data-year="(\d+)" data-status="(\w+)"', row.group(1)
        )
    }


def test_availability_follows_rounds_and_shows_returns(opened: Store) -> None:
    open_2024(opened)
    the_states(opened)
    rounds.declare(opened, "2024", country="ARM", table="F02", reason="No exit data", by="arm")
    public = client(opened, Clock())
    asked = "/availability?tables=S01&tables=F01&tables=F02&start=2021&end=2024&lang=en"
    kgz = statuses(public.get(asked).text, "KGZ")
    # by reference date: the census is 2022's (a total and sex only: partial); a returned
    # submission is the country's and the coordinator's business, not the public's
    assert kgz[("S01", "2022")] == "partial" and kgz[("S01", "2024")] == "missing"
    assert kgz[("F01", "2024")] == "missing" and kgz[("F01", "2023")] == "missing"
    assert public.get(asked + "&round=2024").status_code == 403
    web = signed_in(opened, "coord")
    # for the coordinator the returned F01 of 2024 is not "missing"
    kgz = statuses(web.get(asked).text, "KGZ")
    assert kgz[("F01", "2024")] == "returned" and kgz[("F01", "2023")] == "missing"
    assert statuses(web.get(asked).text, "TJK")[("F02", "2024")] == "returned"
    html = web.get(asked + "&round=2024").text
    assert 'id="round-view"' in html
    kgz = statuses(html, "KGZ")
    # by the round: the 2022 census sent in the 2024 round provides its 2024 column
    assert kgz[("S01", "2024")] == "partial" and kgz[("S01", "2022")] == "partial"
    assert kgz[("F01", "2024")] == "returned"
    assert statuses(html, "ARM")[("F02", "2024")] == "not_available"
    kaz = statuses(html, "KAZ")
    assert kaz[("S01", "2024")] == "submitted"
    assert kaz[("F01", "2024")] == "draft"
    assert web.get(asked + "&round=1999").status_code == 404


def test_the_country_profile_follows_rounds(opened: Store) -> None:
    open_2024(opened)
    the_states(opened)
    public = client(opened, Clock()).get("/country/KGZ?lang=en").text
    assert 'id="country-rounds"' not in public
    assert 'data-status="returned"' not in public  # the workflow is not the public's
    mine = signed_in(opened, "aigul").get("/country/KGZ?lang=ru").text
    assert 'data-status="returned"' in mine
    found = re.search(r'<table class="board" id="country-rounds">(.*?)</table>', mine, re.S)
    assert found, "the reporter sees no rounds on its country's profile"
    states = dict(re.findall(r'data-table="(\w+)" data-state="(\w+)"', found.group(1)))
    assert states == {"F01": "returned", "F02": "not_started", "S01": "accepted"}
    assert "S01: принято" in found.group(1) or "S01: " in found.group(1)
    other = signed_in(opened, "dana@stat.kz").get("/country/KGZ?lang=en").text
    assert 'id="country-rounds"' not in other
