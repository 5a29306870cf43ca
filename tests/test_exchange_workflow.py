"""Submission and review on the web, by API and from the command line, with real workbooks.

A reporter of Kyrgyzstan uploads a questionnaire with an error, reads the findings, corrects
it, explains the mirror warning (Kazakhstan reports 1,383 emigrants to Kyrgyzstan, Kyrgyzstan
214 immigrants from Kazakhstan); the approver signs off; the coordinator sees the changes and
the warning with its explanation and accepts. Self-acceptance, another country's submission,
expired or revoked tokens and forms without their CSRF token are refused with an audit record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from migstat import api
from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.exchange import accounts, audit, explanations, release, review, tokens, totp, workflow
from migstat.exchange import jobs as queue
from migstat.store import ObservationQuery, Principal, Store
from migstat.store import schema as S
from migstat.web.app import create_app
from migstat.web.guard import BodyLimits
from migstat.web.views.jobs import MAX_PER_ACCOUNT, jobs_of
from tests.test_web_signin import PASSWORD, T0, Clock, code_for, form_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
F03_CELL = ("RUS", "LT", "M")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """KAZ's questionnaire, KGZ's with one wrong cell (F03 RUS long-term men + 10, totals
    not), and KGZ's correct one."""
    folder = tmp_path_factory.mktemp("books")
    out = {
        "kaz": write_workbook(folder / "KAZ_2024.xlsx", consistent_dataset("KAZ", 2024)),
        "good": write_workbook(folder / "KGZ_2024.xlsx", consistent_dataset("KGZ", 2024)),
    }
    wrong = consistent_dataset("KGZ", 2024)
    for obs in wrong.observations:
        if obs.table == "F03" and obs.key == F03_CELL:
            obs.value += 10
    out["bad"] = write_workbook(folder / "KGZ_2024_draft.xlsx", wrong)
    return out


def f03_value() -> float:
    data = consistent_dataset("KGZ", 2024)
    return next(o.value for o in data.observations if o.table == "F03" and o.key == F03_CELL)


@pytest.fixture
def opened(db_url: str, books: dict[str, Path]) -> Iterator[Store]:
    with Store.open(db_url) as store:
        before = T0 - timedelta(days=1)
        for login, role, country in (
            ("coord", "coordinator", None),
            ("aigul", "reporter", "KGZ"),
            ("bakyt", "approver", "KGZ"),
            ("dana", "reporter", "KAZ"),
        ):
            accounts.add(store, login, role, PASSWORD, country=country, by="test", now=before)
        totp.enrol(store, "coord", by="test", now=before)
        api.submit_file(store, books["kaz"], country="KAZ")  # accepted, as from the command line
        yield store


def client(store: Store) -> TestClient:
    return TestClient(create_app(store=store, clock=Clock()))


def signed_in(store: Store, login: str, lang: str = "en") -> tuple[TestClient, str]:
    """A browser signed in as ``login``, and the CSRF token of its forms."""
    web = client(store)
    data = {
        "login": login,
        "password": PASSWORD,
        "code": code_for(store, login, T0),
        "next": "/submit",
        "csrf": form_token(web, lang),
    }
    answer = web.post(f"/signin?lang={lang}", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    page = web.get(f"/submit?lang={lang}")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return web, found.group(1)


def upload(web: TestClient, csrf: str, path: Path, mode: str, lang: str = "en", **extra: str):
    with path.open("rb") as handle:
        return web.post(
            f"/submit?lang={lang}",
            data={"csrf": csrf, "mode": mode, **extra},
            files={"file": (path.name, handle.read(), XLSX)},
            follow_redirects=False,
        )


def submission_id(answer, web: TestClient, login: str = "aigul") -> int:
    """The id of a stored upload: its job is waited for, its status page leads there."""
    assert answer.status_code == 303, answer.text[:2000]
    job_id = re.search(r"/submit/jobs/([\w-]+)", answer.headers["location"]).group(1)
    jobs_of(web.app.state).wait(job_id)
    done = web.get(answer.headers["location"], follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    return int(re.search(r"/submissions/(\d+)", done.headers["location"]).group(1))


def actions(store: Store) -> list[str]:
    return [r.action for r in audit.records(store)]


def test_reporter_corrects_approver_signs_off_coordinator_accepts(
    opened: Store, books: dict[str, Path]
) -> None:
    reporter, csrf = signed_in(opened, "aigul")
    count = len(opened.submissions())

    # check only: the findings cell by cell, nothing stored
    checked = upload(reporter, csrf, books["bad"], "check")
    assert checked.status_code == 200
    assert "2 errors, 0 warnings. Nothing was stored." in checked.text
    assert "F03!" in checked.text and 'class="finding-error"' in checked.text
    assert len(opened.submissions()) == count
    assert "submission.check" in actions(opened)

    # the same in Russian, and the annotated workbook of the upload
    russian = upload(reporter, csrf, books["bad"], "check", lang="ru")
    assert "Ничего не сохранено" in russian.text
    marked = upload(reporter, csrf, books["bad"], "annotate")
    assert marked.status_code == 200 and marked.headers["content-type"].startswith(XLSX)
    assert load_workbook(BytesIO(marked.content)).sheetnames[0] == "Findings"

    # submitted with the error: rejected, its findings readable in Russian by API
    rejected = submission_id(
        upload(reporter, csrf, books["bad"], "submit", note="first try"), reporter
    )
    assert opened.submission(rejected).status == workflow.REJECTED
    doc = reporter.get(f"/api/submissions/{rejected}?lang=ru").json()
    assert doc["status"] == "rejected" and doc["errors"] == 2
    error = next(f for f in doc["findings"] if f["severity"] == "error")
    assert error["place"].startswith("KGZ_2024_draft.xlsx, F03!")
    stored = explanations.findings(opened, rejected)
    ru = next(d["message"]["ru"] for _i, d in stored if d["severity"] == "error")
    assert error["message"] == ru and re.search("[а-я]", ru)
    annotated = reporter.get(f"/submissions/{rejected}/annotated.xlsx")
    assert annotated.status_code == 200
    assert "Findings" in load_workbook(BytesIO(annotated.content)).sheetnames

    # the corrected file: sent, with the mirror warning (KAZ 1,383 against KGZ 214)
    sent = submission_id(
        upload(reporter, csrf, books["good"], "submit", note="F03 corrected"), reporter
    )
    record = opened.submission(sent)
    assert record.status == workflow.SUBMITTED and record.n_errors == 0
    warning = next(
        (fid, d) for fid, d in explanations.findings(opened, sent) if d["rule"] == review.RULE
    )
    assert warning[1]["values"] == {"observed": 214.0, "expected": 1383.0}
    assert "KAZ" in warning[1]["message"]["en"] and "6.5 times" in warning[1]["message"]["en"]
    explanation = "Registrations of arrivals from KAZ are counted after 12 months only."
    answer = reporter.post(
        f"/submissions/{sent}/comment",
        data={"csrf": csrf, "finding": str(warning[0]), "text": explanation},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert explanation in reporter.get(f"/submissions/{sent}").text

    # the history: both versions, the changed cell with its old and new values, the note
    history = reporter.get("/submit").text
    assert (
        "F03 corrected" in history
        and f"Since submission {rejected}: 1 cells changed, 0 added, 0 dropped" in history
    )
    value = f03_value()
    assert f"{int(value + 10)}" in history.replace("\u202f", "").replace(",", "")

    # the coordinator does not see it before the approver signed off, and cannot accept it
    coordinator, ccsrf = signed_in(opened, "coord")
    assert f'href="/submissions/{sent}?' not in coordinator.get("/review").text
    early = coordinator.post(
        f"/submissions/{sent}/accept", data={"csrf": ccsrf}, follow_redirects=False
    )
    assert early.status_code == 409 and "sign it off" in early.text

    approver, acsrf = signed_in(opened, "bakyt")
    assert f"/submissions/{sent}?" in approver.get("/submit").text
    signed = approver.post(
        f"/submissions/{sent}/sign-off",
        data={"csrf": acsrf, "note": "checked"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert opened.submission(sent).status == workflow.SIGNED_OFF

    # the coordinator's review: in the queue, the changes, the warning and its explanation
    assert f'href="/submissions/{sent}?' in coordinator.get("/review").text
    page = coordinator.get(f"/submissions/{sent}").text
    assert explanation in page and "Changes since the previous version" in page
    mirror = page[page.index('id="mirror"') :]
    kaz_row = re.search(r'<tr class="finding-warning">(.*?)</tr>', mirror, re.S).group(1)
    assert "KAZ" in kaz_row and "214" in kaz_row and "383" in kaz_row and "6.5" in kaz_row
    assert 'id="accept"' in page
    accepted = coordinator.post(
        f"/submissions/{sent}/accept", data={"csrf": ccsrf}, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert opened.submission(sent).status == workflow.ACCEPTED
    states = [(e.state, e.actor) for e in workflow.events(opened, [sent])[sent]]
    assert states == [("submitted", "aigul"), ("signed_off", "bakyt"), ("accepted", "coord")]

    # accepted: the numbers are current data, internal (the country's and the coordinator's)
    # until the coordinator releases them
    asked = ObservationQuery(table="F03", ref_areas=["KGZ"], providers=["KGZ"])
    coordinator = Principal(user_id="coord", roles=frozenset({"coordinator"}))
    rows = list(opened.read(asked, principal=coordinator))
    assert any(r.key == F03_CELL and r.value == value for r in rows)
    assert not any(r.key == F03_CELL and r.value == value for r in opened.read(asked))
    release.release(opened, [sent], to="public", by="coord")
    assert any(r.key == F03_CELL and r.value == value for r in opened.read(asked))
    done = actions(opened)
    for action in ("submission.store", "submission.comment", "submission.sign_off"):
        assert action in done
    assert done[-2:] == ["submission.accept", "release"] and audit.verify(opened).ok


def test_the_command_line_reviews_and_refuses_self_acceptance(
    opened: Store, books: dict[str, Path], cli, db_url: str
) -> None:
    # a country without an approver: the coordinator sees the submission at once
    accounts.set_disabled(opened, "bakyt", True, by="test")
    reporter, csrf = signed_in(opened, "aigul")
    sent = submission_id(upload(reporter, csrf, books["good"], "submit"), reporter)
    assert [r.id for r in workflow.queue(opened)] == [sent]

    code, out, err = cli("--db", db_url, "review", str(sent), "--accept", "--by", "aigul")
    assert code == 3 and "four eyes" in err
    assert opened.submission(sent).status == workflow.SUBMITTED
    refused = audit.latest(opened, action=audit.ACCESS_DENIED, limit=1)[0]
    assert refused.actor == "aigul"

    code, out, err = cli("--db", db_url, "review", str(sent), "--return")
    assert code == 2 and "Say why" in err
    code, out, err = cli(
        "--db", db_url, "review", str(sent), "--return", "--note", "S01 ages", "--by", "erlan"
    )
    assert code == 0 and "returned" in out
    code, out, err = cli("--db", db_url, "review", str(sent), "--accept", "--by", "erlan")
    assert code == 2 and "cannot become accepted" in err

    again = submission_id(upload(reporter, csrf, books["good"], "draft"), reporter)
    assert opened.submission(again).status == workflow.DRAFT
    assert workflow.queue(opened) == []
    reporter.post(f"/submissions/{again}/send", data={"csrf": csrf})
    code, out, _ = cli("--lang", "ru", "--db", db_url, "review", str(again), "--accept")
    assert code == 0, out
    assert opened.submission(again).status == workflow.ACCEPTED
    last = workflow.events(opened, [again])[again][-1]
    assert last.state == "accepted" and last.actor not in ("aigul", "-")
    returned = workflow.events(opened, [sent])[sent][-1]
    assert (returned.state, returned.actor, returned.note) == ("returned", "erlan", "S01 ages")


def via_api(
    web: TestClient, token: str, file: tuple[str, bytes, str], note: str | None = None
) -> dict[str, object]:
    """``POST /api/submissions``: 202 with the job's address, then (once the job has run)
    what that address answers."""
    answer = web.post(
        "/api/submissions",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": file},
        data={"note": note} if note else None,
    )
    assert answer.status_code == 202, answer.text
    doc = answer.json()
    assert doc["status"] == "queued" and answer.headers["location"] == doc["url"]
    assert doc["url"].endswith(f"/api/submissions/{doc['job']}")
    jobs_of(web.app.state).wait_all(timeout=300)
    return web.get(answer.headers["location"], headers={"Authorization": f"Bearer {token}"}).json()


def test_another_countrys_submission_is_refused(opened: Store, books: dict[str, Path]) -> None:
    kaz_token = tokens.issue(opened, "dana", scope="submit", by="test").token
    kgz_token = tokens.issue(opened, "aigul", scope="submit", by="test").token
    web = client(opened)

    # a KAZ reporter sends KGZ's questionnaire: taken as a job, refused 403, recorded,
    # nothing stored
    count = len(opened.submissions())
    doc = via_api(web, kaz_token, ("KGZ_2024.xlsx", books["good"].read_bytes(), XLSX))
    assert doc["status"] == "failed" and doc["error_status"] == 403
    assert "only for your own country (KAZ)" in doc["error"]
    assert len(opened.submissions()) == count
    assert audit.latest(opened, limit=1)[0].action == audit.ACCESS_DENIED

    # a KGZ reporter's long CSV with one KAZ row among its own: refused as a whole
    mixed = (
        "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE\n"
        "F03,KGZ,2024,RUS,LT,M,12\n"
        "F03,KAZ,2024,RUS,LT,M,7\n"
    )
    doc = via_api(web, kgz_token, ("mixed.csv", mixed.encode(), "text/csv"))
    assert (doc["status"], doc["error_status"]) == ("failed", 400)
    assert "several countries" in doc["error"]
    kaz_only = "\n".join(mixed.splitlines()[::2]) + "\n"
    doc = via_api(web, kgz_token, ("kaz.csv", kaz_only.encode(), "text/csv"))
    assert (doc["status"], doc["error_status"]) == ("failed", 403) and "not for KAZ" in doc["error"]
    assert len(opened.submissions()) == count

    # KAZ's own, by API: 202 with its job, then the submission with its id, status, address
    doc = via_api(
        web,
        kaz_token,
        ("KAZ_2024.xlsx", books["kaz"].read_bytes(), XLSX),
        note="by machine",
    )
    assert doc["status"] == "submitted" and doc["url"].endswith(f"/api/submissions/{doc['id']}")
    mine = web.get(doc["url"], headers={"Authorization": f"Bearer {kaz_token}"}).json()
    assert mine["history"][0]["state"] == "submitted" and mine["note"] == "by machine"
    # the job is the sender's only: another account does not learn of it
    other_job = web.get(
        f"/api/submissions/{doc['job']}", headers={"Authorization": f"Bearer {kgz_token}"}
    )
    assert other_job.status_code == 404

    # a KGZ reporter reads it by id: 403 in its language, recorded; the page too
    other = web.get(
        f"/api/submissions/{doc['id']}",
        headers={"Authorization": f"Bearer {kgz_token}", "Accept-Language": "ru"},
    )
    assert other.status_code == 403 and re.search("[а-я]", other.json()["detail"])
    denied = audit.latest(opened, action=audit.ACCESS_DENIED, limit=1)[0]
    assert denied.actor == "aigul" and denied.details["id"] == str(doc["id"])
    reporter, _csrf = signed_in(opened, "aigul")
    for url in (f"/submissions/{doc['id']}", f"/submissions/{doc['id']}/annotated.xlsx"):
        before = audit.verify(opened).count
        page = reporter.get(f"{url}?lang=ru")
        assert page.status_code == 403 and re.search("[а-я]", page.text), url
        assert "1383" not in page.text and "1,383" not in page.text  # none of KAZ's numbers
        denied = audit.latest(opened, limit=1)[0]
        assert audit.verify(opened).count == before + 1
        assert (denied.actor, denied.action, denied.details["id"]) == (
            "aigul",
            audit.ACCESS_DENIED,
            str(doc["id"]),
        )


def test_tokens_and_forms_that_are_refused(opened: Store, books: dict[str, Path]) -> None:
    web = client(opened)
    body = {"file": ("KGZ_2024.xlsx", books["good"].read_bytes(), XLSX)}
    expired = tokens.issue(
        opened, "aigul", scope="submit", by="test", days=1, now=T0 - timedelta(days=3)
    )
    revoked = tokens.issue(opened, "aigul", scope="submit", by="test")
    tokens.revoke(opened, revoked.record.id, by="test")
    reading = tokens.issue(opened, "aigul", scope="read", by="test")
    count = len(opened.submissions())

    for token, status, text in (
        (expired.token, 401, "expired"),
        (revoked.token, 401, "revoked"),
        (reading.token, 403, "may only read"),
    ):
        answer = web.post(
            "/api/submissions", headers={"Authorization": f"Bearer {token}"}, files=body
        )
        assert answer.status_code == status and text in answer.text, answer.text
    small = TestClient(
        create_app(
            store=opened, clock=Clock(), body_limits=BodyLimits(routes={"/api/submissions": 10_000})
        )
    )
    allowed = tokens.issue(opened, "aigul", scope="submit", by="test").token
    too_big = small.post(
        "/api/submissions", headers={"Authorization": f"Bearer {allowed}"}, files=body
    )
    assert too_big.status_code == 413 and "10\u202f000 bytes at most" in too_big.json()["detail"]
    anonymous = web.post("/api/submissions", files=body)
    assert anonymous.status_code == 401 and "Bearer" in anonymous.json()["error"]
    russian = web.post(
        "/api/submissions",
        headers={"Authorization": f"Bearer {expired.token}", "Accept-Language": "ru"},
        files=body,
    )
    assert russian.status_code == 401 and re.search("[а-я]", russian.json()["error"])
    assert len(opened.submissions()) == count
    assert actions(opened).count(audit.TOKEN_REFUSED) == 3

    # a browser form without its CSRF token: 403, recorded, nothing stored
    reporter, _csrf = signed_in(opened, "aigul")
    forged = upload(reporter, "", books["good"], "submit")
    assert forged.status_code == 403 and "did not come from this site" in forged.text
    assert len(opened.submissions()) == count
    assert audit.latest(opened, limit=1)[0].action == audit.ACCESS_DENIED
    # the anonymous public is sent to sign in; its forms and reads are 401
    public = client(opened)
    answer = public.get("/submit", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next=")
    assert public.get(f"/submissions/{count}").status_code == 401
    assert public.get("/review").status_code == 401


def test_transitions_keep_their_rules(opened: Store, books: dict[str, Path]) -> None:
    checked = api.check_file(books["good"], store=opened)
    aigul = accounts.find(opened, "aigul").principal
    coord = accounts.find(opened, "coord").principal
    record = workflow.submit(opened, checked.dataset, checked.raw, checked.findings, who=aigul)
    with pytest.raises(workflow.WorkflowError):
        workflow.send(opened, record.id, who=aigul)  # already sent
    with pytest.raises(Exception, match="Say why"):
        workflow.return_(opened, record.id, who=coord, note="  ")
    dana = accounts.find(opened, "dana").principal
    with pytest.raises(Exception, match="approver of KGZ"):
        workflow.sign_off(opened, record.id, who=dana)
    returned = workflow.return_(opened, record.id, who=coord, note="ages")
    assert returned.status == workflow.RETURNED
    assert [e.state for e in workflow.events(opened, [record.id])[record.id]] == [
        "submitted",
        "returned",
    ]


def test_concurrent_submissions_and_decisions_lose_nothing(
    opened: Store, books: dict[str, Path]
) -> None:
    """Two reporters of one country submit while the coordinator accepts an earlier
    submission and releases an accepted one to partners, and two coordinators decide on the
    same one at once: every submission is stored with its event, exactly one decision wins,
    the release is recorded with its audit record, the audit chain holds."""
    accounts.add(opened, "nurlan", "reporter", PASSWORD, country="KGZ", by="test")
    accounts.set_disabled(opened, "bakyt", True, by="test")  # no approver: straight to review
    checked = api.check_file(books["good"], store=opened)
    reporters = [accounts.find(opened, login).principal for login in ("aigul", "nurlan")]
    earlier = workflow.submit(
        opened, checked.dataset, checked.raw, checked.findings, who=reporters[0]
    )
    coord = accounts.find(opened, "coord").principal
    ready = workflow.submit(
        opened, checked.dataset, checked.raw, checked.findings, who=reporters[1]
    )
    workflow.accept(opened, ready.id, who=coord)
    other = Principal(user_id="erlan", roles=frozenset({"coordinator"}))
    before = audit.verify(opened).count
    start = threading.Barrier(5)
    outcomes: dict[str, object] = {}

    def run(name: str, work) -> None:
        start.wait()
        try:
            outcomes[name] = work()
        except Exception as exc:  # the outcome is what the test reads
            outcomes[name] = exc

    jobs = {
        f"submit-{p.user_id}": (
            lambda p=p: workflow.submit(
                opened, checked.dataset, checked.raw, checked.findings, who=p
            )
        )
        for p in reporters
    }
    jobs["accept-coord"] = lambda: workflow.accept(opened, earlier.id, who=coord)
    jobs["accept-erlan"] = lambda: workflow.accept(opened, earlier.id, who=other)
    jobs["release"] = lambda: release.release(opened, [ready.id], to="partners", by="coord")
    threads = [threading.Thread(target=run, args=(n, w)) for n, w in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = [outcomes[f"submit-{p.user_id}"] for p in reporters]
    assert all(getattr(s, "status", None) == workflow.SUBMITTED for s in stored), stored
    ids = [s.id for s in stored]
    events = workflow.events(opened, ids)
    assert [len(events[i]) for i in ids] == [1, 1]
    assert {events[i][0].actor for i in ids} == {"aigul", "nurlan"}
    decisions = [outcomes["accept-coord"], outcomes["accept-erlan"]]
    won = [d for d in decisions if not isinstance(d, Exception)]
    lost = [d for d in decisions if isinstance(d, Exception)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], workflow.WorkflowError)
    assert [e.state for e in workflow.events(opened, [earlier.id])[earlier.id]] == [
        "submitted",
        "accepted",
    ]
    (made,) = outcomes["release"]
    assert [(r.id, r.state) for r in release.releases(opened, submission_id=ready.id)] == [
        (made.id, "partners")
    ]
    chain = audit.verify(opened)
    assert chain.ok and chain.count == before + 4
    assert sorted(r.id for r in workflow.queue(opened)) == sorted(ids)


def test_an_upload_is_checked_in_the_background_with_a_status(
    opened: Store, books: dict[str, Path]
) -> None:
    reporter, csrf = signed_in(opened, "aigul")
    jobs = jobs_of(reporter.app.state)
    # a job waiting for a worker (kept, not run): its page refreshes itself
    waiting = [
        queue.enqueue(
            opened,
            owner="aigul",
            file_name=f"KGZ_{n}.xlsx",
            data=b"x",
            mode="submit",
            note=None,
            client=None,
        )
        for n in range(MAX_PER_ACCOUNT)
    ]
    page = reporter.get(f"/submit/jobs/{waiting[0]}")
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
    assert "Checking KGZ_0.xlsx" in page.text and 'data-state="queued"' in page.text
    approver, _ = signed_in(opened, "bakyt")
    assert approver.get(f"/submit/jobs/{waiting[0]}").status_code == 404  # not its upload
    # bounded: a fourth upload of one account waits for the first three
    busy = upload(reporter, csrf, books["good"], "submit")
    assert busy.status_code == 429 and "wait a minute" in busy.text
    with opened.writing() as conn:  # let them go
        conn.execute(sa.delete(S.upload_job))

    # the status page of a refused upload says why (another country's questionnaire)
    refused = upload(reporter, csrf, books["kaz"], "submit")
    job_id = re.search(r"/submit/jobs/([\w-]+)", refused.headers["location"]).group(1)
    jobs.wait(job_id)
    page = reporter.get(refused.headers["location"], follow_redirects=False)
    assert page.status_code == 403 and "not for KAZ" in page.text.replace("&#39;", "'")
    assert audit.latest(opened, limit=1)[0].action == audit.ACCESS_DENIED
