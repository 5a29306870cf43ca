"""Access benchmark: portal pages and SDMX queries as a signed-in coordinator and as the
anonymous public, on one server in one run.

    migstat demo --out /tmp/portal-demo           # once
    python bench/bench_signed_in.py [--db /tmp/portal-demo/migstat-demo.db] [--seconds 30]
                                 [--clients 10]

The store is copied (the demo's is left as it is) and given a coordinator account with a
second factor; the bench signs it in through ``/signin`` like a browser (password, TOTP code,
the form's CSRF token) and keeps the session cookie, so every one of its requests looks the
session up in the database and reads through the access gate as the coordinator. Then, on
the same ``migstat serve``, ``--clients`` keep-alive clients cycle over :data:`MIX` as the
public and as the coordinator, in alternating halves of ``--seconds`` each (so that a change
of the machine's load falls on both), each address asked for once by each before the clock
starts. Printed: requests per second and p50/p95/p99 of each, and the
ratio of the coordinator's p95 to the public's (target of the issue: within
:data:`TARGET_RATIO`).
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pyotp
from bench_load import Client, Results, line, merge, percentile, run_phase, server, warm_up

from migstat.exchange import accounts, totp
from migstat.store import Store

TARGET_RATIO = 1.2
LOGIN = "bench-coordinator"
PASSWORD = "Bench coordinator of the Tien-Shan 2024"
MIX: tuple[tuple[str, str], ...] = (
    ("page", "/"),
    ("page", "/explore?table=S01&REF_AREA=KGZ"),
    ("page", "/explore?table=F01&REF_AREA=RUS"),
    ("page", "/country/KGZ"),
    ("page", "/country/RUS"),
    ("page", "/mirror"),
    ("page", "/mirror/country/RUS"),
    ("page", "/availability"),
    ("sdmx", "/sdmx/rest/data/F01/KAZ.RUS....?startPeriod=2015&endPeriod=2019"),
    ("sdmx", "/sdmx/rest/data/S01/KGZ.._T._T.?format=csv"),
    ("sdmx", "/sdmx/rest/data/F01/RUS.KGZ+TJK+UZB....?format=jsondata"),
    ("sdmx", "/sdmx/rest/availableconstraint/F01/KGZ.....?mode=available"),
)


def add_coordinator(db: str) -> str:
    """The coordinator account with its second factor; its TOTP secret."""
    with Store.open(db) as store:
        accounts.add(store, LOGIN, "coordinator", PASSWORD, by="bench")
        return totp.enrol(store, LOGIN, by="bench").secret


def sign_in(port: int, secret: str, login: str = LOGIN, password: str = PASSWORD) -> str:
    """Sign in through the form as a browser does; the ``Cookie`` header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/signin")
    page = conn.getresponse()
    text = page.read().decode()
    form_cookie = page.getheader("set-cookie", "").split(";")[0]
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
    if found is None:
        sys.exit("The sign-in page has no form token.")
    body = urlencode(
        {
            "login": login,
            "password": password,
            "code": pyotp.TOTP(secret).now(),
            "next": "/",
            "csrf": found.group(1),
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie}
    conn.request("POST", "/signin", body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    cookies = [
        c.split(";")[0]
        for c in answer.headers.get_all("set-cookie") or []
        if "migstat_session=" in c
    ]
    if answer.status != 303 or not cookies:
        sys.exit(f"Signing in failed: {answer.status}")
    return cookies[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/portal-demo/migstat-demo.db")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"No demo store at {args.db}: build it with `migstat demo` first.")
    with tempfile.TemporaryDirectory(prefix="migstat-bench-access-") as folder:
        copy = Path(folder) / "store.db"
        shutil.copy(args.db, copy)
        db = f"sqlite:///{copy}"
        secret = add_coordinator(db)
        with server(db, 1) as (port, _pid):
            signed = {"Cookie": sign_in(port, secret)}
            status = Client(port, signed).get("/signin")
            if status[1] != 200:
                sys.exit("The session does not work.")
            warm_up(port, MIX, {})
            warm_up(port, MIX, signed)
            # alternating halves, so that a change of the machine's load falls on both
            public, coordinator = Results(), Results()
            public_time = coordinator_time = 0.0
            for _round in range(2):
                found, elapsed = run_phase(port, MIX, args.clients, args.seconds / 2)
                public_time += elapsed
                merge(public, found)
                found, elapsed = run_phase(port, MIX, args.clients, args.seconds / 2, signed)
                coordinator_time += elapsed
                merge(coordinator, found)
    report(public, public_time, coordinator, coordinator_time, args)


def report(
    public: Results,
    public_time: float,
    coordinator: Results,
    coordinator_time: float,
    args: argparse.Namespace,
) -> None:
    print(f"{args.clients} clients, {args.seconds:.0f} s per phase")
    print(f"{'who':<10} {'requests':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, found, elapsed in (
        ("public", public, public_time),
        ("coordinator", coordinator, coordinator_time),
    ):
        print(line(name, found.all(), elapsed))
        for kind in sorted(found.by_kind):
            print(line(f"  {kind}", found.by_kind[kind], elapsed))
    for what, count in sorted({**public.errors, **coordinator.errors}.items()):
        print(f"  error x{count}: {what}")
    ratio = percentile(coordinator.all(), 0.95) / max(percentile(public.all(), 0.95), 1e-9)
    ok = ratio <= TARGET_RATIO
    print(
        f"\np95 coordinator / public: {ratio:.2f} (target <= {TARGET_RATIO}): "
        f"{'met' if ok else 'NOT met'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
