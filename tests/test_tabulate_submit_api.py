"""``migstat tabulate --submit --url``: the protected tables and their metadata sent to a
clearing-house's ``POST /api/submissions`` with a reporter's API token.

The clearing-house is the real app served by uvicorn on a loopback port, its reporter account
and token made with ``migstat users add`` and ``migstat tokens issue``; the microdata are a
seeded survey sample, so the submission carries survey estimates with their precision.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migstat.microdata import tabulate
from migstat.store import Store
from migstat.store.access import COORDINATOR as ROLE
from migstat.store.access import Principal
from migstat.web.app import create_app
from tests.liveserver import serving
from tests.test_exchange_accounts import PASSWORD
from tests.test_microdata_tabulate_survey import MAPPING, _sample, _write_records

COORDINATOR = Principal("coordinator", roles=frozenset({ROLE}))


@pytest.fixture
def office(tmp_path: Path, cli):
    """The clearing-house's store with a reporter of KGZ and the files of the office."""
    db = f"sqlite:///{tmp_path / 'house.db'}"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    code, _out, err = cli(
        "--db", db, "users", "add", "aigul", "--role", "reporter", "--country", "KGZ",
        "--password-file", str(pw),
    )  # fmt: skip
    assert code == 0, err
    tokens = {}
    for scope in ("submit", "read"):
        code, out, err = cli("--db", db, "tokens", "issue", "aigul", "--scope", scope)
        assert code == 0, err
        tokens[scope] = tmp_path / f"{scope}.token"
        tokens[scope].write_text(out.splitlines()[0] + "\n", encoding="utf-8")
    data = tmp_path / "lfs_sample.csv"
    _write_records(data, _sample())
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return db, data, mapping, tokens


def _tabulate(cli, data: Path, mapping: Path, *more: str) -> tuple[int, str, str]:
    return cli("tabulate", str(data), "--mapping", str(mapping), "--submit", *more)


def test_the_tables_go_to_the_api_with_their_metadata_and_precision(cli, office) -> None:
    db, data, mapping, tokens = office
    expected = tabulate(data, mapping)
    with Store.open(db) as store, serving(create_app(store=store)) as url:
        code, out, err = _tabulate(
            cli, data, mapping, "--url", url, "--token-file", str(tokens["submit"]),
            "--note", "2022 sample, tabulated at the office",
        )  # fmt: skip
        assert code == 0, err
        [record] = store.submissions(country="KGZ", principal=COORDINATOR)
        with store.reading() as conn:
            stored = conn.exec_driver_sql(
                "SELECT count(*), count(reliability), count(std_error) FROM observation"
            ).one()
    assert f"Submission {record.id} sent to {url}: submitted, 0 errors" in out
    assert out.strip().endswith(f"/api/submissions/{record.id}")
    assert (record.status, record.country, record.submitted_by) == ("submitted", "KGZ", "aigul")
    assert record.note == "2022 sample, tabulated at the office"
    # the sidecar's metadata came with the file
    s01 = record.metadata["tables"]["S01"]
    assert s01["source_type"] == "microdata" and s01["reference_date"] == "2022-03-01"
    assert "CV from 10.0% flagged" in s01["notes"]
    # every cell with its precision, withheld standard errors of suppressed cells excepted
    cells = expected.tables[0].estimates.values()
    suppressed = sum(1 for e in cells if e.flag == 2)
    assert tuple(stored) == (len(cells), len(cells), len(cells) - suppressed)


def test_the_token_may_come_from_the_environment_and_russian_findings(
    cli, office, monkeypatch
) -> None:
    db, data, mapping, tokens = office
    monkeypatch.setenv("MIGSTAT_TOKEN", tokens["submit"].read_text(encoding="utf-8").strip())
    with Store.open(db) as store, serving(create_app(store=store)) as url:
        code, out, err = _tabulate(cli, data, mapping, "--url", url, "--lang", "ru")
    assert code == 0, err
    assert "Submission" not in out and "Передача данных" in out and "отправлена" in out


def test_a_read_token_is_refused_with_the_servers_reason(cli, office) -> None:
    db, data, mapping, tokens = office
    with Store.open(db) as store, serving(create_app(store=store)) as url:
        code, _out, err = _tabulate(
            cli, data, mapping, "--url", url, "--token-file", str(tokens["read"])
        )
        assert store.submissions(country="KGZ", principal=COORDINATOR) == []
    assert code == 2
    assert f"The clearing-house at {url} answered 403" in err and "submit" in err


def test_a_bad_token_address_or_option_stops_before_the_microdata_are_read(
    cli, office, tmp_path: Path, monkeypatch
) -> None:
    _db, data, mapping, tokens = office
    monkeypatch.delenv("MIGSTAT_TOKEN", raising=False)
    token = str(tokens["submit"])
    code, _out, err = _tabulate(
        cli, data, mapping, "--url", "http://example.org", "--token-file", token
    )
    assert code == 2 and "never travels in clear" in err
    code, _out, err = _tabulate(cli, data, mapping, "--url", "https://example.org")
    assert code == 2 and "MIGSTAT_TOKEN" in err
    empty = tmp_path / "empty.token"
    empty.write_text("\n", encoding="utf-8")
    code, _out, err = _tabulate(
        cli, data, mapping, "--url", "https://example.org", "--token-file", str(empty)
    )
    assert code == 2 and "empty.token is empty" in err
    code, _out, err = cli(
        "tabulate", str(data), "--mapping", str(mapping), "-o", str(tmp_path / "t.csv"),
        "--url", "https://example.org",
    )  # fmt: skip
    assert code == 2 and "--url and --token-file go with --submit" in err


def test_a_server_that_is_not_there_is_named(cli, office) -> None:
    _db, data, mapping, tokens = office
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code, _out, err = _tabulate(
        cli, data, mapping, "--url", url, "--token-file", str(tokens["submit"])
    )
    assert code == 2 and f"The clearing-house at {url} cannot be reached" in err
