"""``migstat serve``: several worker processes answering alike over one database, and what
production refuses to start without and adds (HSTS, ``__Host-`` session cookies).

The worker test starts the real command (``python -m migstat serve --workers 2``) and finds
which worker process holds each client connection from ``/proc`` (the socket's inode), so it
knows that both workers answered, and that a submission stored while they run, and a release
made while they run, are visible through both at once.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from migstat.demo.synthetic import consistent_dataset
from migstat.exchange import accounts
from migstat.exchange.release import release
from migstat.store import Store
from migstat.web import auth, serving
from migstat.web.app import create_app

PASSWORD = "Tien-Shan snow in April 2024"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _server(db_url: str, workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {**os.environ, "MIGSTAT_SECRET_KEY": "serving-test-secret-0123456789"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "migstat",
            "--db",
            db_url,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield port, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children(pid: int) -> list[int]:
    """The worker processes (multiprocessing's resource tracker is a child too)."""
    found = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [p for p in found if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            return fields[9]
    return None


def _worker_connections(port: int, workers: list[int]) -> dict[int, http.client.HTTPConnection]:
    """One open keep-alive connection held by each worker (opened until every worker has one)."""
    held: dict[int, http.client.HTTPConnection] = {}
    spare = []
    for _attempt in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/static/portal.css")
        conn.getresponse().read()
        inode = _server_side_inode(port, conn.sock.getsockname()[1])
        owner = next((w for w in workers if inode in _socket_inodes(w)), None)
        if owner is not None and owner not in held:
            held[owner] = conn
        else:
            spare.append(conn)
        if len(held) == len(workers):
            break
    for conn in spare:
        conn.close()
    return held


def _get(conn: http.client.HTTPConnection, url: str) -> tuple[int, bytes]:
    conn.request("GET", url)
    answer = conn.getresponse()
    return answer.status, answer.read()


def _submit(db_url: str, country: str, year: int, **options: Any) -> int:
    with Store.open(db_url) as store:
        data, raw = consistent_dataset(country, year), f"{country} {year}".encode()
        return store.submit(data, raw, findings=[], **options).id


def test_two_workers_answer_alike_and_see_a_new_submission_at_once(db_url: str) -> None:
    _submit(db_url, "KGZ", 2024)
    internal = _submit(db_url, "TJK", 2024, release=None)  # accepted, kept internal
    with _server(db_url, 2) as (port, process), Store.open(db_url) as store:
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2:
            assert time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.2)
        workers = _children(process.pid)
        held = _worker_connections(port, workers)
        assert sorted(held) == sorted(workers), "both workers should hold a connection"
        pages = ("/api/releases", "/sdmx/rest/data/S01/KGZ.._T._T.?format=csv", "/country/KGZ")
        for url in pages:
            answers = {_get(conn, url) for conn in held.values()}
            assert len(answers) == 1 and next(iter(answers))[0] == 200, url
        before = {json.dumps(json.loads(_get(c, "/api/releases")[1])) for c in held.values()}
        assert len(before) == 1 and "KAZ" not in before.pop()
        # Kept answers are keyed by the store's state: a new submission is seen by both
        # workers on their very next request.
        _submit(db_url, "KAZ", 2024)
        after = [json.loads(_get(c, "/api/releases")[1]) for c in held.values()]
        assert after[0] == after[1]
        assert any(r.get("country") == "KAZ" or "KAZ" in json.dumps(r) for r in after[0])
        for conn in held.values():
            status, body = _get(conn, "/sdmx/rest/data/S01/KAZ.._T._T.?format=csv")
            assert status == 200 and b"KAZ" in body
        # An accepted submission kept internal is seen by neither; released from another
        # process (as ``migstat release`` does), it is seen by both on their next request.
        tjk = "/sdmx/rest/data/S01/TJK.._T._T.?format=csv"
        assert [_get(c, tjk)[0] for c in held.values()] == [404, 404]  # no data
        release(store, [internal], to="public", by="coord")
        for conn in held.values():
            status, body = _get(conn, tjk)
            assert status == 200 and b"TJK" in body
            conn.close()


def test_production_refuses_to_start_without_what_it_needs(cli, tmp_path: Path, monkeypatch):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    monkeypatch.delenv(serving.ORIGIN_ENV, raising=False)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    code, _out, err = cli("--db", db, "serve", "--production", "--origin", "http://example.org")
    assert code == 2
    assert "PostgreSQL" in err and auth.SECRET_ENV in err and "HTTPS origin" in err
    code, _out, err = cli("--lang", "ru", "--db", db, "serve", "--production")
    assert code == 2 and "PostgreSQL" in err and auth.SECRET_ENV in err and "HTTPS" in err


def test_production_checks_name_only_what_is_missing() -> None:
    ready = serving.production_problems(
        "postgresql+psycopg://m@db/migstat", "x" * 32, "https://data.example.org"
    )
    assert ready == []
    only_origin = serving.production_problems(
        "postgresql+psycopg://m@db/migstat", "x" * 32, "http://data.example.org"
    )
    assert len(only_origin) == 1 and "HTTPS origin" in only_origin[0]


def test_forwarded_addresses_are_believed_only_from_a_trusted_proxy() -> None:
    plain = serving.uvicorn_options(serving.Settings())
    assert plain["proxy_headers"] is False and plain["forwarded_allow_ips"] == ""
    proxied = serving.uvicorn_options(serving.Settings(trusted_proxies="10.0.0.5"))
    assert proxied["proxy_headers"] is True and proxied["forwarded_allow_ips"] == "10.0.0.5"


@pytest.mark.parametrize("production", [False, True])
def test_production_sends_hsts_and_host_only_secure_session_cookies(
    tmp_path: Path, production: bool
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    accounts.add(store, "aigul", "reporter", PASSWORD, country="KGZ", by="test")
    # production is behind an HTTPS proxy: the client speaks HTTPS, as browsers there do
    web = TestClient(create_app(store=store, production=production), base_url="https://testserver")
    page = web.get("/signin")
    assert ("strict-transport-security" in page.headers) is production
    form = {"login": "aigul", "password": PASSWORD, "next": "/", "code": ""}
    form["csrf"] = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = web.post("/signin", data=form, follow_redirects=False)
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "migstat_session=" in c)
    name = cookie.split("=")[0]
    assert name == ("__Host-migstat_session" if production else "migstat_session")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # the session is read back under its name
    assert "aigul" in web.get("/signin").text
    store.close()
