"""Releases and sharing agreements in the portal, as the command line does them.

Kyrgyzstan's and Kazakhstan's S01 on 1 January 2021 are accepted, not released. The
coordinator releases Kyrgyzstan's from its page to the public under embargo, both countries'
together from the release calendar to partners, withdraws one; adds and removes an agreement.
A reporter is refused every form with a 403 in its language and an audit record, and nothing
changes; a member sees the agreements it is in, a country outside them sees none.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from migstat.exchange import accounts, agreements, audit, release, totp
from migstat.store import Store
from migstat.store.access import EMBARGOED, PARTNERS, WITHDRAWN
from tests.release_data import FREE_ROWS, KAZ_ROWS, submit
from tests.test_exchange_workflow import signed_in
from tests.test_web_signin import PASSWORD, T0

LATER = "2030-06-30T08:00"


@pytest.fixture
def opened(db_url: str) -> Iterator[tuple[Store, int, int]]:
    with Store.open(db_url) as store:
        before = T0 - timedelta(days=1)
        for login, role, country in (
            ("coord", "coordinator", None),
            ("aigul", "reporter", "KGZ"),
            ("dana", "partner", "KAZ"),
            ("tahmina", "partner", "TJK"),
        ):
            accounts.add(store, login, role, PASSWORD, country=country, by="test", now=before)
        totp.enrol(store, "coord", by="test", now=before)
        kgz = submit(store, "KGZ", FREE_ROWS, release=None).id
        kaz = submit(store, "KAZ", KAZ_ROWS, release=None).id
        yield store, kgz, kaz


def actions(store: Store) -> list[str]:
    return [r.action for r in audit.records(store)]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_coordinator_releases_and_withdraws(opened, lang: str) -> None:
    store, kgz, kaz = opened
    web, csrf = signed_in(store, "coord", lang)
    page = web.get(f"/submissions/{kgz}?lang={lang}")
    assert 'id="release-form"' in page.text and 'id="internal"' in page.text
    answer = web.post(
        f"/releases?lang={lang}",
        data={
            "csrf": csrf,
            "submission": str(kgz),
            "to": "public",
            "embargo_until": LATER,
            "back": "submission",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        f"/submissions/{kgz}"
    )
    [made] = release.releases(store, submission_id=kgz)
    assert (made.state, made.embargo_until) == (EMBARGOED, datetime(2030, 6, 30, 8, 0, tzinfo=UTC))
    assert made.released_by == "coord"
    record = [r for r in audit.records(store) if r.action == release.RELEASE][-1]
    assert record.actor == "coord" and record.details["embargo_until"] == "2030-06-30T08:00:00Z"
    page = web.get(f"/submissions/{kgz}?lang={lang}").text
    assert "2030-06-30 08:00" in page[page.index('id="releases"') :]
    # both sides of a corridor at once, to partners, from the calendar
    assert 'id="release-form"' in web.get(f"/releases?lang={lang}").text
    answer = web.post(
        f"/releases?lang={lang}",
        data={"csrf": csrf, "submission": f"{kgz}, {kaz}", "to": "partners"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/releases")
    assert release.releases(store, submission_id=kaz)[-1].state == PARTNERS
    assert release.releases(store, submission_id=kgz)[-1].state == PARTNERS
    answer = web.post(
        f"/releases?lang={lang}",
        data={"csrf": csrf, "submission": str(kaz), "to": "withdraw"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert release.releases(store, submission_id=kaz)[-1].state == WITHDRAWN
    assert actions(store).count(release.RELEASE) == 3


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "has passed"), ("ru", "прошло")],
)
def test_a_bad_release_form_says_what_to_do(opened, lang: str, said: str) -> None:
    store, kgz, _kaz = opened
    web, csrf = signed_in(store, "coord", lang)
    base = {"csrf": csrf, "submission": str(kgz), "to": "public"}
    answer = web.post(f"/releases?lang={lang}", data={**base, "embargo_until": "2020-01-01T08:00"})
    assert answer.status_code == 400 and said in answer.text
    answer = web.post(f"/releases?lang={lang}", data={**base, "embargo_until": "tomorrow"})
    assert answer.status_code == 400 and "2025-06-30T08:00" in answer.text
    answer = web.post(f"/releases?lang={lang}", data={**base, "submission": "12a"})
    assert answer.status_code == 400 and "12a" in answer.text
    assert release.releases(store, submission_id=kgz) == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Only the coordinator may"), ("ru", "Только координатор")],
)
def test_a_reporter_is_refused_every_form(opened, lang: str, said: str) -> None:
    store, kgz, _kaz = opened
    web, csrf = signed_in(store, "aigul", lang)
    before = len(actions(store))
    forms = {
        "/releases": {"submission": str(kgz), "to": "public"},
        "/agreements": {"name": "mine", "countries": "KGZ, KAZ", "tables": "S01"},
        "/agreements/remove": {"name": "KGZ-KAZ"},
    }
    for path, data in forms.items():
        answer = web.post(f"{path}?lang={lang}", data={"csrf": csrf, **data})
        assert answer.status_code == 403, (path, answer.text[:500])
        assert said in answer.text
    denied = [r for r in list(audit.records(store))[before:] if r.action == audit.ACCESS_DENIED]
    assert [r.details["path"] for r in denied] == list(forms)
    assert all(r.actor == "aigul" for r in denied)
    assert release.releases(store, submission_id=kgz) == []
    assert agreements.agreements(store) == []
    # the coordinator without the form's CSRF token is refused too
    coord, _csrf = signed_in(store, "coord", lang)
    answer = coord.post(f"/releases?lang={lang}", data={"submission": str(kgz), "to": "public"})
    assert answer.status_code == 403 and release.releases(store, submission_id=kgz) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_agreements_in_the_portal(opened, lang: str) -> None:
    store, _kgz, _kaz = opened
    web, csrf = signed_in(store, "coord", lang)
    answer = web.post(
        f"/agreements?lang={lang}",
        data={
            "csrf": csrf,
            "name": "Central Asia S01",
            "countries": "kgz, KAZ",
            "tables": "S01",
            "reciprocal": "on",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    [made] = agreements.agreements(store)
    assert (made.name, made.countries, made.tables, made.reciprocal) == (
        "Central Asia S01",
        ("KAZ", "KGZ"),
        ("S01",),
        True,
    )
    page = web.get(f"/agreements?lang={lang}").text
    assert "Central Asia S01" in page and 'id="add-agreement"' in page
    bad = web.post(
        f"/agreements?lang={lang}",
        data={"csrf": csrf, "name": "alone", "countries": "KGZ", "tables": "S01"},
    )
    assert bad.status_code == 400 and 'id="error"' in bad.text
    # a member sees it (no form), a country outside it does not, the public must sign in
    member, _ = signed_in(store, "dana", lang)
    page = member.get(f"/agreements?lang={lang}").text
    assert "Central Asia S01" in page and 'id="add-agreement"' not in page
    outside, _ = signed_in(store, "tahmina", lang)
    assert "Central Asia S01" not in outside.get(f"/agreements?lang={lang}").text
    assert web.__class__(web.app).get("/agreements").status_code == 401
    answer = web.post(
        f"/agreements/remove?lang={lang}",
        data={"csrf": csrf, "name": made.name},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert agreements.agreements(store) == []
    changes = [a for a in actions(store) if a.startswith("agreement.")]
    assert changes == [agreements.AGREEMENT_ADD, agreements.AGREEMENT_REMOVE]


NAMES = ("KGZ/KAZ F01", "../S01", "a?b#c%2F d&e", "Центральная Азия / S01")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_agreement_names_with_url_characters_are_removed_from_their_page(opened, lang) -> None:
    """Each remove button of the page, as a browser sends it, removes its own agreement and
    no other, whatever characters the name holds."""
    store, _kgz, _kaz = opened
    web, csrf = signed_in(store, "coord", lang)
    for name in NAMES:
        answer = web.post(
            f"/agreements?lang={lang}",
            data={"csrf": csrf, "name": name, "countries": "KGZ, KAZ", "tables": "F01"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text[:500]
    assert sorted(a.name for a in agreements.agreements(store)) == sorted(NAMES)
    for name in NAMES:
        page = web.get(f"/agreements?lang={lang}").text
        buttons = re.findall(
            r'<form method="post" action="([^"]+)" class="remove-agreement">'
            r'<input type="hidden" name="csrf" value="([^"]*)">'
            r'<input type="hidden" name="name" value="([^"]*)">',
            page,
        )
        assert len(buttons) == len(agreements.agreements(store))
        action, token, shown = next(b for b in buttons if html.unescape(b[2]) == name)
        answer = web.post(
            html.unescape(action),
            data={"csrf": html.unescape(token), "name": html.unescape(shown)},
            follow_redirects=True,
        )
        assert answer.status_code == 200 and 'id="done"' in answer.text
        assert name not in [a.name for a in agreements.agreements(store)]
    assert agreements.agreements(store) == []
    removed = [r.details["name"] for r in audit.records(store) if r.action == "agreement.remove"]
    assert removed == list(NAMES)


@pytest.mark.parametrize(
    ("lang", "tick", "no_table"),
    [("en", "Tick at least one table", "has no table"), ("ru", "Отметьте хотя бы", "нет таблицы")],
)
def test_the_coordinator_chooses_the_tables_of_each_submission(
    opened, lang: str, tick: str, no_table: str
) -> None:
    store, kgz, kaz = opened
    web, csrf = signed_in(store, "coord", lang)
    page = web.get(f"/releases?lang={lang}&choose={kgz},{kaz}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for sid in (kgz, kaz):
        assert f'id="tables-{sid}"' in page.text
        assert f'name="table" value="{sid}:S01" checked' in page.text
    assert f'name="submission" value="{kgz},{kaz}"' in page.text
    missing = web.get(f"/releases?lang={lang}&choose={kgz},999")
    assert missing.status_code == 400 and "999" in missing.text and 'id="error"' in missing.text
    base = {"csrf": csrf, "submission": f"{kgz},{kaz}", "to": "partners"}
    answer = web.post(f"/releases?lang={lang}", data={**base, "table": [f"{kgz}:S01"]})
    assert answer.status_code == 400 and tick in answer.text and str(kaz) in answer.text
    answer = web.post(
        f"/releases?lang={lang}", data={**base, "table": [f"{kgz}:S01", f"{kaz}:F09"]}
    )
    assert answer.status_code == 400 and no_table in answer.text and "F09" in answer.text
    assert release.releases(store, submission_id=kgz) == []
    # every table ticked: each submission is released whole, both in one audit record
    answer = web.post(
        f"/releases?lang={lang}",
        data={**base, "table": [f"{kgz}:S01", f"{kaz}:S01"]},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    for sid in (kgz, kaz):
        [made] = release.releases(store, submission_id=sid)
        assert (made.state, made.table) == (PARTNERS, None)
    [record] = [r for r in audit.records(store) if r.action == release.RELEASE]
    assert record.details["submissions"] == [kgz, kaz]
