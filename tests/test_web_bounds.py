"""Every costly answer has a bound an anonymous request cannot pass: a whole-table XLSX is
refused with 413 naming the limit and the ways round it, a flows-from-stocks upload of too many
areas is refused before it is parsed, and kept answers are kept per principal state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from migstat.demo.synthetic import consistent_dataset
from migstat.store import Store
from migstat.web.app import create_app
from migstat.web.views import downloads as downloads_view
from migstat.web.views import flows as flows_view


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path_factory.mktemp('bounds') / 'store.db'}")
    opened.submit(consistent_dataset("KGZ", 2024), b"KGZ 2024", findings=[])
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as web:
        yield web


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_whole_table_xlsx_is_refused_with_the_limit_and_the_ways_round_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    csv = client.get("/download/S01.csv")
    rows = csv.text.count("\n") - 1
    columns = csv.text.splitlines()[0].count(",") + 1
    assert rows > 1000
    # a limit below the table (the default, 250 000 cells, is below the demo's whole S01)
    monkeypatch.setattr(downloads_view, "MAX_XLSX_CELLS", rows * columns // 2)
    refused = client.get(f"/download/S01.xlsx?lang={lang}", headers={"Accept": "application/json"})
    assert refused.status_code == 413
    detail = refused.json()["detail"]
    assert "/download/S01.csv" in detail and "/sdmx/rest/data/S01" in detail
    assert str(rows * columns // 2) in detail.replace("\u202f", "").replace("\xa0", "")
    assert ("XLSX" in detail) and (("CSV" in detail) if lang == "en" else ("ячеек" in detail))
    # the same view of one sex and age fits, and the CSV of the whole table is streamed
    small = client.get("/download/S01.xlsx?SEX=F&AGE=_T")
    assert small.status_code == 200 and small.content[:2] == b"PK"


def _stock_table(areas: int) -> bytes:
    codes = [f"Z{i:03d}" for i in range(areas)]
    lines = ["pob\\por," + ",".join(codes)]
    lines += [code + "," + ",".join("10" for _ in codes) for code in codes]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_flows_upload_of_too_many_areas_is_refused_before_it_is_parsed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    parsed: list[object] = []
    monkeypatch.setattr(flows_view, "read_stock_table", lambda *a, **k: parsed.append(a))
    many = _stock_table(flows_view.MAX_AREAS + 20)
    assert len(many) < flows_view.MAX_FILE_BYTES
    files = {
        "start_file": ("made_up.csv", many, "text/csv"),
        "end_file": ("made_up_end.csv", many, "text/csv"),
    }
    answer = client.post(f"/flows?lang={lang}", files=files, data={"lang": lang})
    assert answer.status_code == 400 and parsed == []
    assert "made_up.csv" in answer.text and "flows-from-stocks" in answer.text
    assert str(flows_view.MAX_AREAS + 20) in answer.text and len(answer.content) < 100_000


def test_a_flows_upload_within_the_bound_is_estimated(client: TestClient) -> None:
    files = {
        "start_file": ("start.csv", _stock_table(12), "text/csv"),
        "end_file": ("end.csv", _stock_table(12), "text/csv"),
    }
    answer = client.post("/flows", files=files)
    assert answer.status_code == 200 and "Z011" in answer.text


def test_kept_pages_and_downloads_follow_the_store(client: TestClient, store: Store) -> None:
    first = client.get("/download/S01.csv?REF_AREA=KAZ")
    again = client.get(
        "/download/S01.csv?REF_AREA=KAZ", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    store.submit(consistent_dataset("KAZ", 2024), b"KAZ 2024", findings=[])
    after = client.get("/download/S01.csv?REF_AREA=KAZ")
    assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
    assert after.text.count("\n") > first.text.count("\n") and "KAZ" in after.text


def test_a_kept_listing_follows_a_change_of_status(tmp_path) -> None:
    from migstat.store import schema as S
    from migstat.store.access import ANONYMOUS
    from migstat.web.deps import Listings

    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        opened.submit(consistent_dataset("KGZ", 2024), b"KGZ 2024", findings=[])
        listings = Listings(ttl=3600)
        first = listings.listing(opened, ANONYMOUS)
        assert [s.status for s in first] == ["accepted"]
        with opened.writing() as conn:
            conn.execute(S.submission.update().values(status="rejected"))
        assert [s.status for s in listings.listing(opened, ANONYMOUS)] == ["rejected"]
