"""Memory of ``migstat tabulate`` on a large generated SPSS file (synthetic, never real data).

    python bench/bench_readstat.py [--persons 3000000] [--filler 20] [--chunk-rows 0]

Writes a survey file of ``--persons`` records to a temporary .sav (seeded): sex, age in
years, country of birth and citizenship as national codes, a weight, and ``--filler``
numeric variables the tables do not need (a real file has hundreds). Then, each in a process
of its own so that each peak is its own:

- ``tabulate``: S01 and S02 from the .sav, converted in chunks of the needed variables;
- ``whole``: the baseline, ``pyreadstat.read_sav`` reading the whole file at once, as a
  script that loads the file into a data frame does.

Prints the time and the peak resident memory of each, the file's size and the ratio of the
two peaks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAPPING = """variables: {sex: SEX, age: AGE, country_of_birth: COB, citizenship: CIT, weight: W}
country: KGZ
reference_date: "2022-03-01"
tables: [S01, S02]
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB, "398": KAZ, "999": _U}
  CIT: {"417": KGZ, "643": RUS, "860": UZB, "398": KAZ, "999": _U}
"""

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from timing import peak_rss_mib
step, path, mapping, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = time.perf_counter()
if step == "generate":
    import numpy as np, pandas as pd, pyreadstat
    n, filler = int(sys.argv[5]), int(sys.argv[6])
    rng = np.random.default_rng(2022)
    codes = np.array([417, 643, 860, 398, 999])
    frame = pd.DataFrame({{
        "SEX": rng.integers(1, 3, n).astype(float),
        "AGE": rng.integers(0, 100, n).astype(float),
        "COB": codes[rng.choice(5, n, p=[0.8, 0.08, 0.06, 0.04, 0.02])].astype(float),
        "CIT": codes[rng.choice(5, n, p=[0.85, 0.06, 0.05, 0.03, 0.01])].astype(float),
        "W": rng.uniform(50, 400, n),
        **{{f"V{{j}}": rng.integers(0, 10, n).astype(float) for j in range(filler)}},
    }})
    pyreadstat.write_sav(frame, path, variable_value_labels={{"SEX": {{1: "Male", 2: "Female"}}}})
    out = {{}}
elif step == "tabulate":
    from migstat.microdata import tabulate
    result = tabulate(path, mapping, chunk_rows=chunk or None, memory_limit="1GB")
    out = {{"records": result.records, "chunks": result.conversion["chunks"],
           "chunk_rows": result.conversion["chunk_rows"]}}
else:
    import pyreadstat
    frame, _meta = pyreadstat.read_sav(path)
    out = {{"records": len(frame)}}
out.update(seconds=time.perf_counter() - start, peak_mib=peak_rss_mib())
print(json.dumps(out))
"""


def child(step: str, path: Path, mapping: Path, chunk: int, *extra: str) -> dict:
    code = CHILD.format(bench=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", code, step, str(path), str(mapping), str(chunk), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=3_000_000)
    parser.add_argument("--filler", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=0, help="0: the default")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migstat-bench-sav-") as folder:
        path, mapping = Path(folder) / "survey.sav", Path(folder) / "map.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        start = time.perf_counter()
        child("generate", path, mapping, 0, str(args.persons), str(args.filler))
        made = time.perf_counter() - start
        size = path.stat().st_size / 2**20
        print(
            f"survey.sav: {args.persons:,} records x {5 + args.filler} variables, "
            f"{size:,.0f} MiB (written in {made:.0f} s)"
        )
        ours = child("tabulate", path, mapping, args.chunk_rows)
        print(
            f"tabulate (chunks of {ours['chunk_rows']:,} records, {ours['chunks']} chunks): "
            f"{ours['seconds']:.1f} s, {args.persons / ours['seconds']:,.0f} records/s, "
            f"peak {ours['peak_mib']:,.0f} MiB"
        )
        whole = child("whole", path, mapping, 0)
        print(
            f"baseline, pyreadstat.read_sav of the whole file: {whole['seconds']:.1f} s, "
            f"peak {whole['peak_mib']:,.0f} MiB"
        )
        print(
            f"peak memory, tabulate / whole file: {ours['peak_mib'] / whole['peak_mib']:.2f}; "
            f"time: {ours['seconds'] / whole['seconds']:.2f}"
        )


if __name__ == "__main__":
    main()
