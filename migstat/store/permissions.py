"""Who reads and acts, and what they may do besides reading data: the roles of accounts, the
:class:`Principal` every read and write is asked for, and the checks of the exchange's actions
(raw files, findings, accounts, the audit trail, rounds, the workflow, releases, agreements).

What a principal may *read* of the data is decided by :class:`migstat.store.access.AccessPolicy`,
which takes these checks from :class:`Permissions`; both are one gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from migstat.i18n import N_
from migstat.model.findings import MigstatError

if TYPE_CHECKING:
    from migstat.store.records import SubmissionRecord

# Roles of accounts (:mod:`migstat.exchange.accounts`): the coordinator administers
# everything; a reporter submits for one country, an approver signs off for one country, a
# partner is a country's account that sees partners' data under sharing agreements.
COORDINATOR = "coordinator"
REPORTER = "reporter"
APPROVER = "approver"
PARTNER = "partner"
ROLES = (COORDINATOR, REPORTER, APPROVER, PARTNER)


class AccessDeniedError(MigstatError):
    """A principal asked for something it may not read."""

    exit_code = 3


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is reading. Anonymous unless said otherwise.

    ``user_id`` names an account, ``roles`` holds e.g. ``coordinator`` or ``partner``, and
    ``country`` is the reporting country the account speaks for (ISO alpha-3). None of these
    change what can be read yet; they are here so callers can already pass them along.
    """

    user_id: str | None = None
    roles: frozenset[str] = frozenset()
    country: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_coordinator(self) -> bool:
        return COORDINATOR in self.roles


ANONYMOUS = Principal()


def sight(principal: Principal) -> tuple[str, ...]:
    """What decides what ``principal`` may read, without who it is: the caches of answers key
    on this, so that two accounts that see alike share kept answers and two that see
    differently never do.

    The access gate decides a read by the coordinator's role (everything) or else by the
    principal's country (its own submissions whatever their state, and what the sharing
    agreements of that country open, at the release states and the clock's time, which the
    store's visibility version stands for). The roles are kept in the sight as well, though
    reading does not look at them beyond the coordinator's, so that a reporter and a partner
    of one country keep their answers apart: a page may one day show a role's links."""
    if principal.anonymous:
        return ("public",)
    if principal.is_coordinator:
        return ("coordinator",)
    return ("country", principal.country or "-", *sorted(principal.roles))


class Permissions:
    """The checks of what a principal may do, besides reading data (the access policy's)."""

    def can_read_submission(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may see the record of a submission: what it is listed."""
        return True

    def entitled(self, principal: Principal, record: SubmissionRecord) -> bool:
        """The submitting country and the coordinator."""
        return principal.is_coordinator or (
            principal.country is not None and principal.country == record.country
        )

    def can_read_raw(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may download the file as submitted: the submitting country
        and the coordinator (the file holds every cell, confidential ones too)."""
        return self.entitled(principal, record)

    def can_read_findings(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may read the findings of a submission: as the raw file."""
        return self.entitled(principal, record)

    def can_edit_mappings(self, principal: Principal) -> bool:
        """Whether ``principal`` may save new versions of classification mappings.

        Today: the coordinator only (on the web, whoever presents the coordinator token).
        """
        return principal.is_coordinator

    def check_edit_mappings(self, principal: Principal) -> None:
        if not self.can_edit_mappings(principal):
            raise AccessDeniedError(
                N_(
                    "Only the coordinator may edit classification "
                    "mappings: sign in with the coordinator token."
                )
            )

    def can_administer(self, principal: Principal) -> bool:
        """Whether ``principal`` may add, disable and reset accounts and issue or revoke API
        tokens: the coordinator only."""
        return principal.is_coordinator

    def check_administer(self, principal: Principal) -> None:
        if not self.can_administer(principal):
            raise AccessDeniedError(
                N_("Only the coordinator may manage accounts: sign in as the coordinator.")
            )

    def can_read_audit(self, principal: Principal) -> bool:
        """Whether ``principal`` may read the audit trail: the coordinator only."""
        return principal.is_coordinator

    def check_read_audit(self, principal: Principal) -> None:
        if not self.can_read_audit(principal):
            raise AccessDeniedError(
                N_("Only the coordinator may read the audit trail: sign in as the coordinator.")
            )

    def check(self, allowed: bool, record: SubmissionRecord) -> None:
        if not allowed:
            raise AccessDeniedError(N_("You may not read submission {id}."), id=record.id)

    # -- reporting rounds (migstat.exchange.rounds) --

    def can_manage_rounds(self, principal: Principal) -> bool:
        """Whether ``principal`` may open and close reporting rounds: the coordinator only."""
        return principal.is_coordinator

    def check_manage_rounds(self, principal: Principal) -> None:
        if not self.can_manage_rounds(principal):
            raise AccessDeniedError(
                N_("Only the coordinator may open or close rounds: sign in as the coordinator.")
            )

    def can_read_round_row(self, principal: Principal, country: str) -> bool:
        """Whether ``principal`` may see a country's row of a round's status board: the
        coordinator every row, a reporter or approver its own country's."""
        if principal.is_coordinator:
            return True
        country_roles = {REPORTER, APPROVER}
        return bool(principal.roles & country_roles) and principal.country == country

    def check_declare_for(self, principal: Principal, country: str | None = None) -> None:
        """Whether ``principal`` may declare a table of ``country`` not available in a round
        (or, without ``country``, of some country): the coordinator, or the country's
        reporter."""
        own = REPORTER in principal.roles and (country is None or principal.country == country)
        if not (principal.is_coordinator or own):
            raise AccessDeniedError(
                N_("Only the country's reporter or the coordinator may declare its tables.")
            )

    # -- the submission workflow (migstat.exchange.workflow) ----------------------------------

    def can_submit_for(self, principal: Principal, country: str | None) -> bool:
        """Whether ``principal`` may send a submission for ``country`` from the portal or the
        API: a reporter of that country only."""
        return REPORTER in principal.roles and country is not None and principal.country == country

    def can_follow_submission(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may follow a submission through the workflow (its state,
        findings, explanations, history): the coordinator, and the reporters and approvers of
        its country."""
        if principal.is_coordinator:
            return True
        return bool(
            principal.roles & {REPORTER, APPROVER}
            and record.country is not None
            and principal.country == record.country
        )

    def can_sign_off(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may sign off a submission: an approver of its country."""
        return APPROVER in principal.roles and principal.country == record.country

    def can_review(self, principal: Principal) -> bool:
        """Whether ``principal`` may accept or return submissions: the coordinator only."""
        return principal.is_coordinator

    def check_release(self, principal: Principal) -> None:
        """Release, embargo or withdraw accepted submissions: the coordinator only."""
        if not principal.is_coordinator:
            raise AccessDeniedError(
                N_("Only the coordinator may release or withdraw data: sign in as the coordinator.")
            )

    def check_manage_agreements(self, principal: Principal) -> None:
        """Add or remove sharing agreements: the coordinator only."""
        if not principal.is_coordinator:
            raise AccessDeniedError(
                N_(
                    "Only the coordinator may change sharing agreements: "
                    "sign in as the coordinator."
                )
            )

    def release_history_country(self, principal: Principal) -> str | None:
        """Whose release history ``principal`` may read: every country's (``None``) for the
        coordinator, its own country's for a reporter or approver; anyone else is refused.
        The history holds withdrawn and internal states, which partners and the public are
        not told about (the calendar shows them what is released now)."""
        if principal.is_coordinator:
            return None
        if principal.roles & {REPORTER, APPROVER} and principal.country is not None:
            return principal.country
        raise AccessDeniedError(
            N_(
                "The history of releases is shown to the coordinator and to the submitting "
                "country's reporters and approvers only: sign in as one of them."
            )
        )
