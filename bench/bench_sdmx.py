"""Benchmark of the SDMX REST API under load: 20 clients asking for 10,000 observations.

    python bench/bench_sdmx.py [--db PATH] [--clients 20] [--requests 400] [--seconds 60]

Target of the issue: an SDMX data query returning 10,000 observations, 20 concurrent clients
on loopback, p95 latency under 200 ms, with the server's resident memory under 500 MB, and
the throughput reported as a ratio to serving the same bytes as a static file from the same
server in the same run.

The store is the demo clearing-house (``migstat demo``: UN DESA's migrant stock, CIS-Stat's
flows, national submissions), built into a temporary folder unless ``--db`` names one. The
query asks S01 (population by country of birth) of UN DESA for as many destination countries
as make 10,000 observations or just more.

A real uvicorn server process serves the app (the one ``migstat serve`` runs) on 127.0.0.1,
with one extra static mount holding the bytes of the same SDMX answer as a file. The load
generator is a bounded pool of threads with one keep-alive connection each, and stops after
``--requests`` requests or ``--seconds`` seconds, whichever comes first. Three runs, same
clients, same server:

1. the static file (the baseline: the fastest the server can hand out those bytes);
2. the SDMX query as clients see it (answers are kept for a short while, keyed by the store's
   state, so 20 clients asking the same thing cost one query);
3. the SDMX query on a second server process of the same app with the answer cache switched
   off (``MIGSTAT_SDMX_CACHE_TTL=0``), so every request reads the store and writes the
   message: the cost of a query nobody asked before.

Prints p50/p95/max latency, requests and observations per second, the ratio of each SDMX run's
throughput to the static run's, the server's peak RSS, and whether the targets are met.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_P95_MS = 200.0
TARGET_RSS_MB = 500.0
TARGET_OBSERVATIONS = 10_000


# -- the server (run in a child process: ``bench_sdmx.py --serve DB PORT STATIC``) -------------


def serve(db: str, port: int, static: str) -> None:
    """The app as ``migstat serve`` builds it, plus a static mount with the answer's bytes."""
    import uvicorn
    from fastapi.staticfiles import StaticFiles

    from migstat.web.app import create_app

    app = create_app(db)
    app.mount("/bench-static", StaticFiles(directory=static), name="bench-static")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- the load generator ------------------------------------------------------------------------


def load(
    port: int, path: str, clients: int, requests: int, seconds: float
) -> tuple[list[float], float, int, Counter[int]]:
    """``clients`` threads ask ``path`` until ``requests`` answers or ``seconds`` pass.

    Returns the latencies (s), the wall time, the bytes of one answer and the statuses.
    """
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    size = 0
    lock = threading.Lock()
    left = [requests]
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal size
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                with lock:
                    if left[0] <= 0 or time.monotonic() > deadline:
                        return
                    left[0] -= 1
                start = time.perf_counter()
                conn.request("GET", path)
                answer = conn.getresponse()
                body = answer.read()
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    statuses[answer.status] += 1
                    size = len(body)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started, size, statuses


class RssSampler:
    """The peak resident memory of a process, sampled from /proc every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.02)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


# -- the run -----------------------------------------------------------------------------------


def demo_store(folder: Path) -> str:
    db = folder / "migstat-demo.db"
    if not db.exists():
        print(f"building the demo store in {folder} (migstat demo) ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from migstat.__main__ import main; main()",
                "demo",
                "--out",
                str(folder),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return str(db)


def choose_key(db: str) -> tuple[str, int]:
    """S01 of UN DESA for enough destination countries to make 10,000 observations."""
    from migstat.store import Store

    with Store.open(db) as store:
        per_area: Counter[str] = Counter()
        for provider, area, table, _period, n in store.coverage():
            if table == "S01" and provider == "UN_DESA":
                per_area[area] += n
    chosen, total = [], 0
    for area in sorted(per_area):
        chosen.append(area)
        total += per_area[area]
        if total >= TARGET_OBSERVATIONS:
            break
    return f"{'+'.join(chosen)}....UN_DESA", total


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/sdmx/rest/dataflow")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def report(
    name: str,
    latencies: list[float],
    wall: float,
    size: int,
    statuses: Counter[int],
    observations: int = 0,
) -> float:
    ordered = sorted(latencies)
    p95 = percentile(latencies, 0.95)
    rate = len(latencies) / wall
    extra = f", {rate * observations:,.0f} observations/s" if observations else ""
    print(
        f"{name:<28} {len(latencies):5d} requests in {wall:6.2f} s: {rate:7.1f} req/s"
        f"{extra}; p50 {statistics.median(ordered) * 1000:6.1f} ms, "
        f"p95 {p95 * 1000:6.1f} ms, max {ordered[-1] * 1000:6.1f} ms; "
        f"{size / 1e6:.2f} MB each; statuses {dict(statuses)}"
    )
    return rate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--serve":
        serve(args[1], int(args[2]), args[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an existing store (default: a fresh demo store)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="requests per run (default 400)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per run")
    opts = parser.parse_args(args)

    work = Path(tempfile.mkdtemp(prefix="migstat-bench-sdmx-"))
    db = opts.db or demo_store(work / "demo")
    key, expected = choose_key(db)
    static = work / "static"
    static.mkdir()
    path = f"/sdmx/rest/data/S01/{key}"
    with Server(db, static) as server:
        cold, body = fetch(server.port, path)
        n_obs = body.count(b"<Obs ")
        (static / "answer.xml").write_bytes(body)
        print(
            f"store {db}; query {path}: {n_obs:,} observations "
            f"({expected:,} by coverage), {len(body) / 1e6:.2f} MB; first answer "
            f"(cold) in {cold * 1000:.0f} ms"
        )
        print(
            f"{opts.clients} clients, at most {opts.requests} requests or "
            f"{opts.seconds:.0f} s per run, uvicorn on 127.0.0.1 (pid {server.proc.pid})"
        )
        sampler = RssSampler(server.proc.pid)
        base = report(
            "static file (baseline)",
            *load(
                server.port, "/bench-static/answer.xml", opts.clients, opts.requests, opts.seconds
            ),
        )
        lat, wall, size, statuses = load(
            server.port, path, opts.clients, opts.requests, opts.seconds
        )
        cached = report("SDMX data query", lat, wall, size, statuses, n_obs)
        rss = sampler.stop()
    with Server(db, static, {"MIGSTAT_SDMX_CACHE_TTL": "0"}) as plain:
        sampler = RssSampler(plain.proc.pid)
        fetch(plain.port, path)
        uncached_lat, *rest = load(
            plain.port, path, opts.clients, max(opts.clients * 2, opts.requests // 4), opts.seconds
        )
        uncached = report("SDMX data query, no cache", uncached_lat, *rest, n_obs)
        rss_plain = sampler.stop()
    p95 = percentile(lat, 0.95) * 1000
    print(
        f"throughput ratio to the static file: SDMX {cached / base:.2f}, "
        f"SDMX without the answer cache {uncached / base:.3f}"
    )
    print(
        f"server peak RSS during the load: {rss:.0f} MB, without the answer cache "
        f"{rss_plain:.0f} MB (target < {TARGET_RSS_MB:.0f})"
    )
    ok = (
        p95 < TARGET_P95_MS and max(rss, rss_plain) < TARGET_RSS_MB and n_obs >= TARGET_OBSERVATIONS
    )
    print(
        f"p95 {p95:.0f} ms (target < {TARGET_P95_MS:.0f} ms; without the answer cache "
        f"{percentile(uncached_lat, 0.95) * 1000:.0f} ms): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def percentile(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def fetch(port: int, path: str) -> tuple[float, bytes]:
    """One request on a fresh connection: its time and body (a 200 is required)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    took = time.perf_counter() - start
    conn.close()
    if answer.status != 200:
        raise SystemExit(f"{path} answered {answer.status}: {body[:500]!r}")
    return took, body


class Server:
    """A uvicorn server process of the app (see :func:`serve`), stopped on leaving."""

    def __init__(self, db: str, static: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        environment = {
            **os.environ,
            **(env or {}),
            "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]),
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve",
                db,
                str(self.port),
                str(static),
            ],
            env=environment,
        )

    def __enter__(self) -> Server:
        try:
            wait_until_up(self.port, self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
