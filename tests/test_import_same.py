"""The streamed import gives what the whole file read at once gives: the same findings (rules,
messages, lines and columns), the same stored observations, the same duplicates, on UNHCR's
real files and on a small file with every kind of finding the reader and validation make."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from migstat.api import import_file
from migstat.model import InputError
from migstat.sources import read_source
from migstat.sources.skipped import MSG_NOTHING_TO_STORE, RULE_NOTHING_TO_STORE
from migstat.store import schema as S
from migstat.validation import validate

UNHCR = Path(__file__).resolve().parents[2] / "shared" / "data" / "unhcr"
REAL = {
    "unhcr_2020.csv": (187_862, 3_970),
    "unhcr_ukraine_origin_1992_export__jatofi.csv": (2_430, 1_215),
}
"""Observations and slices (asylum country and year) of each real file."""

FINDINGS = """year,orig,dest,refugees,asylum_seekers,returned_refugees
2019,AFG,DEU,100,20,3
2019,AFG,DEU,100,20,3
2019,AFG,DEU,101,21,3
2019,SYR,DEU,NA,5,0
2019,ZZZ,DEU,7,1,0
2019,ZZZ,AUT,7,1,0
2019,XXA,DEU,4,0,0
2019,,DEU,2,0,0
2019,UKN,DEU,1,0,0
2019,TIB,IND,50,0,0
2019,CHN,IND,10,0,0
1996,AFG,XXA,5,7,0
2019,IRQ,AUT,-5,2,0
2019,IRN,AUT,2.5,1,0
2020,AFG,DEU,"1 200",30,0
2020,DEU,DEU,0,0,0
2020,SYR,TUR,3600000,..,0
"""
"""Repeated rows (line 3 as line 2, line 4 once more; an empty origin and UKN both unknown),
an unmatched origin, a stateless asylum country, a negative count that is also a total less
than its parts, a fraction, a value with a space, values not available, a column not stored."""


def _stored(store) -> list[tuple]:
    """Every stored observation as (table, area, period, key, value, status), sorted."""
    o, s = S.observation, S.slice_
    query = sa.select(
        s.c.table_id, s.c.ref_area, s.c.time_period, o.c.key, o.c.value, o.c.obs_status
    ).join(s, s.c.id == o.c.slice_id)
    with store.reading() as conn:
        return sorted(tuple(row) for row in conn.execute(query))


def _read_whole(path: Path) -> list[tuple]:
    dataset = read_source(path, source="unhcr", allow_unmatched=True)
    return sorted(
        (
            o.table,
            o.ref_area,
            o.time_period,
            S.KEY_SEPARATOR.join(o.key),
            None if o.value is None else float(o.value),
            o.obs_status,
        )
        for o in dataset.observations
    )


def _said(findings) -> list[tuple]:
    return [
        (f.rule, str(f.severity), f.text("en"), f.text("ru"), str(f.where), f.table)
        for f in findings
    ]


@pytest.mark.parametrize("name", sorted(REAL))
def test_a_real_file_streams_as_it_reads_whole(store, name: str) -> None:
    path = UNHCR / name
    observations, slices = REAL[name]
    dry = import_file(path, source="unhcr", dry_run=True)
    whole = read_source(path, source="unhcr", allow_unmatched=True)
    assert dry.observations == len(whole.observations) == observations
    assert _said(dry.findings) == _said(validate(whole, imported=True))
    result = import_file(path, store=store, source="unhcr")
    assert _said(result.findings) == _said(dry.findings)
    stored = _stored(store)
    assert stored == _read_whole(path)
    assert len({(t, a, p) for t, a, p, *_ in stored}) == slices


def test_findings_of_every_kind_are_those_of_the_whole_file(store, tmp_path) -> None:
    path = tmp_path / "findings.csv"
    path.write_text(FINDINGS, encoding="utf-8")
    dry = import_file(path, source="unhcr", dry_run=True)
    placed = [
        (f.rule, str(f.severity), f.where.line if f.where else None, f.where and f.where.column)
        for f in dry.findings
    ]
    assert placed == [
        ("FINDINGS_MORE", "error", None, None),  # line 4, a second repetition: counted
        ("STRUCT_DUPLICATE", "error", 3, "asylum_seekers"),
        ("STRUCT_DUPLICATE", "error", 3, "refugees"),
        ("STRUCT_DUPLICATE", "error", 10, "asylum_seekers"),
        ("STRUCT_DUPLICATE", "error", 10, "refugees"),
        ("STRUCT_NEGATIVE", "error", 14, "refugees"),
        ("STRUCT_NOT_INTEGER", "error", 15, "refugees"),
        ("IMPORT_UNMATCHED_NAME", "warning", 6, "orig"),
        ("IMPORT_NOT_STORED", "warning", 1, None),
        ("IMPORT_NO_REF_AREA", "warning", 13, "dest"),
        ("ARITH_TOTAL", "warning", 14, "refugees"),
    ]
    assert dry.findings[0].params == {"count": 2, "rule": "STRUCT_DUPLICATE", "kept": 4}
    assert "already given in line 2" in dry.findings[1].text("en")
    assert "total -5 is less than the sum of the parts given 0" in dry.findings[-1].text("en")
    # the whole file read at once: the same findings (the two of a line in the order of its
    # columns), the second repetition (line 4) listed instead of counted
    whole = _said(validate(read_source(path, source="unhcr", allow_unmatched=True), imported=True))
    listed = [f for f in whole if not f[4].startswith("findings.csv, line 4,")]
    assert sorted(listed) == sorted(_said(dry.findings[1:]))
    assert len(whole) - len(listed) == 2
    # imported (unmatched names allowed): the same findings, every row but the repetitions
    result = import_file(path, store=store, source="unhcr", allow_unmatched=True)
    assert _said(result.findings) == _said(dry.findings)
    stored = _stored(store)
    assert len(stored) == result.observations == 26
    assert ("R01", "DEU", "2020-12-31", "AFG._T.REF", 1200.0, "A") in stored
    assert ("R01", "TUR", "2020-12-31", "SYR._T.ASY", None, "L") in stored
    assert ("R01", "AUT", "2019-12-31", "IRN._T.REF", 2.5, "A") in stored
    deu = [row for row in stored if row[1:4] == ("DEU", "2019-12-31", "AFG._T.REF")]
    assert deu == [("R01", "DEU", "2019-12-31", "AFG._T.REF", 100.0, "A")] * 2
    assert [row for row in stored if row[3].startswith("_U.")] == [
        ("R01", "DEU", "2019-12-31", "_U._T.ASY", 0.0, "A"),
        ("R01", "DEU", "2019-12-31", "_U._T.ASY", 0.0, "A"),
        ("R01", "DEU", "2019-12-31", "_U._T.REF", 1.0, "A"),
        ("R01", "DEU", "2019-12-31", "_U._T.REF", 2.0, "A"),
    ]


def test_nothing_to_store_is_one_message_in_the_dry_run_and_the_import(store, tmp_path) -> None:
    path = tmp_path / "none.csv"
    path.write_text("year,orig,dest,refugees,asylum_seekers\n1996,AFG,XXA,5,7\n")
    dry = import_file(path, source="unhcr", dry_run=True)
    said = [f for f in dry.findings if f.rule == RULE_NOTHING_TO_STORE]
    assert [f.message for f in said] == [MSG_NOTHING_TO_STORE]
    with pytest.raises(InputError) as refused:
        import_file(path, store=store, source="unhcr")
    assert refused.value.message == MSG_NOTHING_TO_STORE
    assert str(refused.value) == f"none.csv: {said[0].text('en')}"
    assert "Сохранять нечего" in said[0].text("ru")
