"""Every chart of the country profile and the mirror pages says whose numbers it plots: the
source line under it names exactly the publishers and reporting countries of the values
drawn, with their editions or submissions, in the page's language, and marks synthetic data.
Over the portal's small real store (UN DESA, CIS-Stat, a synthetic Kyrgyz questionnaire)."""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.portal_store import available, cis_value, has_cis, portal_client

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with portal_client(tmp_path_factory.mktemp("chart-sources")) as test_client:
        yield test_client


def _line(page: str, prefix: str) -> str:
    match = re.search(rf'<p class="small chart-source" id="{prefix}-source">(.*?)</p>', page, re.S)
    assert match, prefix
    return match.group(1)


def _providers(line: str) -> dict[str, str]:
    """Code -> name of each source the line names."""
    found = re.findall(r'data-provider="([^"]+)">([^<]+)</span>', line)
    return {code: html.unescape(name) for code, name in found}


def _spec(page: str, chart_id: str) -> dict:
    body = page.split(f'<script type="application/json" id="{chart_id}-spec">', 1)[1]
    return json.loads(html.unescape(body.split("</script>", 1)[0]))


def _series_sources(spec: dict) -> set[str]:
    """The source named in each line of a profile chart: ``Immigration (CIS-Stat)``."""
    names = set()
    for point in spec["data"]["values"]:
        inner = point["series"].rsplit("(", 1)[1].rstrip(")")
        names.add(re.sub(r", (synthetic|синтетические данные)$", "", inner, flags=re.I))
    return names


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_profile_charts_name_the_sources_they_plot(client, lang) -> None:
    page = client.get(f"/country/KGZ?lang={lang}").text
    for chart in ("stocks", "flows"):
        line = _line(page, f"chart-{chart}")
        named = _providers(line)
        assert set(named.values()) == _series_sources(_spec(page, chart)), chart
        # the synthetic Kyrgyz questionnaire is drawn, so the line marks it
        assert "KGZ" in named and 'data-mark="synthetic"' in line
        assert ("Source:" if lang == "en" else "Источник:") in line
    stocks = _providers(_line(page, "chart-stocks"))
    assert stocks["UN_DESA"] == ("UN DESA" if lang == "en" else "ДЭСВ ООН")
    flows_line = _line(page, "chart-flows")
    assert _providers(flows_line)["CISSTAT"] == ("CIS-Stat" if lang == "en" else "Статкомитет СНГ")
    assert ("imported" if lang == "en" else "загружено") in flows_line
    assert "KGZ_2024.xlsx" in flows_line
    # the CIS-Stat line of the flows chart carries CIS-Stat's published arrivals
    year = next(y for y in range(2020, 2010, -1) if has_cis(y))
    values = {
        (p["series"], p["period"], p["value"]) for p in _spec(page, "flows")["data"]["values"]
    }
    arrivals = cis_value(year, "KGZ", "ARRIVALS")
    assert any(
        period == str(year) and value == arrivals and "(" + _providers(flows_line)["CISSTAT"] in s
        for s, period, value in values
    )


def _corridor_publishers(page: str) -> set[str]:
    """The codes of the publishers the corridor's table names (by name, code on hover)."""
    body = page.split('id="mirror-corridor"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="publishers">(.*?)</td>', body, re.S)
    assert cells and not [c for c in cells if "CISSTAT /" in c]  # names, not codes
    return {code for cell in cells for code in re.findall(r'data-provider="([^"]+)"', cell)}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_corridor_chart_names_the_publishers_of_both_sides(client, lang) -> None:
    page = client.get(f"/mirror/corridor?origin=KGZ&destination=RUS&lang={lang}").text
    assert 'id="mirror-series-title"' in page
    named = _providers(_line(page, "mirror-series"))
    assert named and set(named) == _corridor_publishers(page)
    assert named["CISSTAT"] == ("CIS-Stat" if lang == "en" else "Статкомитет СНГ")


def test_mirror_report_charts_have_titles_and_source_lines(client) -> None:
    page = client.get("/mirror/country/KGZ?lang=ru").text
    for side, title in (("emigration", "Эмиграция"), ("immigration", "Иммиграция")):
        assert re.search(rf'id="mirror-{side}-title">{title}: ', page), side
        line = _line(page, f"mirror-{side}")
        assert "Источник:" in line and _providers(line)["CISSTAT"] == "Статкомитет СНГ"
        # every publisher named reports the corridors the chart adds up
        assert set(_providers(line)) <= {"CISSTAT", "KGZ", "RUS", "KAZ"}
