"""The demo's embargo follows the portal's start, not the build: ``migstat demo
--renew-embargo`` (run by scripts/demo before serving) moves an embargo that has ended, or
ends within a day, three days ahead of now, as a new release row; one still far ahead is left."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from migstat.demo.exchange import BY, CLIENT, EMBARGO_DAYS, embargo_end, renew_embargo
from migstat.exchange import release
from migstat.store.access import EMBARGOED
from tests.release_data import FREE_ROWS, PUBLIC, Clock, open_store, seen, submit


def test_the_demo_embargo_is_renewed_when_it_has_ended(tmp_path: Path) -> None:
    clock = Clock()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = open_store(url, clock)
    sid = submit(store, "KGZ", FREE_ROWS, release=None).id
    built = embargo_end(store)
    release.release(store, [sid], to="public", embargo_until=built, by=BY, client=CLIENT)
    # the portal starts a day after the build: the embargo is still two days ahead
    clock.advance(days=1)
    assert renew_embargo(store) == f"Demo embargo: public from {built:%Y-%m-%d %H:%M} UTC."
    assert len(release.releases(store, submission_id=sid)) == 1
    # a week later the public would read it already: renewed from now
    clock.advance(days=6)
    assert seen(store, PUBLIC) != {}
    said = renew_embargo(store)
    [_first, renewed] = release.releases(store, submission_id=sid)
    assert (renewed.state, renewed.released_by) == (EMBARGOED, BY)
    assert renewed.embargo_until == embargo_end(store) > clock.now + timedelta(days=EMBARGO_DAYS)
    assert said.startswith("Demo embargo renewed") and f"{renewed.embargo_until:%H:%M}" in said
    assert seen(store, PUBLIC) == {}  # both sides show again: hidden now, public at the end
    clock.now = renewed.embargo_until
    assert seen(store, PUBLIC) == {k: (v, c) for k, (v, c) in FREE_ROWS.items()}
    store.close()


def test_renewing_from_the_command_line(tmp_path: Path) -> None:
    """The store was built in June 2025 (the test's clock); the command runs now."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = open_store(url, Clock())
    sid = submit(store, "KGZ", FREE_ROWS, release=None).id
    release.release(store, [sid], to="public", embargo_until=embargo_end(store), by=BY)
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "migstat", "--db", url, "demo", "--renew-embargo"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Demo embargo renewed: submission {sid} public from ")
    again = subprocess.run(
        [sys.executable, "-m", "migstat", "--db", url, "demo", "--renew-embargo"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.stdout.startswith("Demo embargo: public from ")
