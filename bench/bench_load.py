"""Load benchmark: many keep-alive clients on a mix of pages, downloads and SDMX queries.

    migstat demo --out /tmp/portal-demo           # once
    python bench/bench_load.py [--db /tmp/portal-demo/migstat-demo.db] [--seconds 60]
                               [--clients 20] [--workers 1]

The server is the real one (``migstat serve``, a separate process listening on loopback).
``--clients`` threads, each with one keep-alive connection, fetch one static file of the same
server (``/static/portal.css``) as fast as it answers: the baseline, what routing, the security
headers and the HTTP stack cost on this machine in this run. They also cycle over :data:`MIX`
(each client starting at a different place), a fixed mix of what people and machines ask for:
portal pages (home, the explorer, country profiles, mirror statistics, availability, flows from
stocks, a region, an embedded chart, the release calendar), downloads (CSV, XLSX, the table as
shown) and SDMX queries. Each phase takes ``--seconds``, in alternating halves (baseline, mix,
baseline, mix), so that a change in the machine's other load falls on both. Every address is
asked for before the clock starts (a warm server, as one that has been running is; with several
workers, each of them).

Printed: requests per second, p50/p95/p99 per kind and of the whole mix, the mix's throughput
as a ratio of the baseline's, the server's resident memory at the start and the end of the mix,
and whether the targets hold (throughput at least :data:`TARGET_RATIO` of the baseline's, p95
under :data:`TARGET_P95_MS`). ``bench_signed_in.py`` does the same with a signed-in session.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TARGET_RATIO = 0.5
TARGET_P95_MS = 300.0
BASELINE = "/static/portal.css"

MIX: tuple[tuple[str, str], ...] = (
    ("page", "/"),
    ("page", "/explore?table=S01&REF_AREA=KGZ"),
    ("page", "/explore?table=F01&REF_AREA=RUS"),
    ("page", "/country/KGZ"),
    ("page", "/country/RUS"),
    ("page", "/country/KAZ"),
    ("page", "/mirror"),
    ("page", "/mirror?year=2019"),
    ("page", "/mirror/country/RUS"),
    ("page", "/mirror/corridor?origin=KGZ&destination=RUS"),
    ("page", "/availability"),
    ("page", "/flows"),
    ("page", "/region/M49_143"),
    ("page", "/embed/explore?table=F01&REF_AREA=RUS"),
    ("page", "/releases"),
    ("download", "/explore/shown.csv?table=F01&REF_AREA=RUS"),
    ("download", "/download/S01.csv?REF_AREA=KGZ"),
    ("download", "/download/F01.csv?REF_AREA=RUS"),
    ("download", "/download/S01.xlsx?REF_AREA=KGZ"),
    ("download", "/download/F01.xlsx?REF_AREA=KAZ"),
    ("sdmx", "/sdmx/rest/data/F01/KAZ.RUS....?startPeriod=2015&endPeriod=2019"),
    ("sdmx", "/sdmx/rest/data/S01/KGZ.._T._T.?format=csv"),
    ("sdmx", "/sdmx/rest/data/F01/RUS.KGZ+TJK+UZB....?format=jsondata"),
    ("sdmx", "/sdmx/rest/availableconstraint/F01/KGZ.....?mode=available"),
)
"""The fixed mix: (kind, address)."""


@dataclass
class Results:
    """Latencies (ms) by kind and by address, and the errors seen."""

    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_url: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, url: str, ms: float, status: int) -> None:
        with self.lock:
            self.by_kind[kind].append(ms)
            self.by_url[url].append(ms)
            if status >= 400:
                self.errors[f"{status} {url}"] += 1

    def all(self) -> list[float]:
        return [ms for samples in self.by_kind.values() for ms in samples]


def merge(into: Results, found: Results) -> None:
    """Add ``found``'s samples and errors to ``into``."""
    for kind, samples in found.by_kind.items():
        into.by_kind[kind].extend(samples)
    for url, samples in found.by_url.items():
        into.by_url[url].extend(samples)
    for what, count in found.errors.items():
        into.errors[what] += count


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection (reopened if the server closes it)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, url: str) -> tuple[float, int, int]:
        start = time.perf_counter()
        for attempt in (0, 1):
            try:
                self.conn.request("GET", url, headers=self.headers)
                answer = self.conn.getresponse()
                body = answer.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                if attempt:
                    raise
        return (time.perf_counter() - start) * 1000, answer.status, len(body)


def run_phase(
    port: int,
    mix: Sequence[tuple[str, str]],
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> tuple[Results, float]:
    """``clients`` threads cycling over ``mix`` for ``seconds``: the results and the time."""
    results = Results()
    stop = time.perf_counter() + seconds

    def work(offset: int) -> None:
        client = Client(port, headers or {})
        i = offset
        while time.perf_counter() < stop:
            kind, url = mix[i % len(mix)]
            ms, status, _size = client.get(url)
            results.add(kind, url, ms, status)
            i += 1
        client.conn.close()

    started = time.perf_counter()
    threads = [
        threading.Thread(target=work, args=(n * len(mix) // clients,)) for n in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its child processes (the workers), in MiB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


@contextmanager
def server(db: str, workers: int, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """``migstat serve`` on a free loopback port: yields ``(port, pid)``."""
    port = free_port()
    command = [sys.executable, "-m", "migstat", "--db", db, "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {**os.environ, **(extra_env or {})}
    env.setdefault("MIGSTAT_SECRET_KEY", "bench-load-secret-key-0123456789")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                Client(port, {}).get(BASELINE)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit("The server did not start.")
                time.sleep(0.3)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def warm_up(
    port: int, mix: Sequence[tuple[str, str]], headers: dict[str, str], workers: int = 1
) -> None:
    """Every address once, so the clock starts on a warm server; with several workers, over
    as many fresh connections as it takes to reach each of them (each keeps its own answers)."""
    for attempt in range(1 if workers <= 1 else 4 * workers):
        client = Client(port, headers)
        for _kind, url in mix:
            ms, status, size = client.get(url)
            if attempt == 0:
                print(f"  warm {status} {ms:8.0f} ms {size:>9} B  {url}", file=sys.stderr)
        client.conn.close()


def line(name: str, samples: list[float], elapsed: float) -> str:
    return (
        f"{name:<10} {len(samples):>7} {len(samples) / elapsed:>8.1f} "
        f"{percentile(samples, 0.5):>8.0f} {percentile(samples, 0.95):>8.0f} "
        f"{percentile(samples, 0.99):>8.0f}"
    )


def report(base: Results, base_time: float, mix: Results, mix_time: float) -> bool:
    """Print the table and the targets; whether both targets hold."""
    print(f"{'kind':<10} {'requests':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    print(line("static", base.all(), base_time))
    for kind in sorted(mix.by_kind):
        print(line(kind, mix.by_kind[kind], mix_time))
    print(line("mix", mix.all(), mix_time))
    print("\nslowest addresses (p95 ms, mean ms):")
    ranked = sorted(mix.by_url.items(), key=lambda kv: -percentile(kv[1], 0.95))
    for url, samples in ranked[:8]:
        print(f"  {percentile(samples, 0.95):>8.0f} {statistics.fmean(samples):>8.0f}  {url}")
    for what, count in sorted(mix.errors.items()):
        print(f"  error x{count}: {what}")
    ratio = (len(mix.all()) / mix_time) / max(len(base.all()) / base_time, 1e-9)
    p95 = percentile(mix.all(), 0.95)
    ok = ratio >= TARGET_RATIO and p95 < TARGET_P95_MS
    print(
        f"\nthroughput ratio mix/static: {ratio:.2f} (target >= {TARGET_RATIO}); "
        f"mix p95 {p95:.0f} ms (target < {TARGET_P95_MS:.0f}): {'met' if ok else 'NOT met'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/portal-demo/migstat-demo.db")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(
            f"No demo store at {args.db}: build it with "
            f"`migstat demo --out {Path(args.db).parent}` first."
        )
    load = os.getloadavg()
    with server(args.db, args.workers) as (port, pid):
        warm_up(port, MIX, {}, args.workers)
        start_rss = rss_mib(pid)
        # alternating halves, so that a change of the machine's load falls on both
        base, mix = Results(), Results()
        base_time = mix_time = 0.0
        for _round in range(2):
            found, elapsed = run_phase(port, [("static", BASELINE)], args.clients, args.seconds / 2)
            base_time += elapsed
            merge(base, found)
            found, elapsed = run_phase(port, MIX, args.clients, args.seconds / 2)
            mix_time += elapsed
            merge(mix, found)
        end_rss = rss_mib(pid)
    print(
        f"{args.clients} clients, {args.seconds:.0f} s per phase (in two halves), "
        f"{args.workers} worker(s), "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    ok = report(base, base_time, mix, mix_time)
    print(
        f"server memory: {start_rss:.0f} MiB at the start of the mix, {end_rss:.0f} MiB at its end"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
