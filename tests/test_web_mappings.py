"""The portal's mapping editor and the coordinator's sign-in.

Anonymous visitors read mappings but change nothing; the coordinator (who holds the token
configured on the server) signs in, splits a national reason for a move between two
international codes, and the next import of a PX table goes through the new version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat import api
from migstat.i18n import translations
from migstat.sources.tabular import category_key
from migstat.store import Store
from migstat.web import auth
from migstat.web.app import create_app
from tests.browser import shot
from tests.pxfiles import build_px

TOKEN = "k3y-of-the-coordinator-0123456789"
HERE = "/mappings/KGZ/px/REASON"
BOTH = "работа и учёба"
# A migration service's reasons for arrival: 02 is one category for "work and study".
REASONS = [
    ("00", "Всего", "Total"),
    ("01", "учёба", "study"),
    ("02", BOTH, "work and study"),
    ("03", "по семейным обстоятельствам", "family"),
]
CITIZENSHIP = [("860", "Узбекистан", "Uzbekistan"), ("762", "Таджикистан", "Tajikistan")]
SEXES = [("1", "Мужчины", "Male"), ("2", "Женщины", "Female")]
# (citizenship, sex) -> study, work and study, family (the total is their sum)
FIGURES = {
    ("860", "1"): (120, 1000, 47),
    ("860", "2"): (164, 400, 52),
    ("762", "1"): (35, 250, 11),
    ("762", "2"): (41, 60, 14),
}
ISO = {"860": "UZB", "762": "TJK"}
SEX = {"1": "M", "2": "F"}


def permits_px(path: Path) -> Path:
    data = []
    for cit, _ru, _en in CITIZENSHIP:
        for sex, _r, _e in SEXES:
            parts = FIGURES[(cit, sex)]
            data += [str(sum(parts)), *(str(p) for p in parts)]
    path.write_text(
        build_px(
            [
                ("Гражданство", "Citizenship", CITIZENSHIP),
                ("Пол", "Sex", SEXES),
                ("Причина прибытия", "Reason for arrival", REASONS),
            ],
            1,
            data,
            title=(
                "Разрешения на проживание по гражданству, полу и причине",
                "Residence permits by citizenship, sex and reason",
            ),
        ),
        encoding="utf-8",
    )
    return path


def first_version(store: Store) -> None:
    """Version 1, as the coordinator set it from the command line."""
    api.set_mapping(
        store, "KGZ", "REASON", BOTH, {"OCC": 1}, source="px", label="work+study", created_by="cli"
    )
    api.set_mapping(
        store,
        "KGZ",
        "REASON",
        "03",
        {"FAM": 1},
        source="px",
        label="по семейным обстоятельствам",
        created_by="cli",
    )


@pytest.fixture
def opened(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as store:
        yield store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


def client(store: Store, token: str | None = TOKEN) -> TestClient:
    return TestClient(create_app(store=store, coordinator_token=token))


def sign_in(web: TestClient) -> str:
    """Sign in with the token; return the CSRF token the editor's form carries."""
    answer = web.post("/signin", data={"token": TOKEN, "next": HERE}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(HERE)
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    return csrf_of(web.get(HERE).text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def form(csrf: str | None, rows: list[tuple[str, str, str, str]], note: str = "") -> dict:
    data: dict = {
        "national_code": [r[0] for r in rows],
        "national_label": [r[1] for r in rows],
        "target": [r[2] for r in rows],
        "share": [r[3] for r in rows],
        "note": note,
    }
    if csrf is not None:
        data["csrf"] = csrf
    return data


SPLIT = [
    (BOTH, "work+study", "OCC", "0.7"),
    (BOTH, "", "EDUC", "0,3"),
    ("03", "по семейным обстоятельствам", "FAM", "1"),
]


def versions(store: Store) -> list[int]:
    return [m.version for m in api.mappings(store, all_versions=True)]


def test_anonymous_reads_but_cannot_write(opened: Store) -> None:
    first_version(opened)
    web = client(opened)
    listing = web.get("/mappings?lang=en")
    assert listing.status_code == 200 and f'href="{HERE}?lang=en">v2<' in listing.text
    assert 'id="upload"' not in listing.text and "Sign in to edit" in listing.text
    html = web.get(HERE)
    assert html.status_code == 200 and 'id="editor"' not in html.text
    assert (
        BOTH in html.text
        and "Remunerated activities" in html.text
        and "Трудовая деятельность" in html.text
    )
    csv = web.get(f"{HERE}/download.csv?version=1").text
    assert csv.lstrip("\ufeff").splitlines() == [
        "country,source,codelist,national_code,national_label,target,share",
        f"KGZ,px,REASON,{BOTH},work+study,OCC,1",
    ]
    assert web.get("/api/mappings").json()[0]["version"] == 2
    refused = web.post(HERE, data=form("0" * 64, SPLIT))
    assert refused.status_code == 403
    assert "Only the coordinator may edit classification mappings" in refused.text
    russian = web.post(f"{HERE}?lang=ru", data=form(None, SPLIT))
    assert russian.status_code == 403 and "может изменять только координатор" in russian.text
    upload = web.post("/mappings/upload", files={"file": ("m.csv", csv.encode())})
    assert upload.status_code == 403
    assert web.post(f"/api{HERE}", json={"entries": []}).status_code == 403
    assert versions(opened) == [1, 2]


def test_a_wrong_token_or_a_forged_cookie_is_refused(sqlite_store: Store) -> None:
    first_version(sqlite_store)
    web = client(sqlite_store)
    wrong = web.post("/signin", data={"token": TOKEN[:-1] + "X"}, follow_redirects=False)
    assert wrong.status_code == 403 and "set-cookie" not in wrong.headers
    assert "That is not the coordinator token." in wrong.text
    # A cookie signed with another key, one whose time was changed, and an expired one.
    _s, other = auth.new_session("another-token-of-the-same-length")
    _s, genuine = auth.new_session(TOKEN)
    issued, nonce, signature = genuine.split(".")
    _s, expired = auth.new_session(TOKEN, now=1_000_000)
    for forged in (other, f"{int(issued) + 60}.{nonce}.{signature}", expired, "x.y.z", TOKEN):
        web.cookies.set(auth.SESSION_COOKIE, forged)
        html = web.get(HERE)
        assert 'id="editor"' not in html.text and "Signed in as" not in html.text
        assert web.post(HERE, data=form("0" * 64, SPLIT)).status_code == 403
    web.cookies.clear()
    headers = {"Authorization": f"Bearer {TOKEN}x"}
    assert web.post(f"/api{HERE}", json={"entries": []}, headers=headers).status_code == 403
    # No token on the server: nobody signs in, not even with an empty token.
    closed = client(sqlite_store, token=None)
    assert "switched off" in closed.get("/signin").text
    assert closed.post("/signin", data={"token": ""}).status_code == 403
    assert (
        closed.post(
            f"/api{HERE}", json={"entries": []}, headers={"Authorization": "Bearer "}
        ).status_code
        == 403
    )
    assert versions(sqlite_store) == [1, 2]


def test_a_form_without_its_csrf_token_is_refused(sqlite_store: Store) -> None:
    first_version(sqlite_store)
    web = client(sqlite_store)
    csrf = sign_in(web)
    assert web.post(HERE, data=form(None, SPLIT)).status_code == 403
    other = client(sqlite_store)
    other_csrf = sign_in(other)
    assert other_csrf != csrf
    refused = web.post(f"{HERE}?lang=ru", data=form(other_csrf, SPLIT))
    assert refused.status_code == 403 and "Форма устарела" in refused.text
    assert web.post("/mappings/upload", files={"file": ("m.csv", b"x")}).status_code == 403
    assert versions(sqlite_store) == [1, 2]
    # An API client with the token as a Bearer needs no CSRF token (a web never sends it).
    saved = web.post(
        f"/api{HERE}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={
            "entries": [
                {"national_code": BOTH, "target": "OCC", "share": 0.5},
                {"national_code": BOTH, "target": "EDUC", "share": 0.5},
            ],
            "note": "from a script",
        },
    )
    assert saved.status_code == 201 and saved.json()["version"] == 3
    assert saved.json()["created_by"] == "coordinator (web)"
    # Signing out ends the session: the same cookie no longer edits.
    assert web.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert 'id="editor"' not in web.get(HERE).text


def test_the_coordinator_saves_a_split_as_version_3_and_the_import_uses_it(
    opened: Store, tmp_path: Path
) -> None:
    first_version(opened)
    web = client(opened)
    csrf = sign_in(web)
    saved = web.post(
        f"{HERE}?lang=en",
        data=form(csrf, SPLIT, note="work and study split"),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{HERE}?lang=en&saved=3"
    html = web.get(saved.headers["location"]).text
    assert "Saved as version 3." in html and 'id="version">v3' in html
    latest = api.mapping(opened, "KGZ", "REASON", source="px")
    assert latest.version == 3 and latest.note == "work and study split"
    assert latest.created_by == "coordinator (web)"
    assert latest.targets()[category_key(BOTH)] == [("OCC", 0.7), ("EDUC", 0.3)]
    # The earlier versions are still there, unchanged.
    old = web.get(f"{HERE}?version=1&lang=ru").text
    assert (
        "не последняя: v3" in old
        and "Учёба" not in old.split('id="entries"')[1].split("</table>")[0]
    )
    second = api.mapping(opened, "KGZ", "REASON", source="px", version=2)
    assert second.targets()[category_key(BOTH)] == [("OCC", 1.0)]
    history = html.split('id="history"')[1]
    assert (
        "work and study split" in history
        and history.count("coordinator (web)") == 1
        and history.count(">cli<") == 2
    )
    # An import after the edit goes through version 3: 70 % of "work and study" to work.
    result = api.import_file(
        permits_px(tmp_path / "kgz_permits.px"), store=opened, country="KGZ", year="2024"
    )
    assert result.record is not None and not result.unmapped_categories
    assert [m.version for m in api.mappings_used(opened, result.record.id)] == [3]
    rows = api.query(
        opened, "A01", countries=["KGZ"], filters={"REASON": ["OCC", "EDUC", "FAM"]}
    ).rows
    got = {(r["CITIZENSHIP"], r["SEX"], r["REASON"]): r["OBS_VALUE"] for r in rows}
    for (cit, sex), (study, both, family) in FIGURES.items():
        key = (ISO[cit], SEX[sex])
        assert got[(*key, "OCC")] == both * 0.7
        assert got[(*key, "EDUC")] == study + both * 0.3
        assert got[(*key, "FAM")] == family
    assert got[("UZB", "M", "OCC")] == 700 and got[("TJK", "F", "EDUC")] == 41 + 18
    uses = web.get(HERE).text.split('id="uses"')[1]
    assert f"#{result.record.id}" in uses and "kgz_permits.px" in uses and "v3" in uses


def test_shares_that_do_not_add_up_are_refused_naming_the_category(sqlite_store: Store) -> None:
    first_version(sqlite_store)
    web = client(sqlite_store)
    csrf = sign_in(web)
    bad = [SPLIT[0], (BOTH, "", "EDUC", "0.2"), *SPLIT[2:]]
    for lang, expected in (
        ("en", f"Row 1: The shares of national category \u201c{BOTH}\u201d add up to 0.9, not 1."),
        ("ru", f"Строка 1: Доли национальной категории \u00ab{BOTH}\u00bb"),
    ):
        refused = web.post(f"{HERE}?lang={lang}", data=form(csrf, bad))
        assert refused.status_code == 400 and expected in refused.text, refused.text
        # The editor shows the rows as they were posted, to correct them.
        assert 'value="0.2"' in refused.text
    not_a_number = web.post(HERE, data=form(csrf, [*SPLIT[:2], ("03", "", "FAM", "one")]))
    assert not_a_number.status_code == 400
    assert "Row 3: The share \u201cone\u201d is not a number" in not_a_number.text
    no_code = web.post(HERE, data=form(csrf, [*SPLIT, ("08", "", "", "")]))
    assert (
        "Row 4: Choose the international code for national category \u201c08\u201d." in no_code.text
    )
    assert versions(sqlite_store) == [1, 2]


def test_upload_and_new_mapping(sqlite_store: Store) -> None:
    web = client(sqlite_store)
    csrf = sign_in(web)
    listing = web.get("/mappings").text
    assert 'id="no-mappings"' in listing and 'id="upload"' in listing
    text = (
        "country,source,codelist,national_code,national_label,target,share\n"
        f"KGZ,px,REASON,02,{BOTH},OCC,0.7\nKGZ,px,REASON,02,{BOTH},EDUC,0.3\n"
        "TJK,*,REASON,04,,FAM,1\n"
    )
    uploaded = web.post(
        "/mappings/upload?lang=en",
        data={"csrf": csrf, "note": "upload"},
        files={"file": ("reasons.csv", text.encode())},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303 and "uploaded=2" in uploaded.headers["location"]
    assert {(m.country, m.source, m.version) for m in api.mappings(sqlite_store)} == {
        ("KGZ", "px", 1),
        ("TJK", "*", 1),
    }
    bad = text.replace("EDUC,0.3", "EDUC,0.2")
    refused = web.post(
        "/mappings/upload?lang=en",
        data={"csrf": csrf},
        files={"file": ("reasons.csv", bad.encode())},
    )
    assert refused.status_code == 400
    assert "reasons.csv" in refused.text and "add up to 0.9" in refused.text
    # A new mapping: the list page's form opens an empty editor; saving makes version 1.
    opened = web.get("/mappings/new?country=kg&source=&codelist=reason", follow_redirects=False)
    assert opened.headers["location"] == "/mappings/KGZ/%2A/REASON?lang=en"
    assert 'id="editor"' in web.get(opened.headers["location"]).text
    new = web.post(
        "/mappings/KGZ/%2A/REASON",
        data=form(csrf, [("учёба", "", "EDUC", "")]),
        follow_redirects=False,
    )
    assert new.status_code == 303
    assert api.mapping(sqlite_store, "KGZ", "REASON").targets()["учеба"] == [("EDUC", 1.0)]
    assert client(sqlite_store).get("/mappings/KGZ/%2A/AGE").status_code == 404
    assert "cannot be mapped to" in web.get("/mappings/KGZ/px/AREA").text
    unknown = client(sqlite_store).get("/mappings/XXX/px/REASON?lang=ru")
    assert unknown.status_code == 404 and "Неизвестная страна XXX" in unknown.text


def test_the_token_comes_from_a_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n", encoding="utf-8")
    assert auth.load_token(path, environ={}) == TOKEN
    assert auth.load_token(None, environ={auth.TOKEN_ENV: f" {TOKEN} "}) == TOKEN
    assert auth.load_token(None, environ={}) is None
    path.write_text("short", encoding="utf-8")
    with pytest.raises(api.InputError) as caught:
        auth.load_token(path, environ={})
    assert "at least 16" in caught.value.text("en") and "не меньше 16" in caught.value.text("ru")
    with pytest.raises(api.InputError):
        auth.load_token(tmp_path / "missing", environ={})


def test_serve_refuses_a_short_token_before_it_starts(cli, tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("secret\n", encoding="utf-8")
    code, _out, err = cli(
        "--db",
        f"sqlite:///{tmp_path / 's.db'}",
        "--lang",
        "en",
        "serve",
        "--coordinator-token-file",
        str(path),
    )
    assert code == 2 and "The coordinator token is 6 characters long" in err


def test_the_pages_speak_russian() -> None:
    russian = translations("ru")
    folder = Path(__file__).resolve().parents[1] / "migstat" / "web" / "templates"
    for template in [*folder.glob("mappings_*.html"), folder / "signin.html"]:
        text = template.read_text("utf-8")
        for msgid in [
            *re.findall(r'\bt\(\s*"([^"]+)"', text),
            *re.findall(r"\bt\(\s*'([^']+)'", text),
        ]:
            assert russian.gettext(msgid) != msgid, (template.name, msgid)


# -- in a real browser (Debian's Chromium, as tests/test_web_browser.py drives it) ------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The app the browser fixtures serve: a store with version 1 of KGZ's reasons."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('editor') / 'store.db'}")
    first_version(store)
    yield create_app(store=store, coordinator_token=TOKEN)
    store.close()


def test_the_coordinator_edits_a_share_in_the_browser(page, base_url) -> None:
    page.goto(f"{base_url}{HERE}?lang=en")
    assert page.locator("#editor").count() == 0
    page.click("text=Sign in to edit")
    page.fill("#token", TOKEN)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#editor")
    assert page.inner_text("#version").startswith("v2")
    row = page.locator("#editor tbody tr").filter(
        has=page.locator(f'input[name=national_code][value="{BOTH}"]')
    )
    row.locator("input[name=share]").fill("0.6")
    blank = page.locator("#editor tbody tr").nth(2)
    blank.locator("input[name=national_code]").fill(BOTH)
    blank.locator("select[name=target]").select_option("EDUC")
    blank.locator("input[name=share]").fill("0.3")
    page.fill("#note", "work and study split")
    page.click("#save")
    page.wait_for_selector("#error")
    assert f"\u201c{BOTH}\u201d add up to 0.9" in page.inner_text("#error")
    shot(page, "mappings-refused-en")
    page.locator("#editor tbody tr").nth(0).locator("input[name=share]").fill("0.7")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert page.inner_text("#saved") == "Saved as version 3."
    entries = page.eval_on_selector_all(
        "#entries tbody tr",
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td'))"
        ".map(td => td.textContent.trim()))",
    )
    assert [e[2:] for e in entries] == [
        ["OCC", "Remunerated activities", "Трудовая деятельность", "0.7"],
        ["EDUC", "Education", "Учёба", "0.3"],
        ["FAM", "Family reasons", "Семейные причины", "1"],
    ]
    assert page.locator("#history tbody tr").count() == 3
    shot(page, "mappings-saved-en")
    page.click("a.lang-switch")
    page.wait_for_url("**lang=ru")
    assert page.inner_text("#saved") == "Сохранено как версия 3."
    assert "Доля" in page.inner_text("#entries thead")
    shot(page, "mappings-saved-ru")
    page.goto(f"{base_url}/mappings?lang=en")
    assert page.inner_text("#mappings tbody").count("v3") == 1
    assert page.locator("#upload").count() == 1
    shot(page, "mappings-list-en")
