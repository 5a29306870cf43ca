"""Benchmark of the Eurostat importer on a ~3 MB legacy "Data Explorer" CSV export.

    python bench/bench_eurostat.py [--repeat 3] [--mb 3]

Writes an export in the real layout of ``migr_asyappctza`` (the columns, labels, thousands
separators, ``:`` for not available and flags of the published file in shared/data/eurostat):
every reporting country and year of the published file, by citizenship (countries of the
CIS region and the largest origins), sex, age group and type of applicant, until the file has
the size asked for. Then times the import (``read_source`` with detection: decoding, labels
to codes, numbers, flags, one observation per row) against a floor measured in the same run
on the same file: Python's csv module merely reading every row of the decoded text. Prints
the best of ``--repeat`` runs, rows per second, the ratio to the floor and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from lxml import etree  # noqa: E402
from shared import SHARED_DATA  # noqa: E402
from timing import best_of, peak_rss_mib  # noqa: E402

from migstat.model import default_registry  # noqa: E402
from migstat.sources import read_source  # noqa: E402
from migstat.sources.eurostat import resolve_geo  # noqa: E402

PUBLISHED = SHARED_DATA / "eurostat" / "migr_asyappctza_1_Data-2017-05-31-ADDED.csv"
CITIZENS = [
    "Armenia",
    "Azerbaijan",
    "Belarus",
    "Georgia",
    "Kazakhstan",
    "Kyrgyzstan",
    "Moldova",
    "Russia",
    "Tajikistan",
    "Turkmenistan",
    "Ukraine",
    "Uzbekistan",
    "Syria",
    "Afghanistan",
    "Iraq",
    "Eritrea",
    "Pakistan",
    "Nigeria",
    "Albania",
    "Serbia",
    "Iran",
    "Somalia",
    "Total",
    "Extra-EU-28",
]
SEXES = ["Total", "Males", "Females"]
AGES = [
    "Total",
    "Less than 14 years",
    "From 14 to 17 years",
    "From 18 to 34 years",
    "From 35 to 64 years",
    "65 years or over",
    "Unknown",
]
TYPES = ["Asylum applicant", "First time applicant"]
FLAGS = ["", "", "", "", "", "", "p", "d", "e"]


def write_export(path: Path, megabytes: float) -> int:
    """An export of about ``megabytes`` MB in the published layout; returns its data rows."""
    with PUBLISHED.open(encoding="utf-8", newline="") as handle:
        published = list(csv.reader(handle))
    header = published[0]
    geos = list(dict.fromkeys(row[1] for row in published[1:]))
    years = sorted({row[0] for row in published[1:]})
    limit = int(megabytes * 1024 * 1024)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    rows = 0
    n = 0
    while out.tell() < limit:  # sorted as the exports are: time, then area, then the rest
        for year in years:
            for geo in geos:
                for citizen in CITIZENS:
                    for sex in SEXES:
                        for age in AGES:
                            for kind in TYPES:
                                n += 1
                                value = ":" if n % 37 == 0 else f"{(n * 7919) % 250_000:,}"
                                writer.writerow(
                                    [
                                        year,
                                        geo,
                                        citizen,
                                        sex,
                                        age,
                                        kind,
                                        "Person",
                                        value,
                                        FLAGS[n % len(FLAGS)],
                                    ]
                                )
                                rows += 1
                if out.tell() >= limit:
                    return _save(path, out, rows)
    return _save(path, out, rows)


def _save(path: Path, out: io.StringIO, rows: int) -> int:
    path.write_text(out.getvalue(), encoding="utf-8")
    return rows


AGE_CODES = {
    "Total": "TOTAL",
    "Less than 14 years": "Y_LT14",
    "From 14 to 17 years": "Y14-17",
    "From 18 to 34 years": "Y18-34",
    "From 35 to 64 years": "Y35-64",
    "65 years or over": "Y_GE65",
    "Unknown": "UNK",
}
SEX_CODES = {"Total": "T", "Males": "M", "Females": "F"}
TYPE_CODES = {"Asylum applicant": "ASY_APP", "First time applicant": "NASY_APP"}


def write_sdmx_ml(csv_path: Path, path: Path) -> int:
    """The same rows as a structure-specific SDMX-ML 2.1 message of dataflow MIGR_ASYAPPCTZA
    (codes instead of labels; one series per row, as the export has one period per row)."""
    alpha2 = {}
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<m:StructureSpecificData xmlns:m='
        '"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:c='
        '"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><m:Header><m:ID>B</m:ID>'
        '<m:Prepared>2017-05-31T00:00:00</m:Prepared><m:Structure structureID="S" '
        'dimensionAtObservation="TIME_PERIOD"><c:Structure><Ref agencyID="ESTAT" '
        'id="MIGR_ASYAPPCTZA" version="1.0"/></c:Structure></m:Structure></m:Header>'
        "<m:DataSet>"
    ]
    rows = 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for time, geo, citizen, sex, age, kind, _unit, value, flag in reader:
            for label in (geo, citizen):
                if label not in alpha2:
                    code = resolve_geo(label)
                    alpha2[label] = _alpha2(code) if code else label
            obs_flag = f' OBS_FLAG="{flag}"' if flag else ""
            obs_value = "NaN" if value == ":" else value.replace(",", "")
            parts.append(
                f'<Series freq="A" unit="PER" citizen="{alpha2[citizen]}" sex="{SEX_CODES[sex]}"'
                f' age="{AGE_CODES[age]}" asyl_app="{TYPE_CODES[kind]}" geo="{alpha2[geo]}">'
                f'<Obs TIME_PERIOD="{time}" OBS_VALUE="{obs_value}"{obs_flag}/></Series>\n'
            )
            rows += 1
    parts.append("</m:DataSet></m:StructureSpecificData>\n")
    path.write_text("".join(parts), encoding="utf-8")
    return rows


def _alpha2(code: str) -> str:
    """Eurostat's code for an AREA code (alpha-2 with its EL and UK; aggregates as given)."""
    import pycountry

    if code == "GRC":
        return "EL"
    if code == "GBR":
        return "UK"
    if code == "_T":
        return "TOTAL"
    found = pycountry.countries.get(alpha_3=code)
    return found.alpha_2 if found else "EU28"


def xml_floor(path: Path) -> int:
    """lxml's iterparse merely visiting every element: the least a streaming reader does."""
    count = 0
    for _event, elem in etree.iterparse(str(path)):
        count += 1
        elem.clear()
    return count


def floor(path: Path) -> int:
    """Python's csv module reading every row of the decoded text: the least an import does."""
    text = path.read_bytes().decode("utf-8")
    count = 0
    for _row in csv.reader(io.StringIO(text, newline="")):
        count += 1
    return count - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mb", type=float, default=3.0)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="Folder to keep the generated files in (for other readers).",
    )
    args = parser.parse_args()
    registry = default_registry()
    with tempfile.TemporaryDirectory() as folder:
        where = args.keep or Path(folder)
        where.mkdir(parents=True, exist_ok=True)
        path = where / "migr_asyappctza_bench.csv"
        rows = write_export(path, args.mb)
        size = path.stat().st_size
        floor_s, counted = best_of(args.repeat, lambda: floor(path))
        ours_s, dataset = best_of(args.repeat, lambda: read_source(path, registry=registry))
        xml_path = where / "migr_asyappctza_bench.xml"
        write_sdmx_ml(path, xml_path)
        xml_size = xml_path.stat().st_size
        xml_floor_s, _ = best_of(args.repeat, lambda: xml_floor(xml_path))
        xml_s, xml_dataset = best_of(args.repeat, lambda: read_source(xml_path, registry=registry))
    assert counted == rows
    stored = len(dataset.observations)
    skipped = sum(
        f.params.get("count", 0) for f in dataset.findings if f.rule == "IMPORT_AGGREGATE"
    )
    print(
        f"file: {size / 1024 / 1024:.2f} MB, {rows:,} rows "
        f"({stored:,} observations, {skipped:,} aggregate rows skipped)"
    )
    print(f"floor (csv module reading the rows): {floor_s:.3f} s, {rows / floor_s:,.0f} rows/s")
    print(f"migstat eurostat import:             {ours_s:.3f} s, {rows / ours_s:,.0f} rows/s")
    print(
        f"ratio to floor: {ours_s / floor_s:.1f}x   target: under 5 s for 3 MB "
        f"({'met' if ours_s < 5 else 'NOT met'})"
    )
    same = {(o.ref_area, o.time_period, o.key): o.value for o in xml_dataset.observations} == {
        (o.ref_area, o.time_period, o.key): o.value for o in dataset.observations
    }
    print(
        f"\nthe same rows as SDMX-ML (structure-specific): {xml_size / 1024 / 1024:.2f} MB, "
        f"same observations: {same}"
    )
    print(f"floor (lxml iterparse visiting elements): {xml_floor_s:.3f} s")
    print(
        f"migstat sdmx import:                      {xml_s:.3f} s, "
        f"{rows / xml_s:,.0f} rows/s, ratio to floor {xml_s / xml_floor_s:.1f}x"
    )
    print(f"peak memory: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
