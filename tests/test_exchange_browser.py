"""The whole exchange in Debian's Chromium, in English and in Russian.

A reporter of Kyrgyzstan signs in, checks a questionnaire whose F03 total is damaged and
reads the findings, submits the corrected file and explains its mirror warning (Kazakhstan
reports 1,383 emigrants to Kyrgyzstan, Kyrgyzstan 214 immigrants from Kazakhstan); the approver
signs off; the coordinator, with the code of the second factor, sees the mirror comparison and
accepts. On the release calendar's form it names both sides of the corridor (Kyrgyzstan's
submission and Kazakhstan's, accepted but not released), ticks Kyrgyzstan's F01 and
Kazakhstan's F02 only, and releases them to partners with a public embargo three days ahead;
the calendar announces it. Kazakhstan's partner, under a reciprocal agreement on F01, reads the
numbers; the public does not, a second before the embargo ends, and does at its time, both
sides at once, while Kyrgyzstan's F02, not ticked, stays hidden (the app's and the store's
clock is the test's). The header shows each account its login and, to the reporter, the
rounds board; the partner has none.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from migstat import api
from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.exchange import accounts, agreements, release, totp, workflow
from migstat.store import Store
from migstat.store.access import AccessPolicy
from migstat.web.app import create_app
from tests.browser import shot
from tests.liveserver import serving
from tests.release_data import COORDINATOR
from tests.test_exchange_workflow import F03_CELL
from tests.test_web_signin import PASSWORD, T0, Clock, code_for

PARTNER = "KAZ"
# F01 of Kyrgyzstan: immigrants from Kazakhstan, long-term, both sexes, all ages
F01_KAZ = ("KAZ", "LT", "_T", "_T")
WORDS = {
    "en": {
        "check": "2 errors, 0 warnings. Nothing was stored.",
        "state": "accepted",
        "signed": "signed off",
    },
    "ru": {
        "check": "Ошибок: 2, предупреждений: 0. Ничего не сохранено.",
        "state": "принято",
        "signed": "утверждено",
    },
}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """KAZ's questionnaire, KGZ's with a damaged cell (F03 RUS long-term men + 10, its totals
    not), and KGZ's correct one."""
    folder = tmp_path_factory.mktemp("books")
    wrong = consistent_dataset("KGZ", 2024)
    for obs in wrong.observations:
        if obs.table == "F03" and obs.key == F03_CELL:
            obs.value += 10
    return {
        "kaz": write_workbook(folder / "KAZ_2024.xlsx", consistent_dataset("KAZ", 2024)),
        "bad": write_workbook(folder / "KGZ_2024_draft.xlsx", wrong),
        "good": write_workbook(folder / "KGZ_2024.xlsx", consistent_dataset("KGZ", 2024)),
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, books: dict[str, Path], clock: Clock) -> Iterator[Any]:
    """Accounts of the four roles, Kazakhstan's data published, and a reciprocal agreement
    of Kazakhstan and Kyrgyzstan on F01; the store's embargoes go by the test's clock."""
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}", policy=AccessPolicy(clock=clock))
    before = T0 - timedelta(days=1)
    for login, role, country in (
        ("coord", "coordinator", None),
        ("aigul", "reporter", "KGZ"),
        ("bakyt", "approver", "KGZ"),
        ("dana", "partner", PARTNER),
    ):
        accounts.add(store, login, role, PASSWORD, country=country, by="test", now=before)
    totp.enrol(store, "coord", by="test", now=before)
    # accepted, not released: the other side of the corridor
    api.submit_file(store, books["kaz"], country=PARTNER, release=None)
    agreements.add(
        store, "Central Asia", countries=["KAZ", "KGZ"], tables=["F01"], reciprocal=True, by="test"
    )
    yield create_app(store=store, clock=clock)
    store.close()


@pytest.fixture
def base_url(app: Any) -> Iterator[str]:
    """This test's app on a real server (one store per language)."""
    with serving(app) as url:
        yield url


@contextmanager
def person(browser: Any, app: Any, base_url: str, login: str | None, lang: str) -> Iterator[Any]:
    """A browser of its own (its own cookies), signed in as ``login`` (``None``: the public);
    afterwards, no script error in it."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    if login is not None:
        tab.goto(f"{base_url}/signin?next=/submit&lang={lang}")
        tab.fill("#login", login)
        tab.fill("#password", PASSWORD)
        store = app.state.store
        tab.fill("#code", code_for(store, login, app.state.clock()))
        tab.click("#signin-account button[type=submit]")
        tab.wait_for_url(f"**/submit?lang={lang}")
    try:
        yield tab
    finally:
        context.close()
    assert not errors, errors


def wait_for_state(tab: Any, name: str) -> None:
    """Wait until the submission's page, loaded again, names the state ``name``."""
    tab.wait_for_function(
        "s => document.querySelector('#state strong').innerText.toLowerCase() === s", arg=name
    )


def f01(tab: Any, base_url: str, lang: str) -> dict[tuple[str, ...], str]:
    """Kyrgyzstan's F01 for 2024 as ``tab``'s reader downloads it: key -> value."""
    rows = download(tab, base_url, lang, "F01", "KGZ")
    keys = ("COUNTRY_PREV_RES", "DURATION", "SEX", "AGE")
    return {tuple(r.get(k, "") for k in keys): r["OBS_VALUE"] for r in rows}


def download(tab: Any, base_url: str, lang: str, table: str, area: str) -> list[dict[str, str]]:
    """A country's table for 2024 as ``tab``'s reader downloads it, row by row."""
    answer = tab.request.get(
        f"{base_url}/download/{table}.csv?REF_AREA={area}&start=2024&end=2024&lang={lang}"
    )
    assert answer.ok, answer.text()[:500]
    return [r for r in csv.DictReader(io.StringIO(answer.text())) if r]


def release_on_the_form(tab: Any, base_url: str, lang: str, ticked: dict[int, str], until) -> None:
    """The coordinator's release form on the calendar: both submissions named, only the
    ``ticked`` table of each kept, to partners then the public at ``until``."""
    tab.goto(f"{base_url}/releases?lang={lang}")
    tab.fill("#choose-tables input[name=choose]", ", ".join(str(sid) for sid in ticked))
    tab.click("#choose-tables button[type=submit]")
    tab.wait_for_selector("#release-form fieldset.release-tables")
    for box in tab.locator("#release-form input[name=table]").all():
        sid, _, table = box.get_attribute("value").partition(":")
        box.set_checked(ticked[int(sid)] == table)
    tab.select_option("#release-form select[name=to]", "public")
    tab.fill("#release-form input[name=embargo_until]", f"{until:%Y-%m-%dT%H:%M}")
    tab.fill("#release-form input[name=note]", "both sides of KAZ-KGZ")
    tab.click("#release-form button[type=submit]")
    tab.wait_for_url(f"**/releases?lang={lang}")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_exchange_from_upload_to_embargoed_release(
    app: Any, browser: Any, base_url: str, books: dict[str, Path], clock: Clock, lang: str
) -> None:
    store: Store = app.state.store
    words = WORDS[lang]

    with person(browser, app, base_url, "aigul", lang) as reporter:
        # the damaged file, checked only: the findings to the cell, nothing stored
        reporter.set_input_files("#u-file", str(books["bad"]))
        reporter.click("#upload button[value=check]")
        reporter.wait_for_selector("#check-summary")
        assert reporter.inner_text("#check-summary") == words["check"]
        errors = reporter.locator("#findings tr.finding-error")
        assert errors.count() == 2 and "F03!" in errors.first.inner_text()
        assert store.submissions() == [s for s in store.submissions() if s.country == PARTNER]
        shot(reporter, f"exchange-findings-{lang}")

        # the corrected file, submitted: its page, with the mirror warning to explain
        reporter.set_input_files("#u-file", str(books["good"]))
        reporter.fill("#u-note", "F03 corrected")
        reporter.click("#upload button[value=submit]")
        reporter.wait_for_url(re.compile(r".*/submissions/\d+\?lang=" + lang), timeout=60_000)
        sid = int(re.search(r"/submissions/(\d+)", reporter.url).group(1))
        warning = reporter.locator("#findings tr.finding-warning").filter(has_text="KAZ")
        assert "214" in warning.inner_text() and "383" in warning.inner_text()
        explanation = "Arrivals from KAZ are counted after 12 months only."
        warning.locator("textarea[name=text]").fill(explanation)
        warning.locator("button[type=submit]").click()
        reporter.wait_for_selector(f"text={explanation}")
        shot(reporter, f"exchange-explained-{lang}")
        # the header: the account and its rounds board
        assert reporter.inner_text("#account-login") == "aigul"
        assert reporter.get_attribute("#account-rounds", "href") == f"/rounds?lang={lang}"
    assert store.submission(sid).status == workflow.SUBMITTED

    with person(browser, app, base_url, "bakyt", lang) as approver:
        approver.goto(f"{base_url}/submissions/{sid}?lang={lang}")
        approver.fill("#sign-off input[name=note]", "checked")
        approver.click("#sign-off button[type=submit]")
        wait_for_state(approver, words["signed"])

    with person(browser, app, base_url, "coord", lang) as coordinator:
        coordinator.goto(f"{base_url}/submissions/{sid}?lang={lang}")
        mirror = coordinator.locator("#mirror tr.finding-warning").filter(has_text="KAZ")
        assert "6.5" in mirror.inner_text()
        assert explanation in coordinator.inner_text("#findings")
        coordinator.click("#accept button[type=submit]")
        wait_for_state(coordinator, words["state"])
        until = (clock.now + timedelta(days=3)).replace(second=0, microsecond=0)
        [kaz] = [s.id for s in store.submissions(country=PARTNER, principal=COORDINATOR)]
        release_on_the_form(coordinator, base_url, lang, {sid: "F01", kaz: "F02"}, until)
        assert f"{until:%Y-%m-%d %H:%M}" in coordinator.inner_text("#upcoming")
        shot(coordinator, f"exchange-releases-{lang}")
    made = {(r.submission_id, r.table, r.state) for r in release.releases(store)}
    assert made == {(sid, "F01", "embargoed"), (kaz, "F02", "embargoed")}

    expected = consistent_dataset("KGZ", 2024)
    value = next(o.value for o in expected.observations if o.table == "F01" and o.key == F01_KAZ)
    with person(browser, app, base_url, "dana", lang) as partner:
        seen = f01(partner, base_url, lang)
        assert float(seen[F01_KAZ]) == value and len(seen) > 100
        partner.wait_for_selector("#account-login")
        assert partner.inner_text("#account-login") == "dana"
        assert partner.locator("#account-rounds").count() == 0

    with person(browser, app, base_url, None, lang) as public:
        clock.now = until - timedelta(seconds=1)
        assert f01(public, base_url, lang) == {}
        assert download(public, base_url, lang, "F02", PARTNER) == []
        clock.now = until
        assert f01(public, base_url, lang) == seen
        assert len(download(public, base_url, lang, "F02", PARTNER)) > 100
        assert download(public, base_url, lang, "F02", "KGZ") == []  # not ticked
        public.goto(f"{base_url}/releases?lang={lang}")
        assert public.get_attribute("#account-signin", "href") == f"/signin?lang={lang}"
        assert "F01" in public.inner_text("#released")
