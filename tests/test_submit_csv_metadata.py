"""CSV and SDMX-CSV submissions carry their metadata (sidecar, metadata columns or SDMX-CSV
attributes, ``--meta``), and a ``query`` export round-trips: corrected and submitted back."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from itertools import product
from pathlib import Path

import pytest

from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.formats.submeta import parse_options, read_sidecar
from migstat.model import InputError, default_registry
from migstat.model.additive import additive_rules

F01_META = {"source_type": "register", "reference_date": "2024", "residence_rule": "12_months"}


@pytest.fixture(scope="module")
def kgz():
    return consistent_dataset("KGZ", 2024)


def long_csv(dataset, table: str, *, extra: dict[str, str] | None = None, sep: str = ",") -> str:
    """The observations of ``table`` as a long CSV, with ``extra`` columns on every row."""
    tdef = default_registry().tables[table]
    extra = extra or {}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    head = ["TABLE", "REF_AREA", "TIME_PERIOD", *tdef.dimension_ids, "OBS_VALUE", *extra]
    writer.writerow(head)
    for o in dataset.observations:
        if o.table == table:
            row = [table, o.ref_area, o.time_period, *o.key, int(o.value), *extra.values()]
            writer.writerow(row)
    return out.getvalue()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rules_of(out: str) -> set[str]:
    return set(json.loads(out)["summary"]["by_rule"])


def test_a_csv_without_metadata_is_refused_and_the_findings_say_which(cli, tmp_path, kgz) -> None:
    data = write(tmp_path / "f01.csv", long_csv(kgz, "F01"))
    code, out, _ = cli("validate", str(data), "--country", "KGZ", "--no-history", "--json", "-")
    assert code == 1
    assert rules_of(out) == {"STRUCT_MISSING_METADATA", "META_RESIDENCE_RULE"}


def test_meta_options_make_a_long_csv_acceptable(cli, tmp_path, kgz) -> None:
    text = long_csv(kgz, "F01")
    data = write(tmp_path / "f01.csv", text)
    db = tmp_path / "s.db"
    meta = [f"--meta=F01.{k}={v}" for k, v in F01_META.items()]
    code, out, err = cli("--db", str(db), "submit", str(data), "--country", "KGZ", *meta)
    assert code == 0, out + err
    assert "accepted" in out + err
    con = sqlite3.connect(db)
    (stored,) = con.execute("select meta from table_metadata where table_id='F01'").fetchone()
    assert json.loads(stored)["residence_rule"] == "12_months"
    assert json.loads(stored)["source_type"] == "register"
    n = len(text.splitlines()) - 1
    assert con.execute("select count(*) from observation").fetchone()[0] == n


def test_metadata_columns_of_a_long_csv_and_their_labels(cli, tmp_path, kgz) -> None:
    # the labels of a choice (English or Russian) are read as its code; ';' separated, BOM
    extra = {
        "SOURCE_TYPE": "Population register",
        "REFERENCE_DATE": "2024",
        "RESIDENCE_RULE": "12 месяцев и более",
    }
    data = tmp_path / "f01.csv"
    data.write_bytes(b"\xef\xbb\xbf" + long_csv(kgz, "F01", extra=extra, sep=";").encode())
    code, out, _ = cli("validate", str(data), "--country", "KGZ", "--no-history", "--json", "-")
    assert code == 0, out
    assert rules_of(out) <= {"PLAUS_SHARE_UNKNOWN"}


def test_a_table_must_say_one_thing_on_every_row(cli, tmp_path, kgz) -> None:
    text = long_csv(kgz, "F01", extra={**{k.upper(): v for k, v in F01_META.items()}})
    lines = text.splitlines()
    lines[7] = lines[7].replace("12_months", "6_months_1_day")
    data = write(tmp_path / "f01.csv", "\n".join(lines) + "\n")
    code, _out, err = cli("validate", str(data), "--country", "KGZ", "--no-history")
    assert code == 2
    assert "f01.csv" in err and "line 8" in err and "RESIDENCE_RULE" in err and "line 2" in err
    code, _out, err = cli("--lang", "ru", "validate", str(data), "--no-history")
    assert code == 2 and "строке 8" in err


def test_the_sidecar_beside_the_file_is_read(cli, tmp_path, kgz) -> None:
    data = write(tmp_path / "all.csv", long_csv(kgz, "F01"))
    sidecar = {"country": "KGZ", "tables": {"*": {"source_type": "register"}, "F01": F01_META}}
    write(tmp_path / "all.csv.metadata.json", json.dumps(sidecar))
    code, out, _ = cli("validate", str(data), "--country", "KGZ", "--no-history", "--json", "-")
    assert code == 0, out
    # --meta wins over the sidecar: a residence rule left empty is an error again
    code, out, _ = cli(
        "validate", str(data), "--no-history", "--json", "-", "--meta", "F01.reference_date="
    )
    assert code == 0
    bad = write(tmp_path / "bad.json", "{not json")
    code, _out, err = cli("validate", str(data), "--no-history", "--metadata", str(bad))
    assert code == 2 and "bad.json" in err


def test_sdmx_csv_attributes_carry_the_metadata(cli, tmp_path, kgz) -> None:
    tdef = default_registry().tables["F01"]
    head = ["DATAFLOW", "REF_AREA: Reference area", "TIME_PERIOD", *tdef.dimension_ids]
    head += ["OBS_VALUE", "SOURCE_TYPE: Source type", "REFERENCE_DATE", "RESIDENCE_RULE"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for o in kgz.observations:
        if o.table == "F01":
            row = ["MIGSTAT:F01(1.0)", f"{o.ref_area}: Kyrgyzstan", o.time_period, *o.key]
            row += [int(o.value), "register: Population register", "2024", "12_months"]
            writer.writerow(row)
    data = write(tmp_path / "f01.sdmx.csv", out.getvalue())
    db = tmp_path / "s.db"
    code, text, err = cli("--db", str(db), "submit", str(data), "--country", "KGZ")
    assert code == 0, text + err


def test_bad_meta_options_name_the_option() -> None:
    with pytest.raises(InputError) as bad:
        parse_options(["residence=12_months"])
    assert "residence=12_months" in str(bad.value) and "residence_rule" in str(bad.value)
    with pytest.raises(InputError) as bad:
        parse_options(["F01.rounding_base=ten"])
    assert "ROUNDING_BASE" in str(bad.value)
    meta = parse_options(["F01.rounding_base=10", "source_type=Перепись населения"])
    assert meta.tables["F01"].rounding_base == 10
    assert meta.tables["*"].source_type == "census"


def test_a_large_sidecar_is_refused_unread(tmp_path) -> None:
    big = write(tmp_path / "x.metadata.json", '{"tables": {}, "notes": "' + "x" * 1_100_000 + '"}')
    with pytest.raises(InputError, match=r"x.metadata.json: The metadata file is 1.100.027 bytes"):
        read_sidecar(big)


def _ancestors(table: str, i: int, code: str, present: set[str]) -> set[str]:
    """``code`` and every total it adds up to along dimension ``i`` (through the hierarchies)."""
    reg = default_registry()
    rules = additive_rules(reg, reg.tables[table], i, date(2024, 12, 31), present)
    found = {code}
    grew = True
    while grew:
        grew = False
        for r in rules:
            if r.rule.total not in found and found & set(r.rule.parts):
                found.add(r.rule.total)
                grew = True
    return found


def test_a_query_export_is_corrected_and_submitted_back(cli, tmp_path, kgz) -> None:
    db = tmp_path / "s.db"
    book = write_workbook(tmp_path / "KGZ_2024.xlsx", kgz)
    assert cli("--db", str(db), "submit", str(book), "--country", "KGZ")[0] == 0
    export = tmp_path / "f01.csv"
    code, _, err = cli(
        "--db", str(db), "query", "F01", "--country", "KGZ", "--format", "csv", "-o", str(export)
    )
    assert code == 0, err
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert {r["RESIDENCE_RULE"] for r in rows} == {"12_months"}
    assert {r["SOURCE_TYPE"] for r in rows} == {"register"}
    # a correction: 7 more women aged 25-29 from Kazakhstan, long-term, and every total above
    dims = default_registry().tables["F01"].dimension_ids
    leaf = {"COUNTRY_PREV_RES": "KAZ", "DURATION": "LT", "SEX": "F", "AGE": "Y25T29"}
    present = [{r[d] for r in rows} for d in dims]
    up = set(
        product(
            *(_ancestors("F01", i, leaf[d], present[i]) & present[i] for i, d in enumerate(dims))
        )
    )
    before = {tuple(r[d] for d in dims): int(r["OBS_VALUE"]) for r in rows}
    key = tuple(leaf[d] for d in dims)
    assert key in before and len(up) > 4
    for r in rows:
        if tuple(r[d] for d in dims) in up:
            r["OBS_VALUE"] = str(int(r["OBS_VALUE"]) + 7)
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = cli("--db", str(db), "submit", str(export), "--country", "KGZ")
    assert code == 0, out + err
    code, out, _ = cli("--db", str(db), "query", "F01", "--country", "KGZ", "--format", "json")
    after = {tuple(o[d] for d in dims): o["OBS_VALUE"] for o in json.loads(out)["observations"]}
    assert after[key] == before[key] + 7
    total = ("_T", "LT", "_T", "_T")
    assert after[total] == before[total] + 7
    code, out, _ = cli("--db", str(db), "submissions", "--country", "KGZ")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[-1].split("\t")[3] == "accepted"
    assert lines[-1].split("\t")[-1] == "f01.csv"


def test_a_russian_export_opens_in_a_russian_excel_and_still_submits(cli, tmp_path, kgz) -> None:
    db = tmp_path / "s.db"
    book = write_workbook(tmp_path / "KGZ_2024.xlsx", kgz)
    assert cli("--db", str(db), "submit", str(book), "--country", "KGZ")[0] == 0
    export = tmp_path / "s01.csv"
    args = ["--db", str(db), "--lang", "ru", "query", "S01", "--country", "KGZ", "-o", str(export)]
    assert cli(*args)[0] == 0
    raw = export.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode().splitlines()[0]
    assert header.startswith("TABLE;DATA_PROVIDER;REF_AREA;") and "POPULATION_COVERED" in header
    assert "Кыргызстан" in raw.decode("utf-8-sig")
    code, out, err = cli("--db", str(db), "submit", str(export), "--country", "KGZ")
    assert code == 0, out + err
    plain = cli("--db", str(db), "query", "S01", "--country", "KGZ", "--plain")[1]
    assert plain.startswith("TABLE,DATA_PROVIDER,")
    xlsx = tmp_path / "s01.xlsx"
    assert cli(*args[:-2], "--format", "xlsx", "-o", str(xlsx))[0] == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).worksheets[1]
    facts = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert facts["KGZ — Источник данных"] == "census — Перепись населения", facts
    assert facts["KGZ — Охват населения (кто учтён и кто не учтён)"] == "total resident population"
