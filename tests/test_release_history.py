"""The release history: nothing is deleted, so every state a submission's release went
through, with its time, stays readable to those entitled (the coordinator, the submitting
country's reporters and approvers), also as it stood at any moment (``as_of``); a withdrawal
takes the data away from partners and the public, ``as_of`` included. On both databases,
through the store, the command line and the portal."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from migstat.exchange import audit
from migstat.exchange.release import release
from migstat.store.access import EMBARGOED, PUBLISHED, WITHDRAWN, AccessDeniedError
from migstat.store.records import ObservationQuery
from tests.release_data import (
    COORDINATOR,
    FREE_ROWS,
    KAZ,
    KAZ_ROWS,
    KGZ,
    PUBLIC,
    START,
    TJK,
    Clock,
    open_store,
    submit,
)
from tests.test_exchange_workflow import client, signed_in
from tests.test_portal_release import opened  # noqa: F401  (the fixture)

KGZ_S01 = ObservationQuery("S01", ref_areas=["KGZ"])
HOUR = timedelta(hours=1)


def test_a_withdrawal_is_one_more_state_and_takes_the_data_from_the_public(db_url: str) -> None:
    clock = Clock()
    with open_store(db_url, clock) as store:
        kgz = submit(store, "KGZ", FREE_ROWS, release=None).id
        kaz = submit(store, "KAZ", KAZ_ROWS, release=None).id
        stored = datetime.now(UTC)  # the vintage's time: data read "as of" now are these
        release(store, [kgz], to="public", by="coord")
        release(store, [kaz], to="public", embargo_until=START + 48 * HOUR, by="coord")
        clock.advance(hours=24)
        release(store, [kgz], withdraw=True, by="coord", note="wrong age groups")
        clock.advance(hours=48)
        published = START + HOUR
        # the data: the public and partners read nothing of a withdrawn release, whatever
        # moment they ask for; the country and the coordinator still read all of it
        for who in (PUBLIC, KAZ, TJK):
            assert list(store.read(KGZ_S01, principal=who, as_of=stored)) == []
        for who in (KGZ, COORDINATOR):
            total = {o.key: o.value for o in store.read(KGZ_S01, principal=who, as_of=stored)}
            assert total[("_T", "_T", "_T")] == 6_636_800.0
        # the history: every state, oldest first, the withdrawal one more
        every = store.release_history(COORDINATOR)
        assert [(s.submission_id, s.state) for s in every] == [
            (kgz, PUBLISHED),
            (kaz, EMBARGOED),
            (kgz, WITHDRAWN),
        ]
        assert every[-1].note == "wrong age groups" and every[-1].released_at == START + 24 * HOUR

        def at(moment: datetime, who=COORDINATOR) -> set[tuple[int, str, str]]:
            steps = store.release_history(who, as_of=moment, latest=True)
            return {(s.submission_id, s.state, s.open_to(moment)) for s in steps}

        assert at(START - HOUR) == set()
        assert at(published) == {(kgz, PUBLISHED, "public"), (kaz, EMBARGOED, "partners")}
        assert at(clock.now) == {(kgz, WITHDRAWN, "nobody"), (kaz, EMBARGOED, "public")}
        # Kyrgyzstan's reporter reads its own country's history only
        assert [s.state for s in store.release_history(KGZ)] == [PUBLISHED, WITHDRAWN]
        assert at(published, KGZ) == {(kgz, PUBLISHED, "public")}
        for who in (KAZ, TJK, PUBLIC):
            with pytest.raises(AccessDeniedError):
                store.release_history(who)


def test_the_command_line_lists_the_states_as_of_a_moment(cli, tmp_path) -> None:
    db = str(tmp_path / "history.db")
    with open_store(db, Clock()) as made:
        kgz = submit(made, "KGZ", FREE_ROWS, release=None).id
    code, out, err = cli("--db", db, "release", str(kgz), "--to", "public", "--by", "coord")
    assert code == 0, err
    between = datetime.now(UTC)
    time.sleep(0.01)
    code, out, err = cli("--db", db, "release", str(kgz), "--withdraw", "--by", "coord")
    assert code == 0, err
    code, out, err = cli("--db", db, "releases", "--as-of", between.isoformat())
    assert code == 0, err
    (line,) = out.splitlines()
    assert line.split("\t")[:3] == [str(kgz), "*", PUBLISHED] and line.endswith("\tpublic")
    code, out, err = cli("--db", db, "releases", str(kgz), "--as-of", "2099-01-01")
    (line,) = out.splitlines()
    assert line.split("\t")[2] == WITHDRAWN and line.endswith("\tnobody")
    code, out, err = cli("--db", db, "releases", "--as-of", "yesterday")
    assert code != 0 and "YYYY-MM-DD" in err
    code, out, err = cli("--db", db, "releases")
    assert [line.split("\t")[2] for line in out.splitlines()] == [PUBLISHED, WITHDRAWN]


def _history(text: str) -> str:
    assert 'id="history"' in text
    return text.split('id="history"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_portal_shows_the_history_to_those_entitled(opened, lang: str) -> None:  # noqa: F811
    store, kgz, kaz = opened
    release(store, [kgz, kaz], to="public", by="coord")
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    release(store, [kgz], withdraw=True, by="coord")
    web, _csrf = signed_in(store, "coord", lang)
    then = _history(web.get("/releases", params={"as_of": between, "lang": lang}).text)
    assert f"/submissions/{kgz}?" in then and f"/submissions/{kaz}?" in then
    assert ("withdrawn" if lang == "en" else "отозван") not in then
    now = web.get(f"/releases?as_of=2099-01-01&lang={lang}")
    assert now.headers["cache-control"] == "no-store"
    assert ("nobody" if lang == "en" else "никому") in _history(now.text)
    # the reporter: its own country's only
    web, _csrf = signed_in(store, "aigul", lang)
    own = _history(web.get(f"/releases?as_of=2099-01-01&lang={lang}").text)
    assert f"/submissions/{kgz}?" in own and f"/submissions/{kaz}?" not in own
    # a partner is refused, with an audit record; the public is asked to sign in
    web, _csrf = signed_in(store, "dana", lang)
    refused = web.get(f"/releases?as_of=2099-01-01&lang={lang}")
    assert refused.status_code == 403 and 'id="history"' not in refused.text
    said = "history of releases" if lang == "en" else "История выпусков"
    assert said in refused.text
    (last,) = list(audit.records(store))[-1:]
    assert (last.actor, last.action) == ("dana", audit.ACCESS_DENIED)
    anonymous = client(store)
    assert anonymous.get("/releases?as_of=2099-01-01").status_code == 401
    assert anonymous.get("/releases").status_code == 200


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_api_gives_the_history_to_those_entitled(opened, lang: str) -> None:  # noqa: F811
    store, kgz, kaz = opened
    release(store, [kgz, kaz], to="public", by="coord")
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    release(store, [kgz], withdraw=True, by="coord", note="wrong age groups")
    web, _csrf = signed_in(store, "coord", lang)
    then = web.get("/api/releases", params={"as_of": between, "lang": lang})
    assert then.status_code == 200 and then.headers["cache-control"] == "no-store"
    assert {(s["submission"], s["state"], s["open_to"]) for s in then.json()} == {
        (kgz, PUBLISHED, "public"),
        (kaz, PUBLISHED, "public"),
    }
    now = web.get(f"/api/releases?as_of=2099-01-01&lang={lang}").json()
    [withdrawn] = [s for s in now if s["submission"] == kgz]
    assert (withdrawn["state"], withdrawn["open_to"]) == (WITHDRAWN, "nobody")
    assert withdrawn["note"] == "wrong age groups" and withdrawn["released_by"] == "coord"
    assert withdrawn["released_at"].endswith("Z") and withdrawn["country"] == "KGZ"
    # without as_of, the latest releases as before
    assert {r["id"] for r in web.get("/api/releases").json()} >= {kgz, kaz}
    # a date that is none: 400 naming the parameter, in the user's language
    bad = web.get(f"/api/releases?as_of=31.12.2024&lang={lang}")
    assert bad.status_code == 400 and bad.json()["parameter"] == "as_of"
    said = "Cannot read the date" if lang == "en" else "Не удаётся прочитать дату"
    assert said in bad.json()["detail"] and "31.12.2024" in bad.json()["detail"]
    # the reporter: its own country's only
    web, _csrf = signed_in(store, "aigul", lang)
    own = web.get(f"/api/releases?as_of=2099-01-01&lang={lang}").json()
    assert {s["submission"] for s in own} == {kgz}
    # a partner is refused, with an audit record; the public is asked to sign in
    web, _csrf = signed_in(store, "dana", lang)
    refused = web.get(f"/api/releases?as_of=2099-01-01&lang={lang}")
    assert refused.status_code == 403
    said = "history of releases" if lang == "en" else "История выпусков"
    assert said in refused.json()["detail"]
    (last,) = list(audit.records(store))[-1:]
    assert (last.actor, last.action) == ("dana", audit.ACCESS_DENIED)
    anonymous = client(store)
    asked = anonymous.get(f"/api/releases?as_of=2099-01-01&lang={lang}")
    said = "Sign in to read" if lang == "en" else "Войдите, чтобы прочитать историю"
    assert asked.status_code == 401 and said in asked.json()["error"]
    assert anonymous.get("/api/releases").status_code == 200
