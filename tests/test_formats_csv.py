"""Long CSV and SDMX-CSV readers: values, flags, lines, separators, encodings, bad headers."""

from __future__ import annotations

import pytest

from migstat.formats.csv_long import read_long_csv
from migstat.formats.sdmx_csv import dataflow_table, read_sdmx_csv
from migstat.model import InputError

LONG = (
    "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE,OBS_STATUS,CONF_STATUS,COMMENT\n"
    'F03,KGZ,2023,RUS,LT,M,"1 520",,,\n'
    "F03,KGZ,2023,RUS,LT,F,880,P,,revised\n"
    "F03,KGZ,2023,UZB,LT,M,,L,,\n"
    "F03,KGZ,2023,UZB,LT,F,,,C,\n"
    "F03,KGZ,2023,TJK,LT,M,,,,\n"
    "F03,KGZ,2023,TJK,LT,F,12 e,,,\n"
)


def _rows(ds):
    return [
        (
            o.table,
            o.ref_area,
            o.time_period,
            o.key,
            o.value,
            o.obs_status,
            o.conf_status,
            o.where.line,
        )
        for o in ds.observations
    ]


def test_long_csv_values_flags_and_lines() -> None:
    ds = read_long_csv(LONG.encode(), file_name="kgz.csv")
    assert ds.format == "long_csv" and ds.provider == "KGZ" and not ds.findings
    assert _rows(ds) == [
        ("F03", "KGZ", "2023", ("RUS", "LT", "M"), 1520.0, "A", "F", 2),
        ("F03", "KGZ", "2023", ("RUS", "LT", "F"), 880.0, "P", "F", 3),
        ("F03", "KGZ", "2023", ("UZB", "LT", "M"), None, "L", "F", 4),
        ("F03", "KGZ", "2023", ("UZB", "LT", "F"), None, "A", "C", 5),
        ("F03", "KGZ", "2023", ("TJK", "LT", "F"), 12.0, "E", "F", 7),
    ]
    assert ds.observations[1].comment == "revised"
    assert all(o.where.file == "kgz.csv" for o in ds.observations)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_long_csv_separators_bom_and_column_order(sep: str) -> None:
    text = sep.join(["OBS_VALUE", "sex", "REF_AREA", "CITIZENSHIP", "TIME_PERIOD", "DURATION"])
    text += "\n" + sep.join(["12,5", "M", "KGZ", "RUS", "2022", "ST"]) + "\n"
    text += "\n" + sep.join(["7", "F", "KGZ", "RUS", "2022", "ST"]) + "\n"  # blank line before
    ds = read_long_csv(("\ufeff" + text).encode("utf-8"), file_name="x.csv", table="F03")
    assert [(o.key, o.value, o.where.line) for o in ds.observations] == [
        (("RUS", "ST", "M"), 12.5, 2),
        (("RUS", "ST", "F"), 7.0, 4),
    ]


def test_not_a_number_is_a_finding_with_its_line() -> None:
    text = LONG + "F03,KGZ,2023,KAZ,LT,M,n/a,,,\n"
    ds = read_long_csv(text.encode(), file_name="kgz.csv")
    [finding] = ds.findings
    assert finding.rule == "STRUCT_NOT_NUMBER" and finding.where.line == 8
    assert finding.params["text"] == "n/a" and finding.where.file == "kgz.csv"
    assert "строке 8" in finding.text("ru")


def test_latin1_file_names_the_line_unless_encoding_is_given() -> None:
    text = "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE,COMMENT\n"
    text += "F03,KGZ,2023,RUS,LT,M,5,\n"
    text += "F03,KGZ,2023,CIV,LT,M,6,Côte d'Ivoire\n"
    data = text.encode("latin-1")
    with pytest.raises(InputError) as problem:
        read_long_csv(data, file_name="latin.csv")
    assert problem.value.where.line == 3
    assert "latin.csv" in problem.value.text("en") and "UTF-8" in problem.value.text("en")
    assert "строке 3" in problem.value.text("ru")
    ds = read_long_csv(data, file_name="latin.csv", encoding="latin-1")
    assert ds.observations[1].comment == "Côte d'Ivoire"


def test_missing_columns_are_listed() -> None:
    with pytest.raises(InputError) as problem:
        read_long_csv(b"TABLE,REF_AREA,OBS_VALUE\nS01,KGZ,5\n", file_name="m.csv")
    text = problem.value.text("en")
    assert "TIME_PERIOD" in text and "REF_AREA" in text and "m.csv" in text
    with pytest.raises(InputError) as dims:
        read_long_csv(
            b"TABLE,REF_AREA,TIME_PERIOD,SEX,OBS_VALUE\nS01,KGZ,2024,M,5\n", file_name="m.csv"
        )
    assert "COUNTRY_BIRTH" in dims.value.text("ru") and "AGE" in dims.value.text("ru")


def test_several_countries_need_a_provider() -> None:
    text = LONG + "F03,TJK,2023,KGZ,LT,M,40,,,\n"
    with pytest.raises(InputError):
        read_long_csv(text.encode(), file_name="two.csv")
    ds = read_long_csv(text.encode(), file_name="two.csv", provider="CISSTAT")
    assert ds.provider == "CISSTAT" and {o.ref_area for o in ds.observations} == {"KGZ", "TJK"}


SDMX10 = (
    "DATAFLOW,REF_AREA,TIME_PERIOD,COUNTRY_BIRTH,SEX,AGE,OBS_VALUE,OBS_STATUS\n"
    "MIGSTAT:S01(1.0),ARM,2024-01-01,RUS,F,Y20T24,310,\n"
    "MIGSTAT:MCH1(1.0),ARM,2024-01-01,RUS,M,Y20T24,298,E\n"
)


def test_sdmx_csv_10() -> None:
    ds = read_sdmx_csv(SDMX10.encode(), file_name="arm.csv")
    assert ds.format == "sdmx_csv" and ds.provider == "ARM"
    assert _rows(ds) == [
        ("S01", "ARM", "2024-01-01", ("RUS", "F", "Y20T24"), 310.0, "A", "F", 2),
        ("S01", "ARM", "2024-01-01", ("RUS", "M", "Y20T24"), 298.0, "E", "F", 3),
    ]


def test_sdmx_csv_20_with_labels_and_semicolons() -> None:
    text = (
        "STRUCTURE;STRUCTURE_ID;ACTION;REF_AREA: Reference area;TIME_PERIOD;CITIZENSHIP;"
        "DURATION;SEX;OBS_VALUE;OBS_STATUS\n"
        'dataflow;MIGSTAT:F04(1.0);I;TJK: Tajikistan;2022;RUS: Russia;LT;_T;"12 000";\n'
    )
    ds = read_sdmx_csv(text.encode("utf-8-sig"), file_name="tjk.csv")
    assert _rows(ds) == [("F04", "TJK", "2022", ("RUS", "LT", "_T"), 12000.0, "A", "F", 2)]


def test_unknown_dataflow_names_line_and_value() -> None:
    text = SDMX10 + "ESTAT:NA_MAIN(1.6.0),ARM,2024-01-01,RUS,F,_T,1,\n"
    with pytest.raises(InputError) as problem:
        read_sdmx_csv(text.encode(), file_name="arm.csv")
    assert problem.value.where.line == 4
    for lang in ("en", "ru"):
        assert "ESTAT:NA_MAIN(1.6.0)" in problem.value.text(lang)
        assert "arm.csv" in problem.value.text(lang)


def test_dataflow_ids() -> None:
    assert dataflow_table("MIGSTAT:S01(1.0)") == "S01"
    assert dataflow_table("S01") == "S01"
    assert dataflow_table("ESTAT:NA_MAIN(1.6.0)") == "NA_MAIN"


def test_real_sdmx_20_example_is_refused_by_dataflow() -> None:
    from tests.shared import SHARED_DATA

    path = SHARED_DATA / "sdmx" / "v3_csv_example-01.csv"
    if not path.exists():
        pytest.skip("shared data not available")
    with pytest.raises(InputError) as problem:
        read_sdmx_csv(path.read_bytes(), file_name=path.name)
    assert "ESTAT:NA_MAIN(1.6.0)" in problem.value.text("en")
    assert problem.value.where.line == 2
