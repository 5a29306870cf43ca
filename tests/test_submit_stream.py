"""Submissions read, validated and stored a chunk at a time (:mod:`migstat.submitting`) give
the findings and the stored rows that reading the whole file gave, on SQLite and PostgreSQL;
a file of many bad rows keeps 1,000 findings of its rule and counts the rest; a byte that is
not text is reported at its line as before."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from migstat import api
from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.formats.detect import read_submission
from migstat.mapping.model import Mapping
from migstat.model import Dataset, Finding, InputError, default_registry
from migstat.sources.code_cells import suggest_codes
from migstat.store import Store
from migstat.store import schema as S
from migstat.validation import validate
from migstat.validation.chunked import RULE_MORE
from tests.conftest import fresh_pg_database
from tests.release_data import COORDINATOR

META = "--meta"
F01_META = ("source_type=register", "reference_date=2024", "residence_rule=12_months")


@pytest.fixture(scope="module")
def kgz() -> Dataset:
    return consistent_dataset("KGZ", 2024)


def long_csv(dataset: Dataset, tables: list[str], *, spoil: bool = False) -> str:
    """The observations of ``tables`` as one long CSV (the union of their dimension columns);
    ``spoil``: some values off by 7 (totals break), some text, one cell given twice."""
    reg = default_registry()
    dims = list(dict.fromkeys(d for t in tables for d in reg.tables[t].dimension_ids))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["TABLE", "REF_AREA", "TIME_PERIOD", *dims, "OBS_VALUE"])
    n = 0
    for o in dataset.observations:
        if o.table not in tables:
            continue
        n += 1
        key = dict(zip(reg.tables[o.table].dimension_ids, o.key, strict=True))
        value: object = int(o.value)
        if spoil and n % 97 == 0:
            value = int(o.value) + 7
        if spoil and n % 331 == 0:
            value = "about 12"
        row = [o.table, o.ref_area, o.time_period, *(key.get(d, "") for d in dims), value]
        writer.writerow(row)
        if spoil and n == 50:
            writer.writerow(row)
    return out.getvalue()


def sdmx_csv(dataset: Dataset, table: str) -> str:
    tdef = default_registry().tables[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["DATAFLOW", "REF_AREA", "TIME_PERIOD", *tdef.dimension_ids, "OBS_VALUE"])
    for o in dataset.observations:
        if o.table == table:
            writer.writerow([f"MIGSTAT:{table}(1.0)", o.ref_area, o.time_period, *o.key, o.value])
    return out.getvalue()


@pytest.fixture(scope="module")
def files(kgz: Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("submissions")
    tables = sorted({o.table for o in kgz.observations})
    spoiled = consistent_dataset("KGZ", 2024)
    out = {
        "long": folder / "kgz.csv",
        "spoiled": folder / "kgz_spoiled.csv",
        "sdmx": folder / "kgz_s01.sdmx.csv",
    }
    out["long"].write_text(long_csv(kgz, tables), encoding="utf-8")
    out["spoiled"].write_text(long_csv(spoiled, tables, spoil=True), encoding="utf-8")
    out["sdmx"].write_text(sdmx_csv(kgz, "S01"), encoding="utf-8")
    out["book"] = write_workbook(folder / "KGZ_2024.xlsx", kgz)
    return out


def whole(path: Path, store: Store | None) -> tuple[Dataset, bytes, list[Finding], list[Mapping]]:
    """What ``check_file`` did before it streamed: the whole file read, mapped, validated."""
    reg = default_registry()
    dataset, raw = read_submission(path, registry=reg, country="KGZ")
    suggest_codes(dataset.findings, reg)
    used = api.map_categories(store, dataset) if store is not None else []
    return dataset, raw, validate(dataset, registry=reg, history=store), used


def said(findings: list[Finding]) -> list[str]:
    return sorted(json.dumps(f.to_dict(), sort_keys=True, default=str) for f in findings)


@pytest.mark.parametrize("name", ["long", "spoiled", "sdmx", "book"])
def test_the_streamed_check_finds_what_the_whole_file_check_found(
    files: dict[str, Path], name: str
) -> None:
    _dataset, _raw, before, _used = whole(files[name], None)
    checked = api.check_file(files[name], country="KGZ")
    assert said(checked.findings) == said(before)
    if name == "spoiled":  # the spoiled file has findings of several rules to compare
        rules = {f.rule for f in before}
        assert {"ARITH_TOTAL", "STRUCT_NOT_NUMBER", "STRUCT_DUPLICATE"} <= rules
        assert len(before) > 30


@contextlib.contextmanager
def two_stores(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two empty stores of the kind of ``db_url``."""
    with contextlib.ExitStack() as stack:
        if db_url.startswith("sqlite"):
            other = f"sqlite:///{tmp_path / 'other.db'}"
        else:
            other = stack.enter_context(contextlib.contextmanager(fresh_pg_database)())
        first = stack.enter_context(Store.open(db_url))
        second = stack.enter_context(Store.open(other))
        yield first, second


def stored_rows(store: Store, submission_id: int) -> list[tuple[object, ...]]:
    sl, ob = S.slice_, S.observation
    cols = [c for c in ob.c if c.name not in ("id", "slice_id")]
    stmt = (
        sa.select(sl.c.table_id, sl.c.ref_area, sl.c.time_period, sl.c.provider, *cols)
        .join(ob, ob.c.slice_id == sl.c.id)
        .where(sl.c.submission_id == submission_id)
    )
    with store.reading() as conn:
        return sorted(tuple(r) for r in conn.execute(stmt).all())


@pytest.mark.parametrize("name", ["long", "spoiled", "book"])
def test_the_streamed_submission_stores_the_rows_the_whole_file_stored(
    files: dict[str, Path], name: str, db_url: str, tmp_path: Path
) -> None:
    meta = F01_META if name != "book" else ()
    with two_stores(db_url, tmp_path) as (before_store, after_store):
        dataset, raw, before, _used = whole(files[name], before_store)
        if meta:
            from migstat.formats.detect import add_metadata
            from migstat.formats.submeta import parse_options

            add_metadata(dataset, files[name], None, parse_options(meta))
            before = validate(dataset, registry=default_registry(), history=before_store)
        old = before_store.submit(dataset, raw, findings=before, submitted_by="cli")
        new, checked = api.submit_file(after_store, files[name], country="KGZ", meta=meta)
        assert said(checked.findings) == said(before)
        assert (new.status, new.n_errors, new.n_warnings, new.n_observations) == (
            old.status,
            old.n_errors,
            old.n_warnings,
            old.n_observations,
        )
        assert new.n_observations > 1000
        assert stored_rows(after_store, new.id) == stored_rows(before_store, old.id)
        assert after_store.raw_file(new.id, principal=COORDINATOR) == (
            files[name].name,
            files[name].read_bytes(),
        )
        assert checked.observations == len(dataset.observations)


def test_many_bad_rows_keep_a_thousand_findings_and_count_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    rows = ["TABLE,REF_AREA,TIME_PERIOD,COUNTRY_BIRTH,SEX,AGE,OBS_VALUE"]
    rows += [f"S01,KGZ,2024-01-01,C{n:05d},F,_T,x{n}" for n in range(45_000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    checked = api.check_file(path)
    not_numbers = [f for f in checked.findings if f.rule == "STRUCT_NOT_NUMBER"]
    assert len(not_numbers) == 1000
    assert not_numbers[0].where.line == 2 and not_numbers[-1].where.line == 1001
    [more] = [f for f in checked.findings if f.rule == RULE_MORE]
    assert more.params == {"count": 44_000, "rule": "STRUCT_NOT_NUMBER", "kept": 1000}
    assert "44\u202f000 more findings of rule STRUCT_NOT_NUMBER" in more.text("en")


def test_a_byte_that_is_not_text_is_reported_at_its_line(
    files: dict[str, Path], tmp_path: Path
) -> None:
    text = files["long"].read_bytes()
    lines = text.split(b"\n")
    at = 21_000  # past the first batch and the first piece read
    assert len(lines) > at
    lines[at - 1] = lines[at - 1].replace(b"KGZ", b"K\xc7Z", 1)
    path = tmp_path / "cp1251.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as streamed:
        api.check_file(path, country="KGZ")
    with pytest.raises(InputError) as read_whole:
        read_submission(path, country="KGZ")
    assert streamed.value.where.line == read_whole.value.where.line == at
    assert streamed.value.text("ru") == read_whole.value.text("ru")
    assert f"line {at}" in streamed.value.text("en")
