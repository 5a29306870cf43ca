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


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_list_has_all_and_long_lists_a_search(client, lang) -> None:
    """Sex, age and the other lists get "All" too (a link, so it works without scripts) and a
    "None" shown where scripts run; a list longer than twelve gets a type-ahead box."""
    page = client.get(f"/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&lang={lang}").text
    links = {}
    for dim, long in (("SEX", False), ("AGE", True), ("COUNTRY_PREV_RES", True), ("od", False)):
        picker = re.search(rf'<select multiple id="f-{dim}".*?</select>', page, re.S).group(0)
        offered = re.findall(r'<option value="([^"]+)"', picker)
        assert (len(offered) > 12) == long or dim == "od", (dim, len(offered))
        assert (f'data-filter-options="f-{dim}"' in page) == long, dim
        groups = re.search(rf'id="groups-{dim}">(.*?)</p>', page, re.S).group(1)
        link = re.search(r'<a href="\?([^"]+)" data-group="all">([^<]+)</a>', groups)
        assert link and link.group(2) == ALL[lang]
        chosen = parse_qs(urlsplit("?" + html.unescape(link.group(1))).query)[dim]
        assert sorted(chosen[0].split("+")) == sorted(offered)
        links[dim] = html.unescape(link.group(1))
        none = re.search(
            rf'<button type="button" class="link" data-select-none="f-{dim}"[^>]*>([^<]+)<', groups
        )
        assert none and none.group(1) == {"en": "None", "ru": "Снять выбор"}[lang]
    view = client.get(f"/api/explore/F01?{links['AGE']}").json()
    ages = next(f for f in view["filters"] if f["id"] == "AGE")
    assert len(ages["options"]) > 12 and all(o["selected"] for o in ages["options"])


def test_availability_tables_all_link(client) -> None:
    """The availability page's table list: "All" asks for every table, and the page shows
    them all chosen."""
    page = client.get("/availability?tables=F01&lang=ru").text
    picker = re.search(r'<select multiple id="a-tables".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option value="([^"]+)"', picker)
    groups = re.search(r'id="groups-tables">(.*?)</p>', page, re.S).group(1)
    link = re.search(r'<a href="\?([^"]+)" data-group="all">([^<]+)</a>', groups)
    assert link and link.group(2) == "Все" and len(offered) > 3
    answer = client.get(f"/availability?{html.unescape(link.group(1))}")
    assert answer.status_code == 200
    picker = re.search(r'<select multiple id="a-tables".*?</select>', answer.text, re.S).group(0)
    assert len(re.findall(r"<option [^>]* selected>", picker)) == len(offered)
