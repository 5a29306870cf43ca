"""Where a signed-in partner's request spends the time the public's same request does not.

    python bench/profile_signed_in.py [--db /tmp/portal-demo/migstat-demo.db] [--repeat 30]

The demo store is copied and given the states of ``bench_access_http.py``'s "rules" arm and
its partner analyst of Kazakhstan. The app runs in this process (no HTTP, no other process
on the path): each address of that bench's mix is asked for ``--repeat`` times by the public
and by the signed-in partner, interleaved, after one warm-up each. Meanwhile the steps a
signed-in request adds are timed where they run: finding the session
(``sessions.resolve``), writing the audit record of a read (``audit.record``, or its group
commit ``audit_group.record`` where there is one) and reading the store's visibility
version. Printed per address: the median of each reader and the difference, then each step's
mean time per request of each reader, so the difference can be read off as a split. Run it
against an older tree with ``PYTHONPATH=<that tree>`` to compare.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_access_http import LOGIN, MIX, PASSWORD, with_rules
from fastapi.testclient import TestClient

from migstat.exchange import accounts, audit, audit_group, sessions
from migstat.store import Store
from migstat.store.engine import utcnow
from migstat.web import auth, deps
from migstat.web.app import create_app

SECRET = "profile-signed-in-secret-key-0123456789"
spent: dict[tuple[str, str], list[float]] = defaultdict(list)
"""Seconds each timed step took, by (reader, step), one entry per call."""
asking = ["public"]
"""The reader whose request is being answered."""


def timed(owner: Any, name: str, label: str) -> None:
    """Wrap ``owner.name`` so that every call's time is added to :data:`spent` under ``label``."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[asking[0], label].append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def session_cookie(store: Store) -> str:
    """A session of the partner, begun as signing in does; the cookie's value."""
    account = accounts.find(store, LOGIN)
    with store.writing() as conn:
        session_id = sessions.begin(conn, account, client="127.0.0.1", at=utcnow())
    return auth.sign_session_id(auth.secret_key(SECRET), session_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/portal-demo/migstat-demo.db")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--role",
        default="partner",
        choices=("partner", "coordinator"),
        help="the signed-in account: the partner of Kazakhstan, or a coordinator",
    )
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"No demo store at {args.db}: build it with `migstat demo` first.")
    with tempfile.TemporaryDirectory(prefix="migstat-profile-") as folder:
        copy = Path(folder) / "rules.db"
        shutil.copy(args.db, copy)
        with Store.open(f"sqlite:///{copy}") as store:
            country = "KAZ" if args.role == "partner" else None
            accounts.add(store, LOGIN, args.role, PASSWORD, country=country, by="bench")
            with_rules(store)
            cookie = session_cookie(store)
            run(store, cookie, args.repeat)


def run(store: Store, cookie: str, repeat: int) -> None:
    app = create_app(store=store, secret_key=SECRET)
    for owner, name, label in (
        (sessions, "resolve", "session lookup"),
        (audit, "record", "audit record (own commit)"),
        (audit_group, "record", "audit record (group commit)"),
        (deps.Reader, "visibility", "visibility version"),
    ):
        timed(owner, name, label)
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    with TestClient(app) as client:
        readers = {"public": {}, "signed-in": {"Cookie": f"{auth.SESSION_COOKIE}={cookie}"}}
        for _kind, url in MIX:
            for headers in readers.values():
                client.get(url, headers=headers)
        spent.clear()
        for _ in range(repeat):
            for _kind, url in MIX:
                for name, headers in readers.items():
                    asking[0] = name
                    start = time.perf_counter()
                    answer = client.get(url, headers=headers)
                    times[name, url].append(time.perf_counter() - start)
                    if answer.status_code >= 400:
                        sys.exit(f"{name} {url}: {answer.status_code}")
    report(times, repeat)


def report(times: dict[tuple[str, str], list[float]], repeat: int) -> None:
    print(f"{'address':<62} {'public':>8} {'signed':>8} {'diff':>7}  (median ms)")
    total = {"public": 0.0, "signed-in": 0.0}
    for _kind, url in MIX:
        mid = {r: statistics.median(times[r, url]) * 1000 for r in total}
        for r in mid:
            total[r] += sum(times[r, url]) * 1000 / repeat
        print(
            f"{url:<62} {mid['public']:8.2f} {mid['signed-in']:8.2f} "
            f"{mid['signed-in'] - mid['public']:7.2f}"
        )
    requests = repeat * len(MIX)
    print(
        f"\nmean per request of the mix: public {total['public'] / len(MIX):.2f} ms, "
        f"signed-in {total['signed-in'] / len(MIX):.2f} ms"
    )
    print("steps, mean ms per request of each reader (calls):")
    for label in sorted({label for _r, label in spent}):
        cells = [
            f"{r} {sum(spent[r, label]) * 1000 / requests:6.2f} (x{len(spent[r, label])})"
            for r in ("public", "signed-in")
        ]
        print(f"  {label:<40} {'   '.join(cells)}")


if __name__ == "__main__":
    main()
