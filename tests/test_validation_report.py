"""Validation reports: the terminal text in English and Russian, and the JSON document."""

from __future__ import annotations

import json

import pytest

from migstat.demo.synthetic import consistent_dataset
from migstat.model import Dataset
from migstat.validation import validate
from migstat.validation.report import render_text, to_json


@pytest.fixture(scope="module")
def spoiled() -> Dataset:
    """A submission with 14 typos in S01 ages of Russian-born women, one negative A01 cell
    and a flow table without residence rule."""
    ds = consistent_dataset("KGZ", 2024)
    index = {(o.table, o.key): o for o in ds.observations}
    for age in (
        "Y0T4",
        "Y5T9",
        "Y10T14",
        "Y15T19",
        "Y20T24",
        "Y25T29",
        "Y30T34",
        "Y35T39",
        "Y40T44",
        "Y45T49",
        "Y50T54",
        "Y55T59",
        "Y60T64",
        "Y65T69",
    ):
        index[("S01", ("RUS", "F", age))].value += 1
    ds.metadata.tables["F01"].residence_rule = None
    return ds


def test_text_report_in_english(spoiled) -> None:
    ds = spoiled
    findings = validate(ds)
    text = render_text(findings, lang="en", file_name=ds.file_name)
    lines = text.splitlines()
    assert lines[0] == "Validation of KGZ_2024.xlsx"
    n_errors = sum(1 for f in findings if f.severity == "error")
    assert lines[1] == f"{n_errors} errors, 0 warnings"
    assert "S01 — Population by country of birth, sex and age" in text
    assert "F01 — Immigration by country of previous residence" in text
    # 14 world totals and 14 sex totals by age are wrong, and one age total: 29 ARITH_TOTAL
    # findings of S01, of which the first 10 are shown.
    assert sum(1 for f in findings if f.rule == "ARITH_TOTAL") == 29
    assert text.count("ARITH_TOTAL  S01!") == 10
    assert "… and 19 more ARITH_TOTAL findings" in text
    first = min((f for f in findings if f.rule == "ARITH_TOTAL"), key=lambda f: f.sort_key)
    assert f"error  ARITH_TOTAL  {first.text('en')}" in text
    assert "cells: " in text
    assert "META_RESIDENCE_RULE" in text and "Metadata!E16" in text
    assert text.rstrip().endswith("Errors block acceptance: correct them and send the file again.")


def test_text_report_in_russian(spoiled) -> None:
    ds = spoiled
    findings = validate(ds)
    text = render_text(findings, lang="ru", file_name=ds.file_name, limit=3)
    assert text.startswith("Проверка файла KGZ_2024.xlsx\n30 ошибок, 0 предупреждений\n")
    assert (
        "S01 — Население по стране рождения, полу и возрасту (29 ошибок, 0 предупреждений)" in text
    )
    assert "F01 — Иммиграция" in text and "(1 ошибка, 0 предупреждений)" in text
    assert text.count("ошибка  ARITH_TOTAL  S01!") == 3
    assert "… и ещё замечаний ARITH_TOTAL: 26" in text
    assert "ячейки: " in text and "итог" in text
    assert "Metadata!E16" in text
    assert "не может быть принято" in text


def test_text_report_russian_plurals_and_warnings() -> None:
    ds = consistent_dataset("KGZ", 2024)
    # Two permit cells that did not exist last year and now count 250 or more.
    big = [
        o.key for o in ds.observations if o.table == "A01" and "_T" not in o.key and o.value >= 250
    ][:2]
    assert len(big) == 2

    class History:
        def previous(self, table, provider, ref_area, before):
            return ("2023", {k: 0.0 for k in big}) if table == "A01" else None

    findings = validate(ds, history=History())
    assert [f.rule for f in findings] == ["TIME_YOY_JUMP", "TIME_YOY_JUMP"]
    text = render_text(findings, lang="ru", file_name=ds.file_name)
    assert "0 ошибок, 2 предупреждения" in text
    assert text.count("предупреждение  TIME_YOY_JUMP  A01!") == 2
    assert "Ошибок нет: представление может быть принято." in text
    english = render_text(findings, lang="en", file_name=ds.file_name, summary=False)
    assert "warnings" not in english.splitlines()[1]
    assert "warning  TIME_YOY_JUMP  A01!" in english


def test_text_report_without_findings() -> None:
    text = render_text([], lang="ru", file_name="KGZ_2024.xlsx")
    assert (
        text == "Проверка файла KGZ_2024.xlsx\n0 ошибок, 0 предупреждений\n"
        "Замечаний нет: все проверки пройдены.\n"
    )


def test_json_document(spoiled) -> None:
    ds = spoiled
    findings = validate(ds)
    doc = to_json(findings, file_name=ds.file_name, dataset=ds)
    assert json.loads(json.dumps(doc, ensure_ascii=False)) == doc
    assert doc["file"] == "KGZ_2024.xlsx"
    summary = doc["summary"]
    assert summary["errors"] == 30 and summary["warnings"] == 0 and not summary["accepted"]
    assert summary["by_rule"] == {"ARITH_TOTAL": 29, "META_RESIDENCE_RULE": 1}
    assert summary["observations"] == len(ds.observations) and summary["provider"] == "KGZ"
    assert summary["tables"] == ["S01", "S02", "S03", "S04", "F01", "F03", "F02", "F04", "A01"]
    assert doc["findings"][0]["rule"] == "META_RESIDENCE_RULE"  # table F01 sorts first
    first = doc["findings"][1]
    assert set(first) == {
        "rule",
        "severity",
        "table",
        "location",
        "message",
        "values",
        "key",
        "related",
    }
    assert first["location"]["sheet"] == "S01" and first["location"]["file"] == "KGZ_2024.xlsx"
    assert first["message"]["en"].startswith(f"S01!{first['location']['cell']}: total")
    assert first["message"]["ru"].startswith(f"S01!{first['location']['cell']}: итог")
    assert first["values"]["difference"] == -1
    meta = next(f for f in doc["findings"] if f["rule"] == "META_RESIDENCE_RULE")
    assert meta["location"] == {"file": "KGZ_2024.xlsx", "sheet": "Metadata", "cell": "E16"}
    assert "key" not in meta and "related" not in meta
    bare = to_json([], file_name="x.csv")
    assert bare == {
        "file": "x.csv",
        "summary": {"errors": 0, "warnings": 0, "info": 0, "accepted": True, "by_rule": {}},
        "findings": [],
    }
