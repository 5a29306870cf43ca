"""Access benchmark over HTTP: the same portal pages and SDMX queries, asked by the same
signed-in partner analyst and by the public, of a store with accounts and release states on
and of a copy of it in which everything is public, in one run.

    migstat demo --out /tmp/portal-demo           # once
    python bench/bench_access_http.py [--db /tmp/portal-demo/migstat-demo.db] [--seconds 40]
                                      [--clients 8] [--rounds 2]

Two copies of the demo store are made (the demo's is left as it is). Both get the same partner
analyst of Kazakhstan (:data:`LOGIN`, with a second factor). The first, "rules", keeps the
demo's release states and adds what it lacks, so that every state has rows for the gate to look
at: Kyrgyzstan's questionnaire embargoed (released to partners, public later), Kazakhstan's
published with confidential cells and secondary suppression, the sharing agreement among four
Central Asian countries, and here Tajikistan's tables released to partners only and Ukraine's
withdrawn. The second, "open", is the same store in which no cell is confidential (the
confidential cells get a value and a free status, the suppressed cells are forgotten) and every
accepted submission's tables are released to the public with no embargo, through
:func:`migstat.exchange.release.release` as an operator would.

Each copy is served by the real ``migstat serve`` on loopback; the partner signs in to each
through ``/signin`` like a browser. Then ``--clients`` keep-alive clients cycle over
:data:`MIX` as the partner and as the public, phase after phase: rules, open, open, rules, ...
(``--rounds`` rounds, each arm first in every other round, so that a change of the machine's
load falls on both alike), ``--seconds`` per arm and reader in all. Every address is asked for
once by each reader of each server before the clock starts. Printed: per arm, reader and kind,
the requests, req/s and p50/p95/p99; then the ratio p95(rules) / p95(open) per reader, per kind
and overall, against the issue's target (within :data:`TARGET_RATIO`), and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa
from bench_load import Results, line, merge, percentile, run_phase, server, warm_up
from bench_signed_in import sign_in

from migstat.exchange import accounts, release, totp
from migstat.model.findings import InputError
from migstat.store import Store
from migstat.store import schema as S

TARGET_RATIO = 1.2
LOGIN = "bench-partner"
PASSWORD = "Bench partner analyst of Kazakhstan 2024"
PARTNERS_ONLY = "TJK"
WITHDRAWN = "UKR"
ARMS = ("rules", "open")
READERS = ("partner", "public")
MIX: tuple[tuple[str, str], ...] = (
    ("page", "/"),
    ("page", "/explore?table=S01&REF_AREA=KGZ"),
    ("page", "/explore?table=S01&REF_AREA=KAZ"),
    ("page", "/explore?table=F01&REF_AREA=TJK"),
    ("page", "/country/KGZ"),
    ("page", "/country/KAZ"),
    ("page", "/country/UKR"),
    ("page", "/mirror/country/KAZ"),
    ("page", "/availability"),
    ("page", "/releases"),
    ("sdmx", "/sdmx/rest/data/S01/KGZ.._T._T.?format=csv"),
    ("sdmx", "/sdmx/rest/data/S01/KAZ....?format=jsondata"),
    ("sdmx", "/sdmx/rest/data/F01/TJK+UKR.....?format=csv"),
    ("sdmx", "/sdmx/rest/data/F01/KAZ.RUS....?startPeriod=2015&endPeriod=2019"),
    ("sdmx", "/sdmx/rest/availableconstraint/F01/KGZ.....?mode=available"),
)
"""The fixed mix: (kind, address), the same for both arms and both readers."""


def accepted(store: Store, country: str | None = None) -> list[int]:
    """The accepted submissions (of ``country``), oldest first."""
    sub = S.submission
    query = sa.select(sub.c.id).where(sub.c.status == "accepted").order_by(sub.c.id)
    if country is not None:
        query = query.where(sub.c.country == country)
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def add_partner(store: Store) -> str:
    """The partner analyst of Kazakhstan with a second factor; its TOTP secret."""
    accounts.add(store, LOGIN, "partner", PASSWORD, country="KAZ", by="bench")
    return totp.enrol(store, LOGIN, by="bench").secret


def with_rules(store: Store) -> None:
    """Add the states the demo lacks: one country released to partners only, one withdrawn."""
    release.release(store, accepted(store, PARTNERS_ONLY)[-1:], to="partners", by="bench")
    release.release(store, accepted(store, WITHDRAWN)[-1:], withdraw=True, by="bench")


def everything_public(store: Store) -> int:
    """No cell confidential, every accepted submission's tables public with no embargo; how
    many submissions were released."""
    obs = S.observation
    with store.writing() as conn:
        conn.execute(
            sa.update(obs)
            .where(obs.c.conf_status != "F")
            .values(conf_status="F", value=sa.func.coalesce(obs.c.value, 1.0))
        )
        conn.execute(sa.delete(S.suppressed_cell))
        conn.execute(sa.update(S.submission).values(embargo_until=None))
    done = 0
    for sid in accepted(store):
        try:
            release.release(store, [sid], to="public", by="bench")
        except InputError as error:
            print(f"  submission {sid} not released: {error}", file=sys.stderr)
        else:
            done += 1
    return done


def prepare(source: Path, folder: Path) -> tuple[dict[str, str], str]:
    """The two copies' URLs by arm, and the partner's TOTP secret (the same in both)."""
    base = folder / "base.db"
    shutil.copy(source, base)
    with Store.open(f"sqlite:///{base}") as store:
        secret = add_partner(store)
    urls = {}
    for arm in ARMS:
        path = folder / f"{arm}.db"
        shutil.copy(base, path)
        urls[arm] = f"sqlite:///{path}"
    with Store.open(urls["rules"]) as store:
        with_rules(store)
    with Store.open(urls["open"]) as store:
        print(f"open copy: {everything_public(store)} submissions released", file=sys.stderr)
    return urls, secret


def measure(
    ports: dict[str, int], cookies: dict[str, dict[str, str]], args: argparse.Namespace
) -> tuple[dict[tuple[str, str], Results], dict[tuple[str, str], float]]:
    """Alternating phases over both arms and readers: results and time by (arm, reader)."""
    found: dict[tuple[str, str], Results] = {(a, r): Results() for a in ARMS for r in READERS}
    spent = dict.fromkeys(found, 0.0)
    seconds = args.seconds / args.rounds
    for n in range(args.rounds):
        order = ARMS if n % 2 == 0 else ARMS[::-1]
        for reader in READERS:
            phase: dict[str, list[float]] = {}
            for arm in order:
                headers = cookies[arm] if reader == "partner" else {}
                results, elapsed = run_phase(ports[arm], MIX, args.clients, seconds, headers)
                merge(found[arm, reader], results)
                spent[arm, reader] += elapsed
                phase[arm] = results.all()
            rounds[reader].append(ratio(phase["rules"], phase["open"]))
    return found, spent


rounds: dict[str, list[float]] = {r: [] for r in READERS}
"""Per reader, the p95 ratio of each round's two neighbouring phases (rules, open)."""


def ratio(rules: list[float], opened: list[float]) -> float:
    return percentile(rules, 0.95) / max(percentile(opened, 0.95), 1e-9)


def report(
    found: dict[tuple[str, str], Results],
    spent: dict[tuple[str, str], float],
    args: argparse.Namespace,
    load: tuple[float, ...],
) -> bool:
    """Print the tables and the ratios; whether each reader's ratio and the overall one meet
    the target."""
    print(
        f"{args.clients} clients, {args.seconds:.0f} s per arm and reader in {args.rounds} "
        f"rounds; {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"{'arm/reader':<16} {'requests':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for (arm, reader), results in found.items():
        print(line(f"{arm}/{reader}", results.all(), spent[arm, reader]))
        for kind in sorted(results.by_kind):
            print(line(f"  {kind}", results.by_kind[kind], spent[arm, reader]))
    errors: dict[str, int] = {}
    for (arm, reader), results in found.items():
        for what, count in results.errors.items():
            errors[f"{arm}/{reader} {what}"] = count
    for what, count in sorted(errors.items()):
        print(f"  error x{count}: {what}")
    print(f"\np95 rules / p95 open (target <= {TARGET_RATIO} for each reader and overall):")
    worst = 0.0
    for reader in READERS:
        rules, opened = found["rules", reader], found["open", reader]
        kinds = ", ".join(
            f"{k} {ratio(rules.by_kind[k], opened.by_kind[k]):.2f}" for k in sorted(rules.by_kind)
        )
        worst = max(worst, ratio(rules.all(), opened.all()))
        print(
            f"  {reader:<8} {ratio(rules.all(), opened.all()):.2f}  ({kinds}; median of the "
            f"rounds' ratios {statistics.median(rounds[reader]):.2f}, each "
            f"{' '.join(f'{r:.2f}' for r in rounds[reader])})"
        )
    every = {arm: [ms for r in READERS for ms in found[arm, r].all()] for arm in ARMS}
    overall = ratio(every["rules"], every["open"])
    ok = max(worst, overall) <= TARGET_RATIO
    print(f"  overall  {overall:.2f}: {'met' if ok else 'NOT met'}")
    by_url(found)
    return ok


def by_url(found: dict[tuple[str, str], Results]) -> None:
    """The partner's addresses by p95 ratio, highest first: where the rules cost most."""
    rules, opened = found["rules", "partner"], found["open", "partner"]
    print("\npartner's addresses, p95 rules / open (p95 ms rules, open):")
    rows = [
        (
            ratio(ms, opened.by_url[url]),
            percentile(ms, 0.95),
            percentile(opened.by_url[url], 0.95),
            url,
        )
        for url, ms in rules.by_url.items()
        if opened.by_url.get(url)
    ]
    for r, mine, base, url in sorted(rows, reverse=True)[:6]:
        print(f"  {r:5.2f} {mine:6.0f} {base:6.0f}  {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/portal-demo/migstat-demo.db")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"No demo store at {args.db}: build it with `migstat demo` first.")
    with tempfile.TemporaryDirectory(prefix="migstat-bench-access-http-") as folder:
        urls, secret = prepare(Path(args.db), Path(folder))
        with ExitStack() as stack:
            ports = {arm: stack.enter_context(server(urls[arm], 1))[0] for arm in ARMS}
            cookies = {
                arm: {"Cookie": sign_in(ports[arm], secret, LOGIN, PASSWORD)} for arm in ARMS
            }
            for arm in ARMS:
                warm_up(ports[arm], MIX, {})
                warm_up(ports[arm], MIX, cookies[arm])
            load = os.getloadavg()
            found, spent = measure(ports, cookies, args)
    sys.exit(0 if report(found, spent, args, load) else 1)


if __name__ == "__main__":
    main()
