"""Malformed input ends in migstat's own errors naming the file and place; every input has a
size limit; every CSV and XLSX written neutralises formulas (issue: bounded and total)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from migstat.analysis.ffs_io import write_matrix
from migstat.formats.detect import read_bytes
from migstat.formats.neutral import neutralise, restore
from migstat.formats.questionnaire.annotate import annotate_workbook
from migstat.formats.text import UndecodableText, decode_text
from migstat.mapping.model import Mapping, MappingEntry, read_mappings_csv, write_mappings_csv
from migstat.model import Finding, InputError, Location, MigstatError, Severity, default_registry
from migstat.sources import read_source
from tests.fuzzing import questionnaire
from tests.shared import SHARED_DATA

REG = default_registry()


def _fails(path: Path, source: str | None) -> MigstatError:
    with pytest.raises(MigstatError) as problem:
        read_source(path, source=source)
    for lang in ("en", "ru"):
        assert path.name in problem.value.text(lang)
    return problem.value


def _head(rel: str, lines: int) -> bytes:
    return b"".join((SHARED_DATA / rel).read_bytes().splitlines(keepends=True)[:lines])


@pytest.mark.parametrize(
    ("source", "rel"),
    [
        ("unhcr", "unhcr/unhcr_2020.csv"),
        ("cisstat", "cisstat/cis_migration.csv"),
        ("matrix", "un_desa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"),
    ],
)
def test_a_byte_windows_1251_does_not_define_is_named(tmp_path: Path, source, rel) -> None:
    lines = _head(rel, 12).split(b"\n")
    lines[3] += b" \x98"
    path = tmp_path / f"{source}.csv"
    path.write_bytes(b"\n".join(lines))
    error = _fails(path, source)
    assert error.where.line == 4
    assert "0x98" in error.text("en") and "UTF-8" in error.text("en")
    assert "0x98" in error.text("ru") and "Байт" in error.text("ru")


def test_a_byte_windows_1251_does_not_define_in_belstat_and_px(tmp_path: Path) -> None:
    belstat = (SHARED_DATA / "belstat" / "belstat_net_oblast_2024-2025.json").read_bytes()
    path = tmp_path / "belstat.json"
    path.write_bytes(belstat.replace(b'"', b'"\x98', 1))
    assert _fails(path, "belstat").where.line == 1
    px = (SHARED_DATA / "px" / "scb_pxweb_example__NPM_EXEMPEL1.PX").read_bytes()
    path = tmp_path / "region.px"
    px = px.replace(b'CODEPAGE="ISO-8859-1";', b"").replace(b'LANGUAGE="en"', b'LANGUAGE="ru"')
    path.write_bytes(px.replace(b"VALUES", b"VALUES\x98", 1))
    assert "0x98" in _fails(path, "px").text("en")


def test_strict_decoding_names_the_offset_and_line() -> None:
    with pytest.raises(UndecodableText) as problem:
        decode_text(b"a,b\n1,2\n3,\x98\n", legacy=("cp1251",))
    assert (problem.value.start, problem.value.line) == (10, 3)
    assert decode_text("Кыргызстан".encode("cp1251"), legacy=("cp1251",)) == "Кыргызстан"


def test_a_nul_byte_in_codepage_is_an_unknown_code_page(tmp_path: Path) -> None:
    px = (SHARED_DATA / "px" / "scb_pxweb_example__NPM_EXEMPEL1.PX").read_bytes()
    path = tmp_path / "nul.px"
    path.write_bytes(b'CODEPAGE="iso-\x008859-1";\n' + px)
    # the damaged code page is ignored: the file reads as the one without it
    damaged = read_source(path, source="px")
    plain = read_source(SHARED_DATA / "px" / "scb_pxweb_example__NPM_EXEMPEL1.PX", source="px")
    assert [(o.key, o.value) for o in damaged.observations] == [
        (o.key, o.value) for o in plain.observations
    ]


@pytest.mark.parametrize("position", ['"zero"', "1e999", "0.5"])
def test_a_category_index_that_is_no_whole_number(tmp_path: Path, position: str) -> None:
    rel = "eurostat/eurostat_migr_resfirst_BY_2019_duration.json"
    text = (SHARED_DATA / rel).read_text()
    damaged = re.sub(r'"index"\s*:\s*\{\s*"([^"]+)"\s*:\s*0', rf'"index":{{"\1":{position}', text)
    assert damaged != text
    path = tmp_path / "resfirst.json"
    path.write_text(damaged)
    error = _fails(path, "jsonstat")
    assert "category positions" in error.text("en")


def test_an_infinite_dimension_size(tmp_path: Path) -> None:
    rel = "eurostat/eurostat_migr_resfirst_BY_2019_duration.json"
    tree = json.loads((SHARED_DATA / rel).read_text())
    tree["size"][0] = float("inf")
    path = tmp_path / "resfirst.json"
    path.write_text(json.dumps(tree))
    assert "(size)" in _fails(path, "jsonstat").text("en")


def test_an_empty_sdmx_csv(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "not SDMX-CSV" in _fails(path, "sdmx").text("en")
    with pytest.raises(InputError) as problem:
        read_bytes(b"", file_name="empty.csv")
    assert "empty.csv" in problem.value.text("ru")


def test_a_truncated_utf16_file(tmp_path: Path) -> None:
    text = _head("unhcr/unhcr_2020.csv", 10).decode("utf-8")
    data = b"\xff\xfe" + text.encode("utf-16-le")
    path = tmp_path / "utf16.csv"
    path.write_bytes(data[:-1])
    error = _fails(path, "unhcr")
    assert "cut off" in error.text("en") and error.where.line == 10
    path.write_bytes(data)  # the whole file reads
    assert read_source(path, source="unhcr").observations
    with pytest.raises(InputError) as problem:
        read_bytes(data[:-1], file_name="utf16.csv")
    assert "UTF-16" in problem.value.text("en")


def test_import_prints_the_error_not_an_unexpected_failure(cli, tmp_path: Path) -> None:
    path = tmp_path / "unhcr.csv"
    path.write_bytes(_head("unhcr/unhcr_2020.csv", 5) + b"\x98\n")
    code, _out, err = cli("--db", str(tmp_path / "s.db"), "import", str(path), "--dry-run")
    assert code == 2 and "unhcr.csv" in err and "0x98" in err and "Unexpected" not in err


# -- size limits ---------------------------------------------------------------------------------
def test_every_input_path_has_a_size_limit(cli, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "unhcr.csv"
    path.write_bytes(_head("unhcr/unhcr_2020.csv", 400))
    assert path.stat().st_size > 2000
    monkeypatch.setenv("MIGSTAT_MAX_IMPORT_MB", "0.001")
    error = _fails(path, "unhcr")
    assert "MIGSTAT_MAX_IMPORT_MB" in error.text("en") and "предел" in error.text("ru")
    monkeypatch.setenv("MIGSTAT_MAX_FILE_MB", "0.001")
    mapping = tmp_path / "m.csv"
    mapping.write_text("country,source,codelist,national_code,national_label,target,share\n" * 30)
    code, _out, err = cli("--db", str(tmp_path / "s.db"), "mapping", "import", str(mapping))
    assert code == 2 and "m.csv" in err and "MIGSTAT_MAX_FILE_MB" in err
    code, _out, err = cli("--lang", "ru", "validate", str(path))
    assert code == 2 and "unhcr.csv" in err and "предел" in err


# -- formulas ------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+7 group", "@SUM(A1)", "-x"]


def test_neutralise_and_restore() -> None:
    for text in FORMULAS:
        assert neutralise(text) == "'" + text and restore(neutralise(text)) == text
    assert [neutralise(v) for v in ("-12", "+3.5", "1e5", 7, "work")] == [
        "-12",
        "+3.5",
        "1e5",
        7,
        "work",
    ]


def test_mapping_downloads_neutralise_formulas_and_read_back() -> None:
    entries = [
        MappingEntry(national_code=f"0{i}", national_label=label, target="OTH", share=1.0)
        for i, label in enumerate(FORMULAS)
    ]
    mapping = Mapping(country="KGZ", source="px", codelist="REASON", entries=entries)
    text = write_mappings_csv([mapping])
    labels = [row["national_label"] for row in csv.DictReader(io.StringIO(text))]
    assert labels == ["'" + f for f in FORMULAS]
    again = read_mappings_csv(text.encode(), file_name="m.csv", registry=REG)
    assert [e.national_label for e in again[0].entries] == FORMULAS


def test_estimates_keep_negative_numbers_and_neutralise_text() -> None:
    text = write_matrix([["orig\\dest", "KGZ"], ["=1+1", "-12"]])
    assert text == "orig\\dest,KGZ\n'=1+1,-12\n"


def test_the_findings_sheet_neutralises_a_formula_in_a_file_name(tmp_path: Path) -> None:
    finding = Finding(
        rule="STRUCT_FORMULA",
        severity=Severity.ERROR,
        message="Value {value} is not a number.",
        params={"value": "x"},
        where=Location(file="=cmd.xlsx", sheet="F03", cell="D12"),
    )
    out = annotate_workbook(
        questionnaire(), [finding], tmp_path / "annotated.xlsx", file_name="=cmd.xlsx"
    )
    wb = openpyxl.load_workbook(out)
    values = [c.value for row in wb.worksheets[0].iter_rows() for c in row if c.value]
    assert values[0].startswith("'=cmd.xlsx")
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_a_mapping_upload_over_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    from migstat.store import Store
    from tests.test_web_mappings import client, sign_in

    monkeypatch.setenv("MIGSTAT_MAX_FILE_MB", "0.001")
    text = "country,source,codelist,national_code,national_label,target,share\n" * 40
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        web = client(store)
        csrf = sign_in(web)
        refused = web.post(
            "/mappings/upload?lang=ru",
            data={"csrf": csrf},
            files={"file": ("big.csv", text.encode())},
        )
    assert refused.status_code == 400
    assert "big.csv" in refused.text and "MIGSTAT_MAX_FILE_MB" in refused.text


def test_a_workbook_with_a_damaged_deflate_stream(tmp_path: Path) -> None:
    """A member whose compressed bytes are damaged fails in zlib, inside the zip reader: the
    sniffers take it for another publisher's file and the import says it cannot tell."""
    data = bytearray(questionnaire())
    start = data.find(b"xl/worksheets/sheet1.xml")  # the first sheet's local header
    for i in range(start + 40, start + 240):
        data[i] ^= 0x55
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive, pytest.raises(zlib.error):
        archive.read("xl/worksheets/sheet1.xml")
    assert "Cannot tell which publisher" in _fails(path, None).text("en")


def test_a_superscript_digit_in_a_year(tmp_path: Path) -> None:
    """``"²021".isdigit()`` is true but ``int("²021")`` fails: a year must be ASCII digits."""
    lines = _head("cisstat/cis_migration.csv", 6).decode("utf-8").split("\n")
    lines[2] = re.sub(r"\b20(\d\d)\b", r"²0\1", lines[2], count=1)
    path = tmp_path / "cis.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert _fails(path, "cisstat").where.line == 3


def test_a_workbook_part_in_a_compression_method_zipfile_lacks() -> None:
    """A part whose central-directory entry names a compression method zipfile does not
    implement (method 99) raises NotImplementedError inside the zip reader: the questionnaire
    reader says the workbook is damaged, naming the file."""
    data = bytearray(questionnaire())
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_length] == b"xl/workbook.xml":
            data[entry + 10 : entry + 12] = (99).to_bytes(2, "little")
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    with (
        zipfile.ZipFile(io.BytesIO(bytes(data))) as archive,
        pytest.raises(NotImplementedError),
    ):
        archive.read("xl/workbook.xml")
    with pytest.raises(InputError) as caught:
        read_bytes(bytes(data), file_name="KGZ_2024.xlsx")
    assert "damaged" in caught.value.text("en") and "KGZ_2024.xlsx" in caught.value.text("en")


@pytest.mark.parametrize("data", [b"\x1c\n", "\u2028 \u0085".encode(), b"%PDF-1.4\n"])
def test_a_text_file_named_xlsx_is_named_as_text(data: bytes) -> None:
    """Blanks that only Unicode calls blanks once left no first line to quote."""
    with pytest.raises(InputError) as stop:
        read_bytes(data, file_name="return.xlsx")
    for lang in ("en", "ru"):
        assert "return.xlsx" in stop.value.text(lang)
    assert "is not an Excel workbook" in stop.value.text("en")
