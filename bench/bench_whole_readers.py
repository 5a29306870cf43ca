"""Peak memory of the readers that hold their file whole, against the file's size.

The readers of ``docs/importing.md``'s table "Readers that hold the file" build their dataset
(and most of them the file's text or cells) whole, so their memory grows with the file. This
measures by how much: each reader reads the real file of ``shared/data`` it was built on and
copies of it scaled up where the format allows, each read in a child process of its own so
that each peak resident memory (``ru_maxrss``) is its own.

Scaled up, keeping what the reader does with each row (distinct cells, no errors):

* ``jsonstat``: Eurostat's JSON-stat answer (``migr_resfirst``, 31 countries) with more years;
* ``belstat``: Belstat's answer with more year columns in every row;
* ``cisstat``: CIS-Stat's CSV repeated, each copy's dates moved back by a year span;
* ``matrix``: an origin-destination matrix of the registry's countries with a year column,
  more years as more rows;
* ``undesa-csv``: UN DESA's matrix by origin and destination (CSV), repeated with other years;
* ``undesa-xlsx``: UN DESA's 2017 workbook with its Table 1 rows repeated below it (held like
  the rest of the sheet);
* ``questionnaire``: a full questionnaire (every partner, as ``bench_questionnaire.py``) with
  rows of numbers added below a data sheet (held as the sheet's other cells are);
* ``jsonstat-stream``: the same JSON-stat answers read as a stream (since it streams), its
  batches taken and dropped, for its flat peak beside the whole read's;
* ``mvd``: the 2-RD ``.xls`` workbook at its real size only (writing ``.xls`` needs a library
  the project does not have).

Prints per reader and size: the file's megabytes, the observations, the peak memory, the peak
over the interpreter with the reader's modules loaded ("held"), and the held memory per
megabyte of file; then per reader the growth per megabyte between its smallest and largest file.
These figures choose each reader's size limit (``migstat/formats/limits.py``: the limit times
the growth per megabyte stays under about 1 GiB).

    MIGSTAT_SHARED_DATA=../shared/data python bench/bench_whole_readers.py [--formats ...] \
        [--sizes 4,16]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


DATA = Path(os.environ.get("MIGSTAT_SHARED_DATA", ROOT.parent / "shared" / "data"))
MB = 1024 * 1024


def _years(n: int, last: int = 2025) -> list[str]:
    return [str(last - i) for i in range(n)][::-1]


def scale_jsonstat(path: Path, megabytes: float) -> None:
    seed = json.loads((DATA / "eurostat/eurostat_migr_resfirst_BY.json").read_text("utf-8"))
    geo = len(seed["dimension"]["geo"]["category"]["index"])
    per_year = len(json.dumps({str(i): 123456 for i in range(geo)})) + 12 * geo
    years = _years(max(11, int(megabytes * MB / per_year)), 9999)
    index = {year: i for i, year in enumerate(years)}
    seed["dimension"]["time"]["category"] = {"index": index, "label": {y: y for y in years}}
    seed["size"][-1] = len(years)
    seed["value"] = {str(i): 1000 + i % 9000 for i in range(geo * len(years))}
    seed["status"] = {}
    path.write_text(json.dumps(seed), "utf-8")


def scale_belstat(path: Path, megabytes: float) -> None:
    seed = json.loads((DATA / "belstat/belstat_arrivals_oblast_2010-2019.json").read_text("utf-8"))
    dims = len(seed["tableHeaderDimColumns"])
    rows = seed["tableRows"]
    per_year = len(json.dumps({"value": "12\u00a0345", "level": 0})) * len(rows)
    years = _years(max(10, int(megabytes * MB / per_year)), 9999)
    seed["tableHeader"] = [years]
    for n, row in enumerate(rows):
        row[dims:] = [{"value": f"{(n * 7 + i) % 90000}", "level": 0} for i in range(len(years))]
    path.write_text(json.dumps(seed, ensure_ascii=False), "utf-8")


def _repeat_lines(seed: Path, path: Path, megabytes: float, shift: Callable) -> None:
    """``seed``'s header, then its rows again and again, copy ``k`` changed by ``shift``."""
    text = seed.read_text("utf-8-sig").splitlines(keepends=True)
    header, body = text[0], text[1:]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        k = 0
        while k == 0 or out.tell() < megabytes * MB:  # the seed's rows at least once
            for row in csv.reader(body):
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerow(shift(row, k))
                out.write(buffer.getvalue())
            k += 1


def scale_cisstat(path: Path, megabytes: float) -> None:
    def shift(row: list[str], k: int) -> list[str]:
        year = int(row[0][:4]) - 40 * k
        return [f"{year:04d}{row[0][4:]}", *row[1:]]

    _repeat_lines(DATA / "cisstat/cis_migration.csv", path, megabytes, shift)


def scale_undesa_csv(path: Path, megabytes: float) -> None:
    def shift(row: list[str], k: int) -> list[str]:
        return [str(int(row[0]) - 40 * k), *row[1:]]

    _repeat_lines(
        DATA / "un_desa/UN_MigrantStockByOriginAndDestination_2019_clean.csv",
        path,
        megabytes,
        shift,
    )


def scale_matrix(path: Path, megabytes: float) -> None:
    from migstat.model import default_registry

    codes = sorted(
        c for c in default_registry().areas.codes if len(c) == 3 and c.isalpha() and c.isupper()
    )[:200]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["orig\\dest", "year", *codes])
        year = 2025
        while year == 2025 or out.tell() < megabytes * MB:
            for n, origin in enumerate(codes):
                writer.writerow([origin, year, *((n * 31 + i) % 5000 for i in range(len(codes)))])
            year -= 1


def scale_undesa_xlsx(path: Path, megabytes: float) -> None:
    import openpyxl

    seed = DATA / "un_desa/UN_MigrantStockTotal_2017.xlsx"
    workbook = openpyxl.load_workbook(seed)
    sheet = workbook["Table 1"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=sheet.max_row - 250)]
    copies = max(0, int((megabytes * MB - seed.stat().st_size) / 32_000))  # zipped bytes
    for _ in range(copies):
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def scale_questionnaire(path: Path, megabytes: float) -> None:
    import openpyxl

    from migstat.demo.synthetic import consistent_dataset, write_workbook
    from migstat.model import default_registry

    registry = default_registry()
    data = consistent_dataset("KGZ", 2024, dense=True, registry=registry)
    write_workbook(path, data, registry=registry)
    size = path.stat().st_size
    if megabytes * MB <= size * 1.1:
        return
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[workbook.sheetnames[1]]
    start = sheet.max_row + 10
    rows = int((megabytes * MB - size) / 60)  # about 60 bytes of zipped XML per row of 10
    for r in range(rows):
        for c in range(1, 11):
            sheet.cell(row=start + r, column=c, value=(r * 11 + c) % 99991)
    workbook.save(path)


def scale_mvd(path: Path, megabytes: float) -> None:
    path.write_bytes(
        (
            DATA / "cis_admin/ru_mvd_2RD_migration_situation_2016_regions_countries__GeorgyGol.xls"
        ).read_bytes()
    )


FORMATS: dict[str, tuple[str, str, Callable[[Path, float], None], str]] = {
    # name: (suffix, source, writer, what the sizes scale)
    "jsonstat": (".json", "eurostat", scale_jsonstat, "years"),
    "jsonstat-stream": (".json", "eurostat", scale_jsonstat, "years"),
    "belstat": (".json", "belstat", scale_belstat, "year columns"),
    "cisstat": (".csv", "cisstat", scale_cisstat, "copies"),
    "matrix": (".csv", "matrix", scale_matrix, "years"),
    "undesa-csv": (".csv", "undesa", scale_undesa_csv, "copies"),
    "undesa-xlsx": (".xlsx", "undesa", scale_undesa_xlsx, "rows"),
    "questionnaire": (".xlsx", "", scale_questionnaire, "rows"),
    "mvd": (".xls", "mvd", scale_mvd, "real file"),
}
OPTIONS = {
    "matrix": {"table": "F01"},
    "jsonstat": {"allow_unmatched": True},
    "jsonstat-stream": {"allow_unmatched": True},
}


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB, from ``VmHWM``: unlike ``ru_maxrss`` it
    starts afresh at ``exec``, so the parent's size when it started the child does not count."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc/self/status")


def child(fmt: str, path: Path) -> dict[str, object]:
    """Read ``path`` with its reader; the peak memory before and after."""
    source = FORMATS[fmt][1]
    if fmt == "questionnaire":
        import openpyxl  # loaded before the baseline, as the reader's module

        from migstat.formats.detect import read_submission

        base = peak_rss_mib()
        dataset, _raw = read_submission(path)
        count = len(dataset.observations)
    else:
        import openpyxl  # noqa: F401
        import xlrd  # noqa: F401

        from migstat.sources import read_source, stream_source

        base = peak_rss_mib()
        if fmt.endswith("-stream"):  # the stream's batches taken and dropped
            dataset, batches = stream_source(path, source=source, **OPTIONS.get(fmt, {}))
            count = sum(len(batch) for batch in batches)
        else:
            dataset = read_source(path, source=source, **OPTIONS.get(fmt, {}))
            count = len(dataset.observations)
    peak = peak_rss_mib()
    errors = [f.text("en") for f in dataset.findings if str(f.severity) == "error"][:2]
    return {
        "base": base,
        "peak": peak,
        "observations": count,
        "errors": errors,
    }


def run(fmt: str, path: Path) -> dict[str, object]:
    from migstat.formats.limits import WHOLE_READERS

    env = dict(os.environ, MIGSTAT_MAX_IMPORT_MB="100000", MIGSTAT_MAX_FILE_MB="100000")
    for whole in WHOLE_READERS.values():  # measured past the limits they choose
        env[whole.variable] = "100000"
    done = subprocess.run(
        [sys.executable, __file__, "--child", fmt, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"{fmt} {path.name}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _unpacked(path: Path, held: float) -> str:
    """For a workbook: its parts' size unpacked and the memory held per unpacked MB."""
    if path.suffix != ".xlsx":
        return ""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist()) / MB
    return f"   unpacked {unpacked:.1f} MB, {held / unpacked:.1f} per MB unpacked"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--sizes", default="4,16", help="megabytes of the scaled copies")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    sizes = [0.0] + [float(s) for s in args.sizes.split(",") if s]
    print(
        f"{'reader':14} {'MB':>7} {'observations':>13} {'peak MiB':>9} {'held MiB':>9} {'/MB':>6}"
    )
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            suffix, _source, write, _what = FORMATS[fmt]
            points = []
            for megabytes in sizes if fmt != "mvd" else [0.0]:
                path = Path(tmp) / f"{fmt}_{megabytes:g}{suffix}"
                write(path, megabytes)
                size = path.stat().st_size / MB
                got = run(fmt, path)
                held = float(got["peak"]) - float(got["base"])
                points.append((size, held))
                print(
                    f"{fmt:14} {size:7.2f} {got['observations']:13,} {got['peak']:9.0f} "
                    f"{held:9.0f} {held / size:6.1f}{_unpacked(path, held)}"
                    + (f"  {got['errors']}" if got["errors"] else "")
                )
                path.unlink()
            if len(points) > 1:
                (s0, h0), (s1, h1) = points[0], points[-1]
                summary.append((fmt, (h1 - h0) / (s1 - s0), h1 / s1))
    print("\ngrowth per MB of file (MiB), between the smallest and the largest file:")
    for fmt, slope, at_largest in summary:
        print(f"  {fmt:14} {slope:6.1f}   (held per MB at the largest: {at_largest:.1f})")


if __name__ == "__main__":
    main()
