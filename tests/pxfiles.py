"""Realistic PX files for the tests: a PxWeb-style table of arrivals in Kyrgyzstan by
country of previous residence, sex and year, in Russian (default) and English."""

from __future__ import annotations

from math import prod
from pathlib import Path

COUNTRIES = [
    ("0", "Всего", "Total"),
    ("643", "Российская Федерация", "Russian Federation"),
    ("398", "Казахстан", "Kazakhstan"),
    ("860", "Узбекистан", "Uzbekistan"),
    ("762", "Таджикистан", "Tajikistan"),
    ("156", "Китай", "China"),
]
SEXES = [("0", "Оба пола", "Both sexes"), ("1", "Мужчины", "Male"), ("2", "Женщины", "Female")]
YEARS = ["2021", "2022", "2023"]

# arrivals by partner (without the total) and year: (male, female); "-" nil, ".." n/a
_BY_PARTNER = {
    "643": [(1210, 1398), (1105, 1287), (998, 1176)],
    "398": [(402, 377), (388, 361), (351, 340)],
    "860": [(141, 96), (133, 90), (120, 88)],
    "762": [(64, 41), (70, 45), (58, "..")],
    "156": [(17, "-"), (21, 3), (25, 6)],
}


def _num(v: int | str) -> int:
    return v if isinstance(v, int) else 0


def cells() -> dict[tuple[str, str, str], int | str]:
    """(partner code, sex code, year) -> the figure written in DATA."""
    out: dict[tuple[str, str, str], int | str] = {}
    for y, year in enumerate(YEARS):
        total_m = total_f = 0
        for code, series in _BY_PARTNER.items():
            m, f = series[y]
            out[(code, "1", year)], out[(code, "2", year)] = m, f
            out[(code, "0", year)] = _num(m) + _num(f)
            total_m += _num(m)
            total_f += _num(f)
        out[("0", "1", year)], out[("0", "2", year)] = total_m, total_f
        out[("0", "0", year)] = total_m + total_f
    return out


def _q(items: list[str]) -> str:
    return ",".join(f'"{i}"' for i in items)


def px_text(
    codepage: str = "windows-1251",
    *,
    timeval: bool = True,
    codes: bool = True,
    extra: str = "",
    partners: list[tuple[str, str, str]] | None = None,
    data_override: dict[int, str] | None = None,
) -> str:
    partners = partners or COUNTRIES
    figures = cells()
    lines = [
        'CHARSET="ANSI";',
        'AXIS-VERSION="2010";',
        f'CODEPAGE="{codepage}";',
        'LANGUAGE="ru";',
        'LANGUAGES="ru","en";',
        'CREATION-DATE="20240315 09:00";',
        "DECIMALS=0;",
        "SHOWDECIMALS=0;",
        'MATRIX="MIG_ARR_01";',
        'SUBJECT-CODE="MIG";',
        'SUBJECT-AREA="Миграция";',
        'SUBJECT-AREA[en]="Migration";',
        'CONTENTS="Прибывшие по странам предыдущего проживания";',
        'CONTENTS[en]="Arrivals by country of previous residence";',
        'TITLE="Прибывшие по странам предыдущего проживания, полу и годам";',
        'TITLE[en]="Arrivals by country of previous residence, sex and year";',
        'STUB="Страна предыдущего проживания","Пол";',
        'STUB[en]="Country of previous residence","Sex";',
        'HEADING="Год";',
        'HEADING[en]="Year";',
        f'VALUES("Страна предыдущего проживания")={_q([p[1] for p in partners])};',
        f'VALUES[en]("Country of previous residence")={_q([p[2] for p in partners])};',
        f'VALUES("Пол")={_q([s[1] for s in SEXES])};',
        f'VALUES[en]("Sex")={_q([s[2] for s in SEXES])};',
        f'VALUES("Год")={_q(YEARS)};',
        f'VALUES[en]("Year")={_q(YEARS)};',
    ]
    if timeval:
        lines += [
            f'TIMEVAL("Год")=TLIST(A1),{_q(YEARS)};',
            f'TIMEVAL[en]("Year")=TLIST(A1),{_q(YEARS)};',
        ]
    if codes:
        lines += [
            f'CODES("Страна предыдущего проживания")={_q([p[0] for p in partners])};',
            f'CODES[en]("Country of previous residence")={_q([p[0] for p in partners])};',
            f'CODES("Пол")={_q([s[0] for s in SEXES])};',
            f'CODES[en]("Sex")={_q([s[0] for s in SEXES])};',
        ]
    lines += [
        'ELIMINATION("Пол")="Оба пола";',
        'ELIMINATION[en]("Sex")="Both sexes";',
        'UNITS="человек";',
        'UNITS[en]="persons";',
        'SOURCE="Национальный статистический комитет Кыргызской Республики";',
        'SOURCE[en]="National Statistical Committee of the Kyrgyz Republic";',
        'LAST-UPDATED="20240315 09:00";',
        'DATASYMBOL2="Нет данных";',
        'DATASYMBOL2[en]="Not available";',
        'NOTE="Данные текущего учёта миграции населения. Прибывшие на постоянное "',
        '"жительство.";',
    ]
    if extra:
        lines.append(extra)
    lines.append("DATA=")
    n = 0
    for partner in partners:
        for sex in SEXES:
            row = []
            for year in YEARS:
                v = figures.get((partner[0], sex[0], year), 0)
                token = f'"{v}"' if isinstance(v, str) else str(v)
                if data_override and n in data_override:
                    token = data_override[n]
                row.append(token)
                n += 1
            lines.append(" ".join(row))
    lines[-1] += ";"
    return "\n".join(lines) + "\n"


def write_px(path: Path, codepage: str = "windows-1251", **options) -> Path:
    text = px_text(codepage, **options)
    encoding = "cp1251" if "1251" in codepage else "utf-8"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def build_px(
    variables: list[tuple[str, str, list[tuple[str, str, str]]]],
    heading: int,
    data: list[str],
    *,
    title: tuple[str, str],
    codepage: str = "utf-8",
    elimination: dict[str, tuple[str, str]] | None = None,
) -> str:
    """A bilingual PX file: ``variables`` (Russian name, English name, values as (code,
    Russian, English)), the last ``heading`` of them in HEADING, ``data`` in PX order."""
    stub, head = variables[: len(variables) - heading], variables[len(variables) - heading :]
    lines = [
        f'CODEPAGE="{codepage}";',
        'LANGUAGE="ru";',
        'LANGUAGES="ru","en";',
        'MATRIX="MIG_RP_02";',
        f'TITLE="{title[0]}";',
        f'TITLE[en]="{title[1]}";',
        f'CONTENTS="{title[0]}";',
        f'CONTENTS[en]="{title[1]}";',
        f"STUB={_q([v[0] for v in stub])};",
        f"STUB[en]={_q([v[1] for v in stub])};",
        f"HEADING={_q([v[0] for v in head])};",
        f"HEADING[en]={_q([v[1] for v in head])};",
    ]
    for ru, en, values in variables:
        lines += [
            f'VALUES("{ru}")={_q([v[1] for v in values])};',
            f'VALUES[en]("{en}")={_q([v[2] for v in values])};',
            f'CODES("{ru}")={_q([v[0] for v in values])};',
        ]
    for ru, (value_ru, _value_en) in (elimination or {}).items():
        lines.append(f'ELIMINATION("{ru}")="{value_ru}";')
    lines += [
        'SOURCE="Государственная служба миграции";',
        'SOURCE[en]="State Migration Service";',
        'LAST-UPDATED="20250201 10:00";',
        "DATA=",
    ]
    width = prod(len(v[2]) for v in head)
    for i in range(0, len(data), width):
        lines.append(" ".join(data[i : i + width]))
    lines[-1] += ";"
    return "\n".join(lines) + "\n"
