"""The newer views are kept like the other pages (:mod:`migstat.web.answers`): a region page,
the embedded chart, the table as shown, the flows-from-stocks estimate and the release
calendar answer again from the kept answer (the same ETag, ``304`` to a client that has it),
follow a new submission at once, and the embedded chart keeps its own framing policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from migstat.demo.synthetic import consistent_dataset
from migstat.store import Store
from migstat.web.app import create_app

KEPT = (
    "/region/M49_143",
    "/embed/explore?table=F01&REF_AREA=KGZ",
    "/explore/shown.csv?table=F01&REF_AREA=KGZ",
    "/flows",
    "/releases",
)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    opened.submit(consistent_dataset("KGZ", 2024), b"KGZ 2024", findings=[], accepted=True)
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as web:
        yield web


@pytest.mark.parametrize("url", KEPT)
def test_a_newer_view_is_kept_and_answered_again(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200, url
    tag = first.headers["etag"]
    again = client.get(url)
    assert again.headers["etag"] == tag and again.content == first.content
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    # another language is another answer
    russian = client.get(url + ("&" if "?" in url else "?") + "lang=ru")
    assert russian.status_code == 200 and russian.headers["etag"] != tag


def test_kept_views_follow_a_new_submission(client: TestClient, store: Store) -> None:
    urls = ("/embed/explore?table=F01&REF_AREA=KGZ", "/explore/shown.csv?table=F01&REF_AREA=KGZ")
    before = {url: client.get(url) for url in urls}
    store.submit(consistent_dataset("KGZ", 2023), b"KGZ 2023", findings=[], accepted=True)
    for url, answer in before.items():
        after = client.get(url)
        assert after.headers["etag"] != answer.headers["etag"], url
    # what is kept is what a fresh server makes of the store now
    with TestClient(create_app(store=store)) as fresh:
        for url in urls:
            assert client.get(url).content == fresh.get(url).content, url


def test_the_kept_embed_keeps_its_framing_policy(client: TestClient) -> None:
    url = KEPT[1]
    for _ in range(2):  # made, then kept
        answer = client.get(url)
        assert "frame-ancestors *" in answer.headers["content-security-policy"]
    page = client.get("/explore?table=F01&REF_AREA=KGZ")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
