"""PX (PC-Axis) tables: the format read as pyaxis reads it, and mapped onto table F01."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from migstat.formats.px.reader import cell_value, parse_px, read_px
from migstat.model import InputError
from migstat.sources import detect_source, read_source
from tests.pxfiles import COUNTRIES, SEXES, YEARS, cells, px_text, write_px

pyaxis = pytest.importorskip("pyaxis.pyaxis")

ISO = {"0": "_T", "643": "RUS", "398": "KAZ", "860": "UZB", "762": "TJK", "156": "CHN"}
SEX = {"0": "_T", "1": "M", "2": "F"}


@pytest.fixture(params=["windows-1251", "utf-8"])
def px_file(request, tmp_path: Path) -> Path:
    return write_px(tmp_path / f"arrivals_{request.param}.px", request.param)


def _ours(path: Path, lang: str | None) -> dict[tuple[str, str, str], float | None]:
    px = read_px(path)
    out = {}
    for indices, n, token in px.cells():
        labels = []
        for var, i in zip(px.variables, indices, strict=True):
            labels.append(var.labels[lang][i] if lang and lang in var.labels else var.values[i])
        out[tuple(labels)] = cell_value(token) if token != ".." else None
        assert n < len(px.data)
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_pyaxis_reads_the_same_numbers(px_file: Path, lang: str) -> None:
    encoding = "windows-1251" if "1251" in px_file.name else "utf-8"
    theirs = pyaxis.parse(str(px_file), encoding=encoding, lang=lang)["DATA"]
    ours = _ours(px_file, lang if lang != "ru" else None)
    assert len(theirs) == len(ours) == len(COUNTRIES) * len(SEXES) * len(YEARS)
    compared = 0
    for *labels, value in theirs.values.tolist():
        mine = ours[tuple(labels)]
        if isinstance(value, float) and math.isnan(value):
            assert mine is None  # ".." not available
        elif value == '"-"':
            assert mine == 0  # nil
        else:
            assert float(value) == mine
            compared += 1
    assert compared >= 50


def test_known_cells_in_both_encodings(px_file: Path) -> None:
    dataset = read_source(px_file, country="KGZ")
    assert detect_source(px_file, px_file.read_bytes()[:8192]) == "px"
    figures = cells()
    index = {(o.time_period, o.key[0], o.key[2]): o for o in dataset.observations}
    assert len(index) == len(dataset.observations) == 54
    for (partner, sex, year), figure in figures.items():
        obs = index[(year, ISO[partner], SEX[sex])]
        assert obs.table == "F01" and obs.ref_area == "KGZ"
        assert obs.key[1] == "LT" and obs.key[3] == "_T"
        if figure == "..":
            assert obs.value is None and obs.obs_status == "L"
        elif figure == "-":
            assert obs.value == 0 and obs.obs_status == "A"
        else:
            assert obs.value == figure
    rus_2021_m = index[("2021", "RUS", "M")]
    assert rus_2021_m.value == 1210
    assert rus_2021_m.where.file == px_file.name and rus_2021_m.where.column == "DATA[13]"
    assert dataset.provider == "NSO_KGZ"
    assert dataset.provenance.publisher.startswith("Национальный статистический комитет")
    assert dataset.provenance.edition == "20240315 09:00"
    meta = dataset.metadata.tables["F01"]
    assert meta.reference_date == "2021/2023" and meta.residence_rule


def test_multilingual_keywords(px_file: Path) -> None:
    px = read_px(px_file)
    assert px.language == "ru" and px.languages == ["ru", "en"]
    assert px.text("TITLE", "en") == "Arrivals by country of previous residence, sex and year"
    assert px.text("NOTE").endswith("Прибывшие на постоянное жительство.")  # joined strings
    sex = px.variables[1]
    assert sex.names["en"] == "Sex" and sex.labels["en"][1] == "Male"
    assert sex.elimination_index == 0
    assert px.variables[2].time and px.variables[2].timescale == "A1"


def test_names_without_codes_and_a_year_variable_without_timeval(tmp_path: Path) -> None:
    path = write_px(tmp_path / "no_codes.px", "utf-8", timeval=False, codes=False)
    dataset = read_source(path, source="px", country="KGZ", table="F01")
    values = {(o.time_period, o.key[0], o.key[2]): o.value for o in dataset.observations}
    assert values[("2023", "KAZ", "F")] == 340 and values[("2022", "_T", "_T")] == 3503


def test_confidential_symbol_and_data_symbols(tmp_path: Path) -> None:
    path = write_px(
        tmp_path / "conf.px",
        "utf-8",
        data_override={13: '"..."', 14: '"."'},
        extra='DATASYMBOL3="Конфиденциально";',
    )
    dataset = read_source(path, source="px", country="KGZ")
    by_place = {o.where.column: o for o in dataset.observations}
    assert by_place["DATA[14]"].value is None and by_place["DATA[14]"].conf_status == "C"
    assert by_place["DATA[15]"].value is None and by_place["DATA[15]"].obs_status == "M"


def test_a_bad_cell_names_file_and_line(tmp_path: Path) -> None:
    path = write_px(tmp_path / "bad.px", "utf-8", data_override={4: "12a"})
    with pytest.raises(InputError) as caught:
        read_source(path, source="px", country="KGZ")
    err = caught.value
    assert err.where.file == "bad.px" and err.where.column == "DATA[5]"
    text = path.read_text(encoding="utf-8").splitlines()
    assert "12a" in text[err.where.line - 1]
    assert "12a" in err.text("ru") and "PX" in err.text("ru")


def test_cell_count_must_match_the_values(tmp_path: Path) -> None:
    text = px_text("utf-8").replace("3162", "3162 77")
    with pytest.raises(InputError) as caught:
        parse_px(text, file_name="long.px")
    assert "55" in caught.value.text("en") and "54" in caught.value.text("en")


def test_unmatched_country_names(tmp_path: Path) -> None:
    partners = [*COUNTRIES[:-1], ("999", "Страна Оз", "Land of Oz")]
    path = write_px(tmp_path / "oz.px", "utf-8", partners=partners)
    dataset = read_source(path, source="px", country="KGZ")
    [warning] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert "Страна Оз" in warning.text("en")
    assert (
        path.read_text(encoding="utf-8")
        .splitlines()[warning.where.line - 1]
        .startswith('VALUES("Страна предыдущего проживания")')
    )
    assert {o.key[0] for o in dataset.observations} == {"_T", "RUS", "KAZ", "UZB", "TJK"}


def test_what_the_file_does_not_say_is_asked_for(tmp_path: Path) -> None:
    path = write_px(tmp_path / "a.px", "utf-8")
    with pytest.raises(InputError) as caught:
        read_source(path, source="px")
    assert "--country" in caught.value.text("en")
    text = (
        px_text("utf-8", timeval=False)
        .replace('"Год"', '"Период наблюдения"')
        .replace('"Year"', '"Observation"')
    )
    (tmp_path / "noyear.px").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_source(tmp_path / "noyear.px", source="px", country="KGZ")
    assert "Период наблюдения" in caught.value.text("en")


def test_keyword_syntax_details() -> None:
    text = "\n".join(
        [
            'CODEPAGE="utf-8";',
            'STUB="Возраст (лет)";',
            'HEADING="год";',
            'VALUES("Возраст (лет)")="0-4","5-9";',
            'VALUES("год")="2019","2020","2021";',
            'TIMEVAL("год")=TLIST(A1, "2019"-"2021");',
            'ELIMINATION("Возраст (лет)")=YES;',
            'NOTE="Примечание; с точкой с запятой "',
            '"и продолжением";',
            "DATA=",
            "1,2,3",
            '"..", "-" 6;',
        ]
    )
    px = parse_px(text, file_name="t.px")
    age, year = px.variables
    assert age.name == "Возраст (лет)" and age.values == ["0-4", "5-9"]
    assert age.elimination == "YES" and age.elimination_index is None
    assert year.time and year.timescale == "A1"
    assert px.text("NOTE") == "Примечание; с точкой с запятой и продолжением"
    assert px.data == ["1", "2", "3", "..", "-", "6"]
    assert [cell_value(t) for t in px.data] == [1, 2, 3, None, 0, 6]
    assert px.cell_location(4).line == 12


def test_a_measure_variable_chooses_the_table(tmp_path: Path) -> None:
    from tests.pxfiles import build_px

    partners = [
        ("643", "Российская Федерация", "Russian Federation"),
        ("398", "Казахстан", "Kazakhstan"),
    ]
    measures = [
        ("1", "Прибывшие", "Arrivals"),
        ("2", "Выбывшие", "Departures"),
        ("3", "Миграционный прирост", "Net migration"),
    ]
    years = [("2022", "2022", "2022"), ("2023", "2023", "2023")]
    data = [
        "5210",
        "4987",
        "1312",
        "1290",  # arrivals: from Russia, from Kazakhstan
        "7750",
        "7012",
        "2040",
        "1876",  # departures: to Russia, to Kazakhstan
        "-2540",
        "-2025",
        "-728",
        "-586",
    ]  # net: derived, never stored
    text = build_px(
        [
            ("Показатель", "Indicator", measures),
            ("Страна", "Country", partners),
            ("Год", "Year", years),
        ],
        1,
        data,
        title=("Международная миграция", "International migration"),
    )
    path = tmp_path / "flows.px"
    path.write_text(text, encoding="utf-8")
    both = read_source(path, source="px", country="KGZ")  # arrivals and departures: both
    arrivals = read_source(path, source="px", country="KGZ", table="F01")
    departures = read_source(path, source="px", country="KGZ", table="F02")
    got = {
        (o.table, o.time_period, o.key[0]): o.value
        for o in [*arrivals.observations, *departures.observations]
    }
    assert got == {
        ("F01", "2022", "RUS"): 5210,
        ("F01", "2023", "RUS"): 4987,
        ("F01", "2022", "KAZ"): 1312,
        ("F01", "2023", "KAZ"): 1290,
        ("F02", "2022", "RUS"): 7750,
        ("F02", "2023", "RUS"): 7012,
        ("F02", "2022", "KAZ"): 2040,
        ("F02", "2023", "KAZ"): 1876,
    }
    assert any("Миграционный прирост" in f.text("ru") for f in arrivals.findings)
    assert {(o.table, o.time_period, o.key[0]): o.value for o in both.observations} == got


def test_cyrillic_file_without_codepage_is_windows_1251(tmp_path: Path) -> None:
    text = px_text("windows-1251").replace('CODEPAGE="windows-1251";\n', "")
    path = tmp_path / "nocp.px"
    path.write_bytes(text.encode("cp1251"))
    px = read_px(path)
    assert px.encoding == "cp1251" and px.variables[1].values[1] == "Мужчины"
