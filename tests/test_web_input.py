"""Wrong input says so, and every request is bounded: unknown codes in any parameter, codes
in any case, unknown addresses, HEAD, the security headers, and bodies over their limit
refused before anything parses them. Over the portal's small real store (UN DESA, CIS-Stat
and a synthetic Kyrgyz questionnaire)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from migstat.model import default_registry
from migstat.web import guard
from migstat.web.app import create_app
from migstat.web.guard import BodyLimits
from migstat.web.views import flows as flows_view
from tests.browser import shot
from tests.portal_store import available, build_portal_store

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
TOKEN = "a-coordinator-token-long-enough-1234"
HTML = {"accept": "text/html,application/xhtml+xml"}
JSON = {"accept": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    the_store = build_portal_store(tmp_path_factory.mktemp("input") / "portal.db")
    yield the_store
    the_store.close()


@pytest.fixture(scope="module")
def app(store):
    """The app the tests send requests to, and the browser tests serve."""
    return create_app(store=store, coordinator_token=TOKEN)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def _message(html: str) -> str:
    found = re.search(r'<p class="(?:lead|error)"[^>]*>(.*?)</p>', html, re.S)
    assert found, html[:500]
    return unescape(found.group(1)).strip()


UNKNOWN = [
    # (address, status, parameter, value)
    ("/explore?table=S01&REF_AREA=XXX", 404, "REF_AREA", "XXX"),
    ("/explore?table=ZZZ", 404, "table", "ZZZ"),
    ("/explore?table=S01&REF_AREA=KGZ&SEX=Q", 404, "SEX", "Q"),
    ("/explore?table=S01&REF_AREA=KGZ&AGE=Y999", 404, "AGE", "Y999"),
    ("/explore?table=F01&REF_AREA=KGZ&COUNTRY_PREV_RES=XXX", 404, "COUNTRY_PREV_RES", "XXX"),
    ("/explore?table=F01&DATA_PROVIDER=NOBODY", 404, "DATA_PROVIDER", "NOBODY"),
    ("/explore?table=S01&CITIZENSHIP=RUS", 404, "CITIZENSHIP", "RUS"),
    ("/explore?table=S01&start=20x9", 400, "start", "20x9"),
    ("/explore?table=S01&rows=NOTHING", 400, "rows", "NOTHING"),
    ("/explore?table=S01&chart=pie", 400, "chart", "pie"),
    ("/mirror?provider=NOBODY", 404, "provider", "NOBODY"),
    ("/mirror?year=abc", 400, "year", "abc"),
    ("/mirror?show=colours", 400, "show", "colours"),
    ("/mirror?countries=KGZ,XXX", 404, "countries", "XXX"),
    ("/mirror/corridor?origin=KGZ&destination=XXX", 404, "destination", "XXX"),
    ("/mirror/country/XXX?year=2019", 404, "country", "XXX"),
    ("/availability?tables=Z99", 404, "tables", "Z99"),
    ("/availability?scope=galaxy", 400, "scope", "galaxy"),
    ("/flows?area=XXX", 404, "area", "XXX"),
    ("/flows?start=1234", 400, "start", "1234"),
    ("/flows?model=magic", 400, "model", "magic"),
]


@pytest.mark.parametrize(("url", "status", "parameter", "value"), UNKNOWN)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_unknown_value_is_a_page_naming_parameter_and_value(
    client, url: str, status: int, parameter: str, value: str, lang: str
) -> None:
    answer = client.get(f"{url}&lang={lang}", headers=HTML)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in answer.text
    message = _message(answer.text)
    assert parameter in message and value in message
    message = message.lower()
    assert (
        ("параметр" in message or "измерени" in message)
        if lang == "ru"
        else ("parameter" in message or "dimension" in message)
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_api_clients_get_json_naming_parameter_and_value(client, lang: str) -> None:
    answer = client.get(f"/api/explore/S01?REF_AREA=KGZ&SEX=Q&lang={lang}")
    assert answer.status_code == 404
    body = answer.json()
    assert (body["parameter"], body["value"], body["lang"], body["status"]) == (
        "SEX",
        "Q",
        lang,
        404,
    )
    assert (
        "Q" in body["detail"] and ("параметра" if lang == "ru" else "parameter") in body["detail"]
    )
    # the page's own address asked for JSON answers JSON as well
    page = client.get(f"/explore?table=S01&REF_AREA=XXX&lang={lang}", headers=JSON)
    assert page.status_code == 404 and page.json()["parameter"] == "REF_AREA"
    # a download's parameters are checked the same way
    download = client.get(f"/download/S01.csv?REF_AREA=XXX&lang={lang}")  # as curl asks
    assert download.status_code == 404 and "XXX" in download.json()["detail"]
    clicked = client.get(f"/download/S01.csv?REF_AREA=XXX&lang={lang}", headers=HTML)
    assert clicked.status_code == 404 and "XXX" in _message(clicked.text)


def test_sdmx_clients_get_sdmx_errors(client) -> None:
    answer = client.get("/sdmx/rest/data/S01/XXX....?lang=ru")
    assert answer.status_code == 404 and 'code="100"' in answer.text
    assert "XXX в ключе XXX.... — не код измерения REF_AREA" in answer.text
    sex = client.get("/sdmx/rest/data/S01/KGZ..Q..")
    assert sex.status_code == 404 and "Q in the key KGZ..Q.. is not a code of SEX" in sex.text
    upper = client.get("/sdmx/rest/data/S01/KGZ.._T._T.KGZ")
    lower = client.get("/sdmx/rest/data/s01/kgz.._t._t.kgz")
    assert upper.status_code == lower.status_code == 200
    assert lower.text.count("<Obs ") == upper.text.count("<Obs ") > 0
    unknown = client.get("/sdmx/rest/nowhere")
    assert unknown.status_code == 404 and "message:Error" in unknown.text


def test_codes_in_any_case(client) -> None:
    upper = client.get("/api/explore/S01?REF_AREA=KGZ&SEX=F&DATA_PROVIDER=KGZ").json()
    lower = client.get("/api/explore/s01?REF_AREA=kgz&SEX=f&DATA_PROVIDER=kgz").json()
    assert upper["observations"] and lower["observations"] == upper["observations"]
    assert client.get("/explore?table=s01&REF_AREA=kgz").status_code == 200
    moved = client.get("/country/kgz?lang=ru", follow_redirects=False)
    assert moved.status_code in (302, 307) and moved.headers["location"].startswith("/country/KGZ")
    assert client.get("/country/kgz").status_code == 200
    assert client.get("/api/countries/kgz").json()["code"] == "KGZ"
    unknown = client.get("/api/countries/xxx?lang=ru").json()
    assert (unknown["parameter"], unknown["value"], unknown["status"]) == ("code", "xxx", 404)
    assert client.get("/mirror?sex=f&provider=cisstat").status_code == 200
    lower = client.get("/mirror/corridor?origin=kgz&destination=rus")
    areas = default_registry().areas  # the corridor is named, its codes on hover
    named = f"{areas.label('KGZ', 'en')} → {areas.label('RUS', 'en')}"
    assert lower.status_code == 200 and named in lower.text
    assert client.get("/availability?tables=s01&scope=ALL").status_code == 200
    upper_csv = client.get("/download/S01.csv?REF_AREA=KGZ&SEX=F").text
    assert client.get("/download/S01.csv?REF_AREA=kgz&SEX=f").text == upper_csv


def test_a_code_without_data_is_said_not_replaced(client) -> None:
    # France exists but the store has no S01 for it: the page says so instead of showing
    # Kyrgyzstan as if it had been asked for
    html = client.get("/explore?table=S01&REF_AREA=FRA+KGZ").text
    notice = re.findall(r'<p class="notice"[^>]*>(.*?)</p>', html, re.S)
    assert len(notice) == 1 and "France" in notice[0] and "FRA" in notice[0]
    russian = client.get("/explore?table=S01&REF_AREA=FRA&lang=ru").text
    assert "Франция" in re.findall(r'<p class="notice"[^>]*>(.*?)</p>', russian, re.S)[0]
    assert 'class="notice"' not in client.get("/explore?table=S01&REF_AREA=KGZ").text


def test_search_offers_no_empty_historical_entry(client) -> None:
    hits = client.get("/api/search?q=Russia").json()
    assert [h["code"] for h in hits if h["kind"] == "country"] == ["RUS"]
    assert "BYS" not in client.get("/?q=Russia").text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_unknown_address_answers_a_page_or_json(client, lang: str) -> None:
    page = client.get(f"/no/such/page?lang={lang}", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "/no/such/page" in _message(page.text) and f'<html lang="{lang}">' in page.text
    data = client.get(f"/no/such/page?lang={lang}", headers=JSON)
    assert data.status_code == 404 and data.json()["lang"] == lang
    assert "/no/such/page" in data.json()["detail"]
    assert client.get("/api/nothing", headers=HTML).headers["content-type"] == "application/json"
    wrong = client.delete("/explore", headers=HTML)
    assert wrong.status_code == 405 and "DELETE" in _message(wrong.text)


HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/explore?table=F01&REF_AREA=RUS",
        "/country/KGZ",
        "/api/tables",
        "/static/portal.js",
        "/download/S01.csv?REF_AREA=KGZ",
        "/sdmx/rest/dataflow/MIGSTAT",
        "/mirror",
        "/docs",
    ],
)
def test_head_is_answered_wherever_get_is_with_the_security_headers(client, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]
    for answer in (got, head):
        for name, value in HEADERS.items():
            assert answer.headers[name] == value
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        assert (
            "unsafe-eval" not in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )


def test_errors_carry_the_security_headers(client) -> None:
    for answer in (
        client.get("/nowhere"),
        client.get("/explore?table=ZZZ"),
        client.post("/signin", content=b"x" * (guard.DEFAULT_BODY_LIMIT + 1)),
    ):
        assert answer.status_code in (404, 413)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize(
    "url", ["/", "/explore?table=S01", "/country/KGZ", "/mirror", "/flows", "/guide", "/docs"]
)
def test_pages_carry_no_inline_code(client, url: str) -> None:
    html = client.get(url).text
    assert not INLINE_SCRIPT.search(html)
    assert not HANDLER.search(html)
    assert "javascript:" not in html


class FormSpy:
    """Counts the forms the app parses (Starlette's ``Request.form``), still parsing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = Request.form

        def counted(request: Request, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(request, *args, **kwargs)

        monkeypatch.setattr(Request, "form", counted)


def _signed_in(answer: Any) -> bool:
    return "migstat_session" in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_oversized_sign_in_form_is_refused_before_it_is_parsed(
    client, monkeypatch, lang: str
) -> None:
    spy = FormSpy(monkeypatch)
    # the right token, followed by a long field: were the form parsed, it would sign in
    body = f"token={TOKEN}&pad=".encode() + b"x" * (guard.DEFAULT_BODY_LIMIT + 1)
    headers = {"content-type": "application/x-www-form-urlencoded", **HTML}
    answer = client.post(f"/signin?lang={lang}", content=body, headers=headers)
    assert answer.status_code == 413 and not _signed_in(answer)
    assert spy.calls == 0
    message = _message(answer.text)
    limit = f"{guard.DEFAULT_BODY_LIMIT:,}".replace(",", "\u202f")
    assert limit in message and ("байт" if lang == "ru" else "bytes") in message
    # the same form sent without a length (chunked) stops at the limit, with nothing parsed
    chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    streamed = client.post(f"/signin?lang={lang}", content=iter(chunks), headers=headers)
    assert streamed.status_code == 413 and not _signed_in(streamed)
    # a form of ordinary size still signs in
    small = client.post(
        f"/signin?lang={lang}", data={"token": TOKEN, "next": "/mappings"}, follow_redirects=False
    )
    assert small.status_code == 303 and _signed_in(small)


def test_an_oversized_flows_upload_is_refused_before_the_page_runs(client, monkeypatch) -> None:
    spy = FormSpy(monkeypatch)
    ran: list[object] = []
    original = flows_view.upload_view
    monkeypatch.setattr(flows_view, "upload_view", lambda *a, **k: ran.append(a) or original(*a))
    from migstat.web.routes.flows import BODY_LIMITS

    assert BODY_LIMITS["/flows"] == guard.UPLOAD_LIMIT > guard.DEFAULT_BODY_LIMIT
    big = b"0" * (guard.UPLOAD_LIMIT + 1)
    files = {
        "start_file": ("start.csv", big, "text/csv"),
        "end_file": ("end.csv", b"x", "text/csv"),
    }
    answer = client.post("/flows", files=files, headers=JSON)
    assert answer.status_code == 413
    assert answer.json()["status"] == 413 and str(guard.UPLOAD_LIMIT) in answer.json()[
        "detail"
    ].replace("\u202f", "")
    assert spy.calls == 0 and ran == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_table_over_its_size_is_said_not_cut(client, lang: str) -> None:
    """Under the body's limit but over a table's: the page names the file, never reads a
    table cut short."""
    big = b"0" * (flows_view.MAX_FILE_BYTES + 1)
    files = {"start_file": ("big.csv", big, "text/csv"), "end_file": ("end.csv", b"x", "text/csv")}
    answer = client.post(f"/flows?lang={lang}", files=files, data={"lang": lang})
    assert answer.status_code == 400
    assert "big.csv" in answer.text and "5\u202f000\u202f000" in answer.text
    assert ("байт" if lang == "ru" else "bytes") in answer.text


def test_limits_are_configurable_and_bodies_without_a_length_are_counted(
    store, monkeypatch
) -> None:
    limits = BodyLimits(default=1_000, routes={"/flows": 50_000})
    app = create_app(store=store, body_limits=limits)
    ran: list[object] = []
    original = flows_view.upload_view
    monkeypatch.setattr(flows_view, "upload_view", lambda *a, **k: ran.append(a) or original(*a))

    def chunks():  # a multipart body with no Content-Length, 10 kB at a time
        head = (
            b'--B\r\nContent-Disposition: form-data; name="start_file"; '
            b'filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n'
        )
        yield head
        for _ in range(100):
            yield b"1" * 10_000

    headers = {"content-type": "multipart/form-data; boundary=B", **JSON}
    with TestClient(app) as small:
        answer = small.post("/flows", content=chunks(), headers=headers)
        assert answer.status_code == 413 and "50" in answer.json()["detail"]
        assert ran == []
        refused = small.post("/signin", data={"token": "x" * 2_000})
        assert refused.status_code == 413
        fine = small.post("/signin", data={"token": "x" * 500})
        assert fine.status_code == 403  # no coordinator token on this app: parsed and answered


def test_a_chunked_body_is_read_no_further_than_its_limit(store) -> None:
    """Straight through ASGI, as a server delivers a chunked body: piece by piece. Reading
    stops at the first piece past the limit; the rest is never asked for."""
    import asyncio

    app = create_app(store=store, body_limits=BodyLimits(default=1_000, routes={"/flows": 50_000}))
    pulled = 0
    head = (
        b'--B\r\nContent-Disposition: form-data; name="start_file"; filename="s.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        body = head if pulled == 1 else b"1" * 10_000
        return {"type": "http.request", "body": body, "more_body": pulled < 1_000}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/flows",
        "raw_path": b"/flows",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=B"),
            (b"transfer-encoding", b"chunked"),
            (b"accept", b"application/json"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled == 1 + 5  # the part's head, then 5 pieces of 10 kB: 50,000 bytes and past
    assert dict(start["headers"])[b"x-content-type-options"] == b"nosniff"


# -- in Chromium, under the Content-Security-Policy (tests/conftest.py's ``page`` fails a test
# on any script error or anything the policy refused) ------------------------------------------


def _charts_drawn(page: Any) -> int:
    # a selector, not wait_for_function: its polling evaluates a string, which the portal's
    # Content-Security-Policy (no eval) refuses
    page.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)
    states = page.eval_on_selector_all("div.chart", "els => els.map(e => e.dataset.rendered)")
    assert states and set(states) == {"true"}, states
    return len(states)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_charts_draw_under_the_policy(page, base_url, lang: str) -> None:
    for url in (
        f"/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&lang={lang}",
        f"/country/KGZ?lang={lang}",
        f"/mirror/corridor?origin=KGZ&destination=RUS&lang={lang}",
    ):
        answer = page.goto(base_url + url)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert _charts_drawn(page) >= 1
        marks = page.eval_on_selector_all("div.chart", "els => els.map(e => +e.dataset.marks)")
        assert sum(marks) > 0, (url, marks)
    shot(page, f"csp-corridor-{lang}")


def test_choosing_a_table_starts_a_fresh_view(page, base_url) -> None:
    page.goto(f"{base_url}/explore?table=S01&REF_AREA=KGZ&rows=SEX&cols=AGE&lang=ru")
    _charts_drawn(page)
    with page.expect_navigation():
        page.select_option("#f-table", "F01")
    assert page.url.endswith("/explore?lang=ru&table=F01")
    assert page.inner_text("h1").startswith("F01")
    _charts_drawn(page)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_wrong_code_in_the_browser(page, base_url, lang: str) -> None:
    answer = page.goto(f"{base_url}/explore?table=S01&REF_AREA=XXX&lang={lang}")
    assert answer.status == 404
    assert page.inner_text("h1") == ("Not found" if lang == "en" else "Не найдено")
    text = page.inner_text("p.lead")
    assert "REF_AREA" in text and "XXX" in text
    missing = page.goto(f"{base_url}/no/such/page?lang={lang}")
    assert missing.status == 404 and "/no/such/page" in page.inner_text("p.lead")
    shot(page, f"wrong-code-{lang}")


def test_a_real_server_answers_413_before_the_body_arrives(base_url) -> None:
    """On uvicorn: a form announced as 899 MB is refused at once, before the client has sent
    more than a few bytes of it; HEAD gets the GET's headers and no body."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    connection.putrequest("POST", "/signin?lang=ru")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Accept", "text/html")
    connection.putheader("Content-Length", str(899 * 1024 * 1024))
    connection.endheaders(f"token={TOKEN}&pad=".encode())
    answer = connection.getresponse()
    assert answer.status == 413
    assert "Слишком большой запрос" in answer.read().decode()
    assert answer.getheader("x-content-type-options") == "nosniff"
    connection.close()

    head = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    head.request("HEAD", "/explore?table=F01&REF_AREA=RUS")
    answer = head.getresponse()
    assert answer.status == 200 and answer.read() == b""
    assert int(answer.getheader("content-length")) > 10_000
    assert "frame-ancestors 'none'" in answer.getheader("content-security-policy")
    head.close()


def test_even_a_crash_is_answered_with_the_security_headers(store) -> None:
    app = create_app(store=store)

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as careful:
        answer = careful.get("/crash")
    assert answer.status_code == 500
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["content-security-policy"].count("frame-ancestors") == 1
