"""Two example files the demo writes from published numbers, to import through ``migstat import``.

National offices publish PX tables (PxWeb) and origin-destination matrices, and no such file
is among the published data. So that the portal holds data that came through those importers
too, the demo writes one of each under ``<out>/examples/``, made only from numbers it has
already imported, and says so in the file (PX ``NOTE``) or beside it (``README.txt``):

* ``BLR_arrivals_2010-2019_EXAMPLE.px``: a PxWeb-style table in Russian and English,
  Windows-1251, of arrivals in Belarus by country of previous residence, 2010-2019, from
  Belstat's answers (``belstat_arrivals_oblast_2010-2019.json``). Its variable
  "Продолжительность пребывания" holds Belstat's national category "на постоянное
  жительство" (arrivals registered at the place of residence), which no code of DURATION
  names: the demo maps it to ``LT`` with a classification mapping (as the Belstat importer
  itself records these flows), so the import goes through :mod:`migstat.mapping`.
* ``CIS_arrivals_matrix_2019_EXAMPLE.csv``: origin x destination (``из\\в``) of the arrivals
  that eight CIS countries recorded in 2019 from each CIS partner, Russian country names,
  from CIS-Stat's ``cis_migration.csv``.

They are examples in the format, not publications of those offices.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from migstat import api
from migstat.model import Registry
from migstat.store import Store

PX_FILE = "BLR_arrivals_2010-2019_EXAMPLE.px"
MATRIX_FILE = "CIS_arrivals_matrix_2019_EXAMPLE.csv"
PX_YEARS = tuple(str(y) for y in range(2010, 2020))
PX_PARTNERS = (
    "_T",
    "CIS",
    "ARM",
    "AZE",
    "GEO",
    "KAZ",
    "KGZ",
    "MDA",
    "RUS",
    "TJK",
    "TKM",
    "UKR",
    "UZB",
    "NON_CIS",
)
GROUP_NAMES = {
    "_T": ("Всего", "Total", "0"),
    "CIS": ("Страны СНГ", "CIS countries", "CIS"),
    "NON_CIS": ("Страны вне СНГ", "Non-CIS countries", "NCIS"),
}
PERMANENT = ("на постоянное жительство", "for permanent residence")
"""Belstat's category of these flows: arrivals registered at the place of residence."""
MATRIX_YEAR = "2019"
MATRIX_DESTINATIONS = ("ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "UZB")
"""The CIS countries whose 2019 arrivals by partner CIS-Stat publishes."""
MATRIX_ORIGINS = ("ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
REGISTER = {"source_type": "register", "residence_rule": "permanent_registration"}
"""What ``--source-type`` and ``--residence-rule`` say for both files (CIS practice)."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cells(
    store: Store, countries: Sequence[str], provider: str, first: str, last: str
) -> dict[tuple[str, str, str], tuple[Any, str]]:
    """(reporting country, partner, year) -> (value, OBS_STATUS) of F01 totals (long-term,
    both sexes, all ages) as stored from ``provider``."""
    result = api.query(
        store,
        "F01",
        countries=list(countries),
        providers=[provider],
        start=int(first),
        end=int(last),
    )
    return {
        (r["REF_AREA"], r["COUNTRY_PREV_RES"], str(r["TIME_PERIOD"])): (
            r["OBS_VALUE"],
            r["OBS_STATUS"],
        )
        for r in result.rows
        if r["DURATION"] == "LT" and r["SEX"] == "_T" and r["AGE"] == "_T"
    }


def _q(items: Sequence[str]) -> str:
    return ",".join(f'"{i}"' for i in items)


def _px_cell(found: tuple[Any, str] | None) -> str:
    if found is None or found[0] is None:
        return '".."'
    value = found[0]
    return "-" if value == 0 else f"{value:.0f}"


def write_belarus_px(store: Store, folder: Path, *, source: Path, registry: Registry) -> Path:
    """The PX example of arrivals in Belarus, from the Belstat numbers in the store."""
    cells = _cells(store, ["BLR"], "BELSTAT", PX_YEARS[0], PX_YEARS[-1])
    areas = registry.areas
    names = []
    for code in PX_PARTNERS:
        if code in GROUP_NAMES:
            names.append(GROUP_NAMES[code])
        else:
            found = areas.get(code)
            names.append(
                (
                    areas.label(code, "ru"),
                    areas.label(code, "en"),
                    str(found.attributes.get("m49", code)) if found else code,
                )
            )
    partner_ru, partner_en = "Страна предыдущего проживания", "Country of previous residence"
    dur_ru, dur_en = "Продолжительность пребывания", "Duration of stay"
    year_ru, year_en = "Год", "Year"
    digest = sha256(source)
    note_ru = (
        f"ПРИМЕР, составленный демонстрацией migstat из опубликованных чисел Белстата "
        f"(портал открытых данных, показатель 10101300001, файл {source.name}, "
        f"SHA-256 {digest}). Числа не изменены; это не публикация Белстата в формате "
        f"PX. 2020-2023 годы Белстатом не опубликованы."
    )
    note_en = (
        f"EXAMPLE made by the migstat demo from Belstat's published numbers (open-data "
        f"portal, indicator 10101300001, file {source.name}, SHA-256 {digest}). The "
        f"numbers are unchanged; this is not a PX publication of Belstat."
    )
    lines = [
        'CHARSET="ANSI";',
        'AXIS-VERSION="2010";',
        'CODEPAGE="windows-1251";',
        'LANGUAGE="ru";',
        'LANGUAGES="ru","en";',
        "DECIMALS=0;",
        "SHOWDECIMALS=0;",
        'MATRIX="BLR_MIG_ARR_EXAMPLE";',
        'SUBJECT-CODE="MIG";',
        'SUBJECT-AREA="Миграция населения";',
        'SUBJECT-AREA[en]="Migration";',
        'CONTENTS="Число прибывших по странам предыдущего проживания (пример)";',
        'CONTENTS[en]="Arrivals by country of previous residence (example)";',
        'TITLE="Число прибывших в Республику Беларусь по странам предыдущего проживания '
        'и годам (пример)";',
        'TITLE[en]="Arrivals in Belarus by country of previous residence and year (example)";',
        f'STUB="{partner_ru}","{dur_ru}";',
        f'STUB[en]="{partner_en}","{dur_en}";',
        f'HEADING="{year_ru}";',
        f'HEADING[en]="{year_en}";',
        f'VALUES("{partner_ru}")={_q([n[0] for n in names])};',
        f'VALUES[en]("{partner_en}")={_q([n[1] for n in names])};',
        f'VALUES("{dur_ru}")="{PERMANENT[0]}";',
        f'VALUES[en]("{dur_en}")="{PERMANENT[1]}";',
        f'VALUES("{year_ru}")={_q(PX_YEARS)};',
        f'VALUES[en]("{year_en}")={_q(PX_YEARS)};',
        f'TIMEVAL("{year_ru}")=TLIST(A1),{_q(PX_YEARS)};',
        f'TIMEVAL[en]("{year_en}")=TLIST(A1),{_q(PX_YEARS)};',
        f'CODES("{partner_ru}")={_q([n[2] for n in names])};',
        f'CODES[en]("{partner_en}")={_q([n[2] for n in names])};',
        f'CODES("{dur_ru}")="1";',
        f'CODES[en]("{dur_en}")="1";',
        'UNITS="человек";',
        'UNITS[en]="persons";',
        'SOURCE="Национальный статистический комитет Республики Беларусь (Белстат)";',
        'SOURCE[en]="National Statistical Committee of the Republic of Belarus (Belstat)";',
        'DATASYMBOL2="нет данных";',
        'DATASYMBOL2[en]="not available";',
        f'NOTE="{note_ru}";',
        f'NOTE[en]="{note_en}";',
        "DATA=",
    ]
    for code in PX_PARTNERS:
        lines.append(" ".join(_px_cell(cells.get(("BLR", code, y))) for y in PX_YEARS))
    lines[-1] += ";"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PX_FILE
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def write_cis_matrix(store: Store, folder: Path, *, registry: Registry) -> Path:
    """The matrix example: arrivals recorded in 2019 by destination (columns), by origin."""
    cells = _cells(store, MATRIX_DESTINATIONS, "CISSTAT", MATRIX_YEAR, MATRIX_YEAR)
    areas = registry.areas
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["из\\в", "год", *(areas.label(d, "ru") for d in MATRIX_DESTINATIONS)])
    for origin in MATRIX_ORIGINS:
        row = [areas.label(origin, "ru"), MATRIX_YEAR]
        for dest in MATRIX_DESTINATIONS:
            found = cells.get((dest, origin, MATRIX_YEAR))
            if origin == dest:
                row.append("-")
            elif found is None or found[0] is None:
                row.append("..")
            else:
                row.append(f"{found[0]:.0f}")
        writer.writerow(row)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MATRIX_FILE
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_readme(folder: Path, px: Path, matrix: Path, sources: dict[str, Path]) -> Path:
    """What the two examples are and where their numbers come from."""
    lines = [
        "EXAMPLES made by the migstat demo from published numbers (not publications).",
        "",
        f"{px.name}: a PxWeb-style PX table (Russian and English, Windows-1251) of arrivals",
        "in Belarus by country of previous residence, 2010-2019, with Belstat's figures",
        f"unchanged, from {sources['belstat'].name} (SHA-256 {sha256(sources['belstat'])}).",
        "Imported with: migstat import --country BLR --source-type register",
        "  --residence-rule permanent_registration, after a classification mapping",
        '  (migstat mapping set BLR DURATION "на постоянное жительство" LT --source px).',
        "",
        f"{matrix.name}: origin (rows) x destination (columns) of the arrivals that eight",
        f"CIS countries recorded in {MATRIX_YEAR} from each CIS partner, CIS-Stat's figures",
        f"unchanged, from {sources['cisstat'].name} (SHA-256 {sha256(sources['cisstat'])}).",
        "'-' on the diagonal (a country with itself), '..' where CIS-Stat has no figure.",
        "Imported with: migstat import --table F01 --source-type register",
        "  --residence-rule permanent_registration (provider MATRIX: the reader's default).",
        "",
    ]
    path = folder / "README.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def import_examples(
    store: Store,
    data: Path,
    out_dir: Path,
    *,
    registry: Registry,
    echo: Callable[[str], None] = print,
) -> list[api.ImportResult]:
    """Write the two examples (after Belstat and CIS-Stat are imported), set the mapping of
    Belstat's duration category, and import both as ``migstat import`` does."""
    from migstat.demo.imports import DemoImport, import_one

    sources = {
        "belstat": data / "belstat" / "belstat_arrivals_oblast_2010-2019.json",
        "cisstat": data / "cisstat" / "cis_migration.csv",
    }
    if not all(p.exists() for p in sources.values()):
        echo("examples: Belstat or CIS-Stat file missing; PX and matrix examples skipped")
        return []
    folder = out_dir / "examples"
    shutil.rmtree(folder, ignore_errors=True)
    px = write_belarus_px(store, folder, source=sources["belstat"], registry=registry)
    matrix = write_cis_matrix(store, folder, registry=registry)
    write_readme(folder, px, matrix, sources)
    api.set_mapping(
        store,
        "BLR",
        "DURATION",
        PERMANENT[0],
        {"LT": 1.0},
        source="px",
        label="Arrivals registered at the place of residence (Belstat)",
        created_by="demo",
        registry=registry,
        note="Belstat counts arrivals and departures registered at the place of "
        "residence (permanent registration); migstat stores them as long-term",
    )
    made = "Example made by the demo from {name} (SHA-256 {sha}); numbers unchanged"
    return [
        import_one(
            store,
            DemoImport(
                px,
                source="px",
                options={"country": "BLR", **REGISTER},
                note=made.format(name=sources["belstat"].name, sha=sha256(sources["belstat"])),
            ),
            registry=registry,
            echo=echo,
        ),
        import_one(
            store,
            DemoImport(
                matrix,
                source="matrix",
                table="F01",
                options=REGISTER,
                note=made.format(name=sources["cisstat"].name, sha=sha256(sources["cisstat"])),
            ),
            registry=registry,
            echo=echo,
        ),
    ]
