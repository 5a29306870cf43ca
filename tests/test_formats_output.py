"""The registry of output formats: every format the web, the command line and the analysis
outputs offer is named once, with its media type, file suffix and table writer."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from migstat.formats.output import (
    DOWNLOAD_FORMATS,
    DOWNLOAD_LINKS,
    OUTPUT_FORMATS,
    TABLE_FORMATS,
    find_format,
    write_table,
)


def test_every_offered_format_is_registered() -> None:
    for name in (*TABLE_FORMATS, *DOWNLOAD_FORMATS, *DOWNLOAD_LINKS):
        assert name in OUTPUT_FORMATS
    assert OUTPUT_FORMATS["jsonstat"] is OUTPUT_FORMATS["json-stat.json"]
    assert OUTPUT_FORMATS["jsonstat"].file_name("S01") == "S01.json-stat.json"
    assert [f for f in TABLE_FORMATS if OUTPUT_FORMATS[f].binary] == ["xlsx"]
    assert all(OUTPUT_FORMATS[f].table_writer is not None for f in TABLE_FORMATS)
    assert find_format("px", DOWNLOAD_FORMATS) is OUTPUT_FORMATS["px"]
    assert find_format("px") is None  # not a tidy-table format
    assert find_format("pdf", DOWNLOAD_FORMATS) is None


def test_a_table_in_each_table_format() -> None:
    rows = [{"A": "=1+1", "B": 2}]
    meta = {"What": "a test"}
    sheets = {"More": ([{"C": 3}], ["C"])}
    text = write_table(
        "csv", rows, ["A", "B"], lang="en", title="T", metadata=meta, sheets=sheets
    ).decode("utf-8")
    assert text == "A,B\n'=1+1,2\n"
    doc = json.loads(
        write_table("json", rows, ["A", "B"], lang="en", title="T", metadata=meta, sheets=sheets)
    )
    assert doc["rows"] == rows and doc["More"] == [{"C": 3}] and doc["metadata"] == meta
    wb = load_workbook(
        io.BytesIO(
            write_table(
                "xlsx", rows, ["A", "B"], lang="ru", title="T", metadata=meta, sheets=sheets
            )
        )
    )
    assert wb.sheetnames == ["Данные", "More", "Метаданные"]
    assert wb["Данные"]["A2"].value == "'=1+1"
    with pytest.raises(ValueError):
        write_table("px", rows, ["A", "B"], lang="en", title="T")
