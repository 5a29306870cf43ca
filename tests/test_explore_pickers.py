"""The explorer's country pickers offer every country with data as one click ("All"), beside
the regional groups, over the portal's real store, in English and Russian: the link chooses
exactly the options the list offers, and the view it opens shows every one of them."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.portal_store import available, portal_client

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")

ALL = {"en": "All", "ru": "Все"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with portal_client(tmp_path_factory.mktemp("pickers")) as test_client:
        yield test_client


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_all_partners_in_one_click(client, lang) -> None:
    page = client.get(f"/explore?table=F01&REF_AREA=RUS&lang={lang}").text
    picker = re.search(r'<select multiple id="f-COUNTRY_PREV_RES".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option value="([^"]+)"', picker)
    groups = re.search(r'id="groups-COUNTRY_PREV_RES">(.*?)</p>', page, re.S).group(1)
    link = re.search(r'<a href="\?([^"]+)" data-group="all">([^<]+)</a>', groups)
    assert link and link.group(2) == ALL[lang]
    chosen = parse_qs(urlsplit("?" + html.unescape(link.group(1))).query)["COUNTRY_PREV_RES"]
    assert sorted(chosen[0].split("+")) == sorted(offered) and len(offered) > 10
    view = client.get(f"/api/explore/F01?{html.unescape(link.group(1))}").json()
    partners = next(f for f in view["filters"] if f["id"] == "COUNTRY_PREV_RES")
    assert all(o["selected"] for o in partners["options"])
