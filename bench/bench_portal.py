"""Benchmark of the portal's pages and JSON API on the demo store.

    migstat demo --out /tmp/portal-demo           # once, about 45 s
    python bench/bench_portal.py [--db /tmp/portal-demo/migstat-demo.db] [--repeat 60]

Target of the issue: every portal page on the demo store answers within 150 ms of server
time at the 95th percentile. Each page is requested in-process through Starlette's TestClient
(the whole ASGI app: routing, the data reader, the view, the template), first once on a fresh
app (``cold``: empty view cache, what the first visitor after a new submission waits), then
``--repeat`` times; p50 and p95 of the repeated requests are printed.

The baseline, measured in the same run and the same way, is a trivial route of the same app
that returns a static page of the same size as the page measured: the floor that routing,
the test client and moving that many bytes cost. The ratio is page p50 / baseline p50.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from timing import peak_rss_mib

from migstat.store import Store
from migstat.web.app import create_app

TARGET_P95_MS = 150.0
PAGES = (
    "/",
    "/?q=kyrg",
    "/explore",
    "/explore?table=F01&REF_AREA=RUS&start=2010",
    "/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&chart=pyramid",
    "/explore?table=R01&REF_AREA=KAZ",
    "/country",
    "/country/KGZ",
    "/country/RUS",
    "/availability",
    "/availability?scope=all",
    "/availability?source=national",
    "/guide",
    "/api/search?q=kaz",
    "/api/explore/F01?REF_AREA=KGZ",
    "/api/countries/KGZ",
    "/api/availability",
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(client: TestClient, url: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    answer = client.get(url)
    elapsed = time.perf_counter() - start
    return elapsed * 1000, answer.status_code, len(answer.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/portal-demo/migstat-demo.db")
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(
            f"No demo store at {args.db}: build it with "
            f"`migstat demo --out {Path(args.db).parent}` first."
        )
    store = Store.open(args.db)
    app = create_app(store=store)

    @app.get("/__baseline/{size}", include_in_schema=False)
    def baseline(size: int, request: Request) -> HTMLResponse:
        return HTMLResponse("x" * size)

    failed = []
    print(f"{'page':<66} {'bytes':>8} {'cold':>7} {'p50':>7} {'p95':>7} {'base':>6} {'ratio':>6}")
    with TestClient(app) as client:
        for lang in ("en", "ru"):
            for page in PAGES:
                url = f"{page}{'&' if '?' in page else '?'}lang={lang}"
                cold, status, size = timed(client, url)
                if status != 200:
                    sys.exit(f"{url}: HTTP {status}")
                samples = [timed(client, url)[0] for _ in range(args.repeat)]
                base = [timed(client, f"/__baseline/{size}")[0] for _ in range(args.repeat)]
                p50, p95 = statistics.median(samples), percentile(samples, 0.95)
                b50 = statistics.median(base)
                print(
                    f"{url:<66} {size:>8} {cold:>7.1f} {p50:>7.1f} {p95:>7.1f} {b50:>6.1f} "
                    f"{p50 / b50:>6.1f}"
                )
                if p95 > TARGET_P95_MS:
                    failed.append(url)
    store.close()
    print(
        f"peak memory {peak_rss_mib():.0f} MiB; target p95 < {TARGET_P95_MS:.0f} ms: "
        f"{'met' if not failed else 'NOT met for ' + ', '.join(failed)}"
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
