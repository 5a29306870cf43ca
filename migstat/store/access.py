"""Who may read what: the one gate every read of the store goes through.

:class:`Store` never decides visibility itself; it asks :class:`AccessPolicy` for a SQL clause
or a yes/no and applies it. Today the rules are simple:

- everyone (the anonymous principal included) reads *accepted* data;
- observations of a rejected submission are never current data, for anyone;
- every submission is listed, and its raw file and findings are readable by anyone.

What comes later, here and only here (the schema already carries what it needs:
``submission.status``, ``submission.embargo_until``, ``observation.conf_status``):

- accounts and roles (:class:`Principal` ``user_id``, ``roles``, ``country``);
- release states of a submission: ``draft`` (only its country and the coordinator),
  ``accepted``, ``partners`` (countries that share data in return), ``embargoed`` (until
  ``embargo_until``), ``published`` (everyone), in :meth:`AccessPolicy.data_clause`;
- raw files and findings readable only by the submitting country and the coordinator
  (:meth:`AccessPolicy.can_read_raw`, :meth:`AccessPolicy.can_read_findings`);
- confidential cells (``conf_status`` C, N, D, S, E) hidden from those not entitled to them,
  in :meth:`AccessPolicy.observation_clause`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from migstat.i18n import N_
from migstat.model.findings import MigstatError

if TYPE_CHECKING:
    from migstat.store.records import SubmissionRecord

# Release states of a submission (``submission.status``).
ACCEPTED = "accepted"
REJECTED = "rejected"
DRAFT = "draft"
PARTNERS = "partners"
EMBARGOED = "embargoed"
PUBLISHED = "published"
STATUSES = (ACCEPTED, REJECTED, DRAFT, PARTNERS, EMBARGOED, PUBLISHED)

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


class AccessPolicy:
    """The decisions about reading, in one place (see the module docstring)."""

    def data_clause(self, principal: Principal, submission: sa.Table) -> sa.ColumnElement[bool]:
        """Which submissions' observations can be *current data* for ``principal``.

        Today: accepted ones. Later: published for everyone, partners-only for partner
        countries, embargoed ones after ``embargo_until``, drafts for their own country and the
        coordinator. Rejected submissions are never current data.
        """
        return submission.c.status == ACCEPTED

    def observation_clause(
        self, principal: Principal, observation: sa.Table
    ) -> sa.ColumnElement[bool]:
        """Which observation rows ``principal`` may see. Today: all of them.

        Later: confidential cells (``conf_status`` other than F) only for their own country and
        the coordinator.
        """
        return sa.true()

    def listing_clause(self, principal: Principal, submission: sa.Table) -> sa.ColumnElement[bool]:
        """Which submissions are listed for ``principal``. Today: all, rejected included."""
        return sa.true()

    def can_read_submission(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may see the record of a submission. Today: yes."""
        return True

    def can_read_raw(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may download the file as submitted.

        Today: anyone. Later: the submitting country and the coordinator.
        """
        return True

    def can_read_findings(self, principal: Principal, record: SubmissionRecord) -> bool:
        """Whether ``principal`` may read the findings of a submission.

        Today: anyone. Later: the submitting country and the coordinator.
        """
        return True

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
