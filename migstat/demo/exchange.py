"""The demo's data exchange: accounts to sign in with, a sharing agreement, an embargoed
release and a table with confidential cells, so a newcomer can walk the whole exchange.

- Accounts (:data:`ACCOUNTS`) with passwords drawn at build time by :mod:`secrets`, printed at
  the end of the build and written to ``accounts.txt`` in the demo folder (mode 0600). The
  coordinator must pass a second factor, as in production: the demo enrols it and prints the
  TOTP secret (to add to an authenticator app) and a command printing the current code.
- A reciprocal sharing agreement (:data:`AGREEMENT`) among four Central Asian countries on
  S01 and F01: a member sees another's releases to partners for the periods it has provided
  the table itself.
- Kyrgyzstan's questionnaire is released to partners with a public embargo
  :data:`EMBARGO_DAYS` days after the build (on the next hour), so Kazakhstan's partner
  reads it and the public does not, yet. ``scripts/demo`` renews it (:func:`renew_embargo`)
  each time it starts the portal on a store whose embargo has ended or ends within a day.
- Kazakhstan marks a few cells of S01 confidential (``x`` in the
  workbook); its release to the public applies secondary suppression
  (:func:`migstat.exchange.release.release`).

Nothing here weakens a production rule: the accounts are made with the same functions as
``migstat users add`` and ``migstat users totp``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from migstat.exchange import accounts, agreements, release, totp
from migstat.model import Dataset
from migstat.model.findings import NotFoundError
from migstat.store import Store
from migstat.store.access import EMBARGOED

BY = "demo"
CLIENT = "demo"
EMBARGO_DAYS = 3
RENEW_WITHIN = timedelta(days=1)
"""A demo embargo ending sooner than this is renewed when the portal starts."""
HELD_BACK = ("KGZ", "KAZ")
"""Countries whose questionnaires are stored unreleased, to be released here."""
EMBARGOED_COUNTRY = "KGZ"
CONFIDENTIAL_COUNTRY = "KAZ"
AGREEMENT = ("Central Asia S01/F01", ("KAZ", "KGZ", "TJK", "UZB"), ("S01", "F01"))
CREDENTIALS = "accounts.txt"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    login: str
    role: str
    country: str | None
    agency: str


ACCOUNTS = (
    DemoAccount("coordinator", "coordinator", None, "Regional clearing-house (demo)"),
    DemoAccount("kgz-reporter", "reporter", "KGZ", "National Statistical Committee (demo)"),
    DemoAccount("kgz-approver", "approver", "KGZ", "National Statistical Committee (demo)"),
    DemoAccount("kaz-partner", "partner", "KAZ", "Bureau of National Statistics (demo)"),
)


def mark_confidential(dataset: Dataset, n: int = 3) -> list[tuple[str, ...]]:
    """Mark ``n`` cells of S01 confidential: the women born in the country's smallest
    partner, in their first age groups (``x`` in the workbook). Their keys."""
    s01 = [o for o in dataset.observations if o.table == "S01" and o.value]
    partners = {o.key[0] for o in s01} - {"_T", dataset.provider, "_O", "_U"}
    totals = {p: sum(o.value or 0 for o in s01 if o.key[0] == p) for p in partners}
    smallest = min(totals, key=lambda p: (totals[p], p))
    cells = [
        o for o in s01 if o.key[0] == smallest and o.key[1] == "F" and not o.key[2].startswith("_")
    ][:n]
    for o in cells:
        o.value = None
        o.conf_status = "C"
    return [o.key for o in cells]


def _password(login: str) -> str:
    while True:
        word = secrets.token_urlsafe(15)
        if login.casefold() not in word.casefold():
            return word


def _account(store: Store, spec: DemoAccount) -> str:
    """Create the account (or, in a store that has it, reset its password); its password."""
    word = _password(spec.login)
    try:
        accounts.find(store, spec.login)
    except NotFoundError:
        accounts.add(
            store,
            spec.login,
            spec.role,
            word,
            country=spec.country,
            agency=spec.agency,
            by=BY,
            client=CLIENT,
        )
    else:
        accounts.reset_password(store, spec.login, word, by=BY, client=CLIENT)
    return word


def _credentials(out_dir: Path, lines: list[str]) -> Path:
    """Write the sign-in lines to ``accounts.txt``, readable by its owner only."""
    path = out_dir / CREDENTIALS
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def embargo_end(store: Store) -> datetime:
    """The demo's embargo end: :data:`EMBARGO_DAYS` days from the store's clock, on the hour."""
    ahead = store.policy.now() + timedelta(days=EMBARGO_DAYS, hours=1)
    return ahead.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)


def renew_embargo(store: Store) -> str:
    """Keep the demo's embargo ahead of the portal that is starting: when the demo's
    embargoed release (the latest the demo made, still embargoed) has ended or ends within
    :data:`RENEW_WITHIN`, release the same submission again to partners with a new public
    embargo :data:`EMBARGO_DAYS` days ahead (a new release row, audited as the demo's;
    nothing is rewritten). A line saying what it found or did."""
    demo = [r for r in release.releases(store) if r.released_by == BY and r.table is None]
    embargoed = [r for r in demo if r.state == EMBARGOED]
    if not embargoed:
        return "No demo embargo in this store: nothing to renew."
    last = embargoed[-1]
    newer = [r for r in release.releases(store, submission_id=last.submission_id) if r.id > last.id]
    if newer:
        return f"Submission {last.submission_id} was released again since the demo's embargo."
    now = store.policy.now().replace(tzinfo=UTC)
    if last.embargo_until is not None and last.embargo_until - now > RENEW_WITHIN:
        return f"Demo embargo: public from {last.embargo_until:%Y-%m-%d %H:%M} UTC."
    until = embargo_end(store)
    release.release(
        store,
        [last.submission_id],
        to="public",
        embargo_until=until,
        by=BY,
        client=CLIENT,
        note="demo: embargo renewed when the portal started",
    )
    return (
        f"Demo embargo renewed: submission {last.submission_id} public from "
        f"{until:%Y-%m-%d %H:%M} UTC (partners see it now)."
    )


def set_up_exchange(store: Store, out_dir: Path, held: dict[str, int]) -> list[str]:
    """Accounts, the agreement and the two releases; lines for the build's summary.
    ``held`` maps the countries of :data:`HELD_BACK` to their accepted submission's id."""
    name, members, tables = AGREEMENT
    agreements.add(store, name, countries=members, tables=tables, reciprocal=True, by=BY)
    until = embargo_end(store)  # on the hour, as announced
    release.release(
        store, [held[EMBARGOED_COUNTRY]], to="public", embargo_until=until, by=BY, client=CLIENT
    )
    public = release.release(store, [held[CONFIDENTIAL_COUNTRY]], to="public", by=BY, client=CLIENT)
    lines = [
        "Data exchange:",
        f"  agreement \u201c{name}\u201d (reciprocal): {', '.join(members)} share "
        f"{', '.join(tables)}",
        f"  {EMBARGOED_COUNTRY} submission {held[EMBARGOED_COUNTRY]}: released to partners, "
        f"public from {until:%Y-%m-%d %H:%M} UTC (embargo)",
        f"  {CONFIDENTIAL_COUNTRY} submission {held[CONFIDENTIAL_COUNTRY]}: published with "
        f"confidential cells in S01 and {sum(r.suppressed for r in public)} cells hidden by "
        "secondary suppression",
    ]
    signin = ["Sign in at /signin (demo accounts, passwords made for this build):"]
    for spec in ACCOUNTS:
        where = f" of {spec.country}" if spec.country else ""
        signin.append(f"  {spec.login:<13} {_account(store, spec)}   ({spec.role}{where})")
    enrolled = totp.enrol(store, "coordinator", by=BY, client=CLIENT)
    signin += [
        f"  coordinator's second factor (TOTP) secret: {enrolled.secret}",
        f"    add it to an authenticator app ({enrolled.uri}),",
        '    or print the current code: .venv/bin/python -c "import pyotp; '
        f"print(pyotp.TOTP('{enrolled.secret}').now())\"",
    ]
    path = _credentials(out_dir, signin)
    return [*lines, *signin, f"  (also in {path}, readable by you only)"]


__all__ = [
    "ACCOUNTS",
    "AGREEMENT",
    "CONFIDENTIAL_COUNTRY",
    "EMBARGOED_COUNTRY",
    "HELD_BACK",
    "mark_confidential",
    "set_up_exchange",
]
