"""The web app's skeleton: it starts on a store, finds its route modules and serves OpenAPI."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.testclient import TestClient

from migstat.store import Store
from migstat.web.app import create_app, render
from migstat.web.deps import language


def test_app_serves_openapi_on_a_fresh_store(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "web.db"))
    try:
        with TestClient(create_app(store=store)) as client:
            spec = client.get("/openapi.json")
            assert spec.status_code == 200
            assert spec.json()["info"]["title"] == "migstat"
            assert client.get("/docs").status_code == 200
    finally:
        store.close()


def test_language_comes_from_query_then_cookie_then_header(tmp_path: Path) -> None:
    from starlette.requests import Request

    def request(query: str = "", cookie: str = "", accept: str = "") -> Request:
        headers = []
        if cookie:
            headers.append((b"cookie", f"lang={cookie}".encode()))
        if accept:
            headers.append((b"accept-language", accept.encode()))
        return Request({"type": "http", "query_string": query.encode(), "headers": headers})

    assert language(request("lang=ru")) == "ru"
    assert language(request("lang=xx", cookie="ru")) == "ru"
    assert language(request(accept="ru-RU,ru;q=0.9,en;q=0.8")) == "ru"
    assert language(request(accept="de-DE,de;q=0.9")) == "en"
    assert language(request("lang=en", cookie="ru", accept="ru")) == "en"


def test_base_page_switches_language_and_keeps_the_view(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "web.db"))
    try:
        app = create_app(store=store)

        @app.get("/probe")
        def probe(request: Request):  # type: ignore[no-untyped-def]
            return render(request, "base.html")

        with TestClient(app) as client:
            page = client.get("/probe?table=S01&REF_AREA=KGZ&lang=ru")
            assert page.status_code == 200
            assert '<html lang="ru">' in page.text
            assert 'href="?table=S01&amp;REF_AREA=KGZ&amp;lang=en"' in page.text
    finally:
        store.close()
