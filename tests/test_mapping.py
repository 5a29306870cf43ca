"""Classification mappings: national reasons for a move mapped to REASON, with shares,
versions, and their use at import (a PX table) and at submission (a long CSV)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from migstat import api
from migstat.mapping.apply import RULE_UNMAPPED, apply_mappings, split_whole
from migstat.mapping.model import Mapping, MappingEntry, read_mappings_csv, write_mappings_csv
from migstat.mapping.stored import used_by
from migstat.model import Dataset, InputError, Observation, default_registry
from migstat.store import schema as S
from tests.pxfiles import build_px

REG = default_registry()

# A CIS country's reasons for arrival, as its migration service classifies them.
REASONS = [
    ("00", "Всего", "Total"),
    ("01", "учёба", "study"),
    ("02", "работа", "work"),
    ("03", "возвращение на родину", "return to the homeland"),
    ("04", "по семейным обстоятельствам", "family circumstances"),
    (
        "05",
        "в связи с обострением межнациональных отношений",
        "aggravation of interethnic relations",
    ),
    ("06", "в связи с переменой места работы", "change of job"),
    ("07", "прочие причины", "other reasons"),
]
CITIZENSHIP = [("860", "Узбекистан", "Uzbekistan"), ("762", "Таджикистан", "Tajikistan")]
SEXES = [("1", "Мужчины", "Male"), ("2", "Женщины", "Female")]
# per citizenship and sex: the reasons 01..07 (the total is their sum)
FIGURES = {
    ("860", "1"): [120, 1_305, 47, 233, 15, 88, 41],
    ("860", "2"): [164, 402, 52, 611, 9, 12, 38],
    ("762", "1"): [35, 977, 11, 87, 3, 140, 17],
    ("762", "2"): [41, 203, 14, 296, 7, 5, 22],
}

MAPPING_CSV = """country,source,codelist,national_code,national_label,target,share
KGZ,px,REASON,03,возвращение на родину,SETTLE,1
KGZ,px,REASON,04,по семейным обстоятельствам,FAM,1
KGZ,px,REASON,05,в связи с обострением межнациональных отношений,PROT,0.6
KGZ,px,REASON,05,в связи с обострением межнациональных отношений,OTH,0.4
KGZ,px,REASON,работа,,OCC,1
KGZ,px,REASON,в связи с переменой места работы,,OCC,1
"""


def reasons_px(path: Path, reasons=REASONS) -> Path:
    data = []
    for cit, _ru, _en in CITIZENSHIP:
        for sex, _r, _e in SEXES:
            parts = FIGURES[(cit, sex)]
            by_code = dict(zip([r[0] for r in REASONS[1:]], parts, strict=True))
            data += [str(sum(parts)) if r[0] == "00" else str(by_code[r[0]]) for r in reasons]
    text = build_px(
        [
            ("Гражданство", "Citizenship", CITIZENSHIP),
            ("Пол", "Sex", SEXES),
            ("Причина прибытия", "Reason for arrival", reasons),
        ],
        1,
        data,
        title=(
            "Разрешения на проживание, выданные впервые, по гражданству, полу и причине",
            "First residence permits by citizenship, sex and reason",
        ),
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mappings() -> list[Mapping]:
    return read_mappings_csv(MAPPING_CSV.encode(), file_name="reasons.csv", registry=REG)


def test_csv_round_trip_and_lookup_by_code_or_label(mappings) -> None:
    (m,) = mappings
    assert m.ident == ("KGZ", "px", "REASON") and len(m.categories()) == 5
    again = read_mappings_csv(
        write_mappings_csv(mappings).encode(), file_name="x.csv", registry=REG
    )
    assert [(e.national_code, e.target, e.share) for e in again[0].entries] == [
        (e.national_code, e.target, e.share) for e in m.entries
    ]
    targets = m.targets()
    assert (
        targets["05"]
        == targets["в связи с обострением межнациональных отношений"]
        == [("PROT", 0.6), ("OTH", 0.4)]
    )
    assert targets["возвращение на родину"] == [("SETTLE", 1.0)]


@pytest.mark.parametrize(
    ("text", "expected", "line"),
    [
        (MAPPING_CSV.replace("OTH,0.4", "OTH,0.3"), "0.9", 4),  # shares of 05 add up to 0.9
        (MAPPING_CSV + "KGZ,px,REASON,08,,STUDY,1\n", "STUDY", 8),  # no such target code
        (MAPPING_CSV + "KGZ,px,REASON,08,,OTH,1.5\n", "1.5", 8),  # a share above 1
        (MAPPING_CSV + "XXX,px,REASON,08,,OTH,1\n", "XXX", 8),  # no such country
    ],
)
def test_bad_mappings_are_refused_naming_the_line(text: str, expected: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        read_mappings_csv(text.encode(), file_name="bad.csv", registry=REG)
    assert caught.value.where.file == "bad.csv" and caught.value.where.line == line
    assert expected in caught.value.text("en") and expected in caught.value.text("ru")
    assert caught.value.text("ru") != caught.value.text("en")


def test_split_whole_keeps_the_total() -> None:
    assert split_whole(87.0, [0.6, 0.4]) == [52.0, 35.0]
    assert sum(split_whole(7.0, [1 / 3] * 3)) == 7
    assert split_whole(2.5, [0.6, 0.4]) == [1.5, 1.0]


def test_import_applies_the_mapping_and_preserves_totals(tmp_path: Path, mappings) -> None:
    path = reasons_px(tmp_path / "kgz_permits.px")
    from migstat.sources import read_source

    dataset = read_source(path, source="px", country="KGZ", year="2024")
    assert {o.table for o in dataset.observations} == {"A01"}
    raw_reasons = {o.key[2] for o in dataset.observations}
    assert {"_T", "EDUC", "OTH", "02: работа", "03: возвращение на родину"} <= raw_reasons
    report = apply_mappings(dataset, mappings, registry=REG, source="px")
    assert not report.unmapped and report.split == 8
    cells = {(o.key[0], o.key[1], o.key[2]): o for o in dataset.observations}
    for (cit, sex), parts in FIGURES.items():
        iso = {"860": "UZB", "762": "TJK"}[cit]
        key = {"1": "M", "2": "F"}[sex]
        get = {
            r: cells[(iso, key, r)] for r in ("_T", "EDUC", "OCC", "SETTLE", "FAM", "PROT", "OTH")
        }
        # many-to-one: work and change of job are both remunerated activities
        assert get["OCC"].value == parts[1] + parts[5]
        # one-to-many: 60 % of interethnic tensions to protection, 40 % to other
        assert get["PROT"].value + get["OTH"].value == parts[4] + parts[6]
        assert get["PROT"].obs_status == "E" and get["OTH"].obs_status == "E"
        assert get["PROT"].value == round(parts[4] * 0.6) or parts[4] == 3
        assert get["SETTLE"].value == parts[2] and get["SETTLE"].obs_status == "A"
        assert get["FAM"].value == parts[3] and get["EDUC"].value == parts[0]
        total = sum(get[r].value for r in ("EDUC", "OCC", "SETTLE", "FAM", "PROT", "OTH"))
        assert total == get["_T"].value == sum(parts)
        assert all(float(o.value).is_integer() for o in get.values())
    assert any(f.rule == "IMPORT_MAPPING_APPLIED" for f in dataset.findings)


def test_unmapped_categories_are_reported_at_their_cells(tmp_path: Path, mappings) -> None:
    from migstat.sources import read_source

    reasons = [*REASONS[:7], ("07", "прочие причины", "other reasons")]
    path = reasons_px(tmp_path / "p.px", reasons)
    dataset = read_source(path, source="px", country="KGZ", year="2024")
    only_family = [Mapping("KGZ", "*", "REASON", [MappingEntry("04", "FAM")], version=1, id=9)]
    report = apply_mappings(dataset, only_family, registry=REG, source="px")
    unmapped = {cat for (_t, dim, country, cat) in report.unmapped if dim == "REASON"}
    assert unmapped == {
        "02: работа",
        "03: возвращение на родину",
        "05: в связи с обострением межнациональных отношений",
        "06: в связи с переменой места работы",
    }
    warning = next(
        f for f in dataset.findings if f.rule == RULE_UNMAPPED and "работа" in f.params["category"]
    )
    assert warning.where.file == "p.px" and warning.where.line > 20
    assert warning.params["count"] == 4 and "работа" in warning.text("ru")
    assert not any(o.key[2].startswith("0") for o in dataset.observations)


def test_versions_are_kept_and_the_import_records_the_one_used(
    tmp_path: Path, mappings, db_url: str
) -> None:
    with api.open_store(db_url) as store:
        first = api.save_mapping(store, mappings[0], created_by="coordinator")
        assert first.version == 1
        second = api.set_mapping(
            store,
            "KGZ",
            "REASON",
            "возвращение на родину",
            {"SETTLE": 0.9, "FAM": 0.1},
            source="px",
            label="return",
        )
        assert second.version == 2 and len(second.categories()) == 5
        assert api.mapping(store, "KGZ", "REASON", source="px", version=1).targets()[
            "возвращение на родину"
        ] == [("SETTLE", 1.0)]
        assert api.mapping(store, "KGZ", "REASON", source="px").targets()[
            "возвращение на родину"
        ] == [("SETTLE", 0.9), ("FAM", 0.1)]
        assert [m.version for m in api.mappings(store, all_versions=True)] == [1, 2]
        path = reasons_px(tmp_path / "kgz_permits.px")
        result = api.import_file(path, store=store, country="KGZ", year="2024")
        assert result.record is not None and result.record.status == "accepted"
        assert [m.version for m in used_by(store, result.record.id)] == [2]
        assert "REASON KGZ/px v2" in result.dataset.provenance.notes
        rows = api.query(
            store, "A01", filters={"REASON": ["SETTLE"], "SEX": ["M"]}, countries=["KGZ"]
        ).rows
        by_partner = {r["CITIZENSHIP"]: r for r in rows}
        assert by_partner["UZB"]["OBS_VALUE"] == 42  # 47 x 0.9, rounded by largest remainder
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(S.mapping)).scalar() == 2


def test_submission_with_national_reason_codes(tmp_path: Path, db_url: str) -> None:
    csv_text = (
        "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,SEX,REASON,OBS_VALUE\n"
        "A01,KGZ,2024,UZB,_T,_T,500\n"
        "A01,KGZ,2024,UZB,_T,учёба,120\n"
        "A01,KGZ,2024,UZB,_T,работа,300\n"
        "A01,KGZ,2024,UZB,_T,по семейным обстоятельствам,80\n"
    )
    path = tmp_path / "kgz_a01.csv"
    path.write_text(csv_text, encoding="utf-8")
    with api.open_store(db_url) as store:
        checked = api.check_file(path, country="KGZ", store=store)
        assert any(f.rule.startswith("STRUCT") for f in checked.errors)  # no mapping yet
        api.set_mapping(store, "KGZ", "REASON", "работа", {"OCC": 1}, source="long_csv")
        api.set_mapping(
            store, "KGZ", "REASON", "по семейным обстоятельствам", {"FAM": 1}, source="long_csv"
        )
        api.set_mapping(store, "KGZ", "REASON", "учёба", {"EDUC": 1}, source="*")
        record, checked = api.submit_file(store, path, country="KGZ")
        assert not [f for f in checked.errors if "REASON" in f.text()]
        values = {o.key[2]: o.value for o in checked.dataset.observations}
        assert values == {"_T": 500, "EDUC": 120, "OCC": 300, "FAM": 80}
        used = {(m.source, m.codelist, m.version) for m in used_by(store, record.id)}
        # the source's own mapping first, then the country's mapping for any source
        assert used == {("long_csv", "REASON", 2), ("*", "REASON", 1)}
        assert api.mapping(store, "KGZ", "REASON").targets()["учеба"] == [("EDUC", 1.0)]


def test_dataset_without_national_categories_is_untouched(mappings) -> None:
    obs = [Observation("A01", "KGZ", "2024", ("UZB", "_T", "FAM"), 5.0)]
    dataset = Dataset("x.csv", "long_csv", "KGZ", list(obs))
    report = apply_mappings(dataset, mappings, registry=REG, source="px")
    assert dataset.observations == obs and not report.used


def test_the_portal_edits_a_mapping_as_plain_data(tmp_path: Path, mappings) -> None:
    from migstat.mapping.model import Mapping as M

    with api.open_store(str(tmp_path / "s.db")) as store:
        saved = api.save_mapping(store, mappings[0])
        edited = saved.to_dict()
        assert edited["version"] == 1 and len(edited["entries"]) == 6
        edited["entries"] = [e for e in edited["entries"] if e["national_code"] != "03"]
        again = api.save_mapping(store, M.from_dict(edited), created_by="portal")
        assert again.version == 2 and "03" not in again.categories()
        edited["entries"][0]["share"] = 0.5
        with pytest.raises(InputError):
            api.save_mapping(store, M.from_dict(edited))
        path = reasons_px(tmp_path / "p.px")
        result = api.import_file(path, store=store, country="KGZ", year="2024")
        assert [m.version for m in api.mappings_used(store, result.record.id)] == [2]
        assert any(
            "возвращение на родину" in f.params.get("category", "")
            for f in result.unmapped_categories
        )


def test_categories_found_by_label_synonym_or_age_span() -> None:
    from migstat.sources.tabular import CodeFinder

    age = CodeFinder(REG.codelist("AGE"), "_T")
    assert age.find(["0-4 года"]) == "Y0T4" and age.find(["15–19 лет"]) == "Y15T19"
    assert age.find(["80 лет и старше"]) == "Y_GE80" and age.find(["80+"]) == "Y_GE80"
    assert age.find(["моложе 15"]) == "Y_LT15" and age.find(["Все возрасты"]) == "_T"
    sex = CodeFinder(REG.codelist("SEX"), "_T")
    assert [sex.find([t]) for t in ("мужчины", "Женщины", "оба пола", "Males")] == [
        "M",
        "F",
        "_T",
        "M",
    ]
    reason = CodeFinder(REG.codelist("REASON"), "_T")
    assert reason.find(["Учеба"]) == "EDUC" and reason.find(["работа"]) is None


def test_sdmx_csv_submission_with_national_codes(tmp_path: Path) -> None:
    path = tmp_path / "kgz_a01_sdmx.csv"
    path.write_text(
        "DATAFLOW,REF_AREA,TIME_PERIOD,CITIZENSHIP,SEX,REASON,OBS_VALUE\n"
        "MIGSTAT:A01(1.0),KGZ,2024,TJK,_T,_T,61\n"
        "MIGSTAT:A01(1.0),KGZ,2024,TJK,_T,R02,40\n"
        "MIGSTAT:A01(1.0),KGZ,2024,TJK,_T,R05,21\n",
        encoding="utf-8",
    )
    with api.open_store(str(tmp_path / "s.db")) as store:
        api.import_mappings(
            store,
            _csv(
                tmp_path,
                "country,source,codelist,national_code,"
                "national_label,target,share\n"
                "KGZ,sdmx_csv,REASON,R02,работа,OCC,1\n"
                "KGZ,sdmx_csv,REASON,R05,,PROT,0.5\n"
                "KGZ,sdmx_csv,REASON,R05,,OTH,0.5\n",
            ),
        )
        checked = api.check_file(path, country="KGZ", store=store)
    values = {o.key[2]: (o.value, o.obs_status) for o in checked.dataset.observations}
    assert values == {"_T": (61, "A"), "OCC": (40, "A"), "PROT": (11, "E"), "OTH": (10, "E")}
    assert not [f for f in checked.errors if f.rule == "ARITH_TOTAL"]


def _csv(folder: Path, text: str) -> Path:
    path = folder / "mappings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_tables_and_bad_keys_are_left_for_validation(mappings) -> None:
    odd = [
        Observation("X9", "KGZ", "2024", ("UZB", "работа"), 5.0),
        Observation("A01", "KGZ", "2024", ("UZB", "работа"), 7.0),
    ]
    dataset = Dataset("x.csv", "long_csv", "KGZ", list(odd))
    apply_mappings(dataset, mappings, registry=REG, source="px")
    assert dataset.observations == odd
