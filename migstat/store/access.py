"""Who may read what: the one gate every read of the store goes through.

:class:`Store` never decides visibility itself; it asks :class:`AccessPolicy` for a SQL clause
or a yes/no and applies it. The rules, decided at read time against the policy's clock
(:meth:`AccessPolicy.now`; tests pass a clock they move), so that no job has to run when an
embargo ends:

- only *accepted* submissions are data (:meth:`AccessPolicy.data_clause`); drafts, those in
  review and rejected ones never are, for anyone;
- which accepted ones a principal sees follows their release state, the latest row of the
  append-only ``release`` table for the submission or the table
  (:meth:`AccessPolicy.release_clause`): the coordinator sees all; a country its own, whatever
  their state; everyone what is ``published``, or ``embargoed`` once ``embargo_until`` has
  passed; a member of a sharing agreement covering the table what the other members released
  to ``partners`` or put under embargo (with reciprocity: only for the periods it provided the
  table itself, :func:`agreement_clause`). No release row means internal; ``withdrawn`` too;
- cells that are not free (CONF_STATUS C, N, A, S, D …) and the cells secondary suppression
  hid when their table was released (``suppressed_cell``, read as D) are listed without their
  value to all but the coordinator and the cell's country
  (:meth:`AccessPolicy.observation_columns`);
- submissions are listed (:meth:`AccessPolicy.listing_clause`) to the coordinator, to their
  country, to the members of a sharing agreement who may read some of their data, and to
  everyone once published (rejected ones too: they hold no data); raw files and
  findings hold every cell, so only the submitting country and the coordinator read them.

Caches key on :meth:`Store.visibility_version` (one row that triggers bump with every write a
reader could see, and the embargo ends passed), so a release or the end of an embargo shows at
once through every worker. The read path gets the release rules resolved once per version
into lists of ids (:mod:`migstat.store.resolved`), the same decision as the subqueries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from migstat.store import masking, resolved
from migstat.store import schema as S
from migstat.store.permissions import ANONYMOUS as ANONYMOUS
from migstat.store.permissions import APPROVER as APPROVER
from migstat.store.permissions import COORDINATOR as COORDINATOR
from migstat.store.permissions import PARTNER as PARTNER
from migstat.store.permissions import REPORTER as REPORTER
from migstat.store.permissions import ROLES as ROLES
from migstat.store.permissions import AccessDeniedError as AccessDeniedError
from migstat.store.permissions import Permissions, Principal

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Release states of a submission (``submission.status``).
ACCEPTED = "accepted"
REJECTED = "rejected"
DRAFT = "draft"
PARTNERS = "partners"
EMBARGOED = "embargoed"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
STATUSES = (ACCEPTED, REJECTED, DRAFT, PARTNERS, EMBARGOED, PUBLISHED)
# Release states (the ``release`` table; an accepted submission without a row is internal).
INTERNAL = "internal"
RELEASE_STATES = (PARTNERS, EMBARGOED, PUBLISHED, WITHDRAWN)
# CONF_STATUS: a free cell, and the mark of a cell hidden by secondary suppression.
FREE = "F"
SECONDARY = "D"
# States of a sharing agreement (the ``agreement`` table, versioned by name).
AGREEMENT_ACTIVE = "active"
AGREEMENT_REMOVED = "removed"

MAX_CACHED_CLAUSES = 2000
"""Clauses kept per policy (one set per reading country); the cache starts over past it."""


class AccessPolicy(Permissions):
    """The decisions about reading, in one place (see the module docstring).

    ``clock`` gives the moment (aware or naive UTC) that embargoes are judged against; tests
    pass one they can move. Nothing has to run when an embargo ends: every read asks the clock.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock
        # the moment, asked of the clock each time a statement runs: the clauses holding it
        # are built once per reader and reused (building them costs more than a small read)
        self._now = sa.bindparam("policy_now", callable_=self.now, type_=sa.DateTime)
        self._made: dict[tuple[Any, ...], Any] = {}
        self._resolutions = resolved.Resolutions()
        self._hidden = masking.HiddenCells(FREE)

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        made = self._made.get(key)
        if made is None:
            if len(self._made) > MAX_CACHED_CLAUSES:
                self._made.clear()
            made = self._made[key] = build()
        return made

    def now(self) -> datetime:
        """The policy's moment, naive UTC (as the store keeps times)."""
        moment = self.clock() if self.clock is not None else datetime.now(UTC)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment

    def data_clause(self, principal: Principal, submission: sa.Table) -> sa.ColumnElement[bool]:
        """Which submissions' observations can be *current data* at all: accepted ones.
        Drafts, submissions in review and rejected ones never are, for anyone; which
        accepted ones ``principal`` sees is :meth:`release_clause`'s decision."""
        return submission.c.status == ACCEPTED

    def release_clause(
        self,
        principal: Principal,
        submission: sa.Table,
        slice_: sa.FromClause | None = None,
        *,
        conn: Connection | None = None,
    ) -> sa.ColumnElement[bool]:
        """Which accepted submissions (for the table of ``slice_``, when given) ``principal``
        sees, by their release state at :meth:`now`.

        The coordinator sees every one; a country sees its own whatever their state; anyone
        sees what is published, or embargoed with the embargo over; members of a sharing
        agreement covering the table (with reciprocity: who provided the table for the
        period itself) see what is released to partners or still under embargo.

        With ``conn`` (and a slice), the same decision resolved once per visibility version
        into lists of ids (:mod:`migstat.store.resolved`), read on ``conn``: cheaper for the
        database than the subqueries when a read is small.
        """
        if principal.is_coordinator:
            return sa.true()
        if conn is not None and slice_ is not None:
            return self._resolved(conn, principal, submission, slice_)
        key = ("release", principal.country, submission, slice_)
        return self._cached(key, lambda: self._release_clause(principal, submission, slice_))

    def _release_clause(
        self, principal: Principal, submission: sa.Table, slice_: sa.FromClause | None
    ) -> sa.ColumnElement[bool]:
        seen = [self._state_clause(submission, slice_, self._public)]
        if principal.country:
            seen.append(submission.c.country == principal.country)
            if slice_ is not None:
                seen.append(
                    sa.and_(
                        self._state_clause(submission, slice_, self._partners),
                        agreement_clause(principal.country, submission, slice_),
                    )
                )
        return sa.or_(*seen)

    def _resolved(
        self, conn: Connection, principal: Principal, submission: sa.Table, slice_: sa.FromClause
    ) -> sa.ColumnElement[bool]:
        now = self.now()

        def make() -> tuple[sa.ColumnElement[bool], datetime | None]:
            rows = resolved.latest_rows(conn)
            public = resolved.passing(rows, lambda r: _public_row(r, now))
            if resolved.size(*public) > resolved.MAX_RESOLVED:
                return self.release_clause(principal, submission, slice_), None
            seen = [resolved.state_clause(submission, slice_, public)]
            if principal.country:
                seen.append(submission.c.country == principal.country)
                shared = self._shared(conn, principal.country, rows, submission, slice_)
                if shared is None:
                    return self.release_clause(principal, submission, slice_), None
                seen.extend(shared)
            return sa.or_(*seen), resolved.next_end(rows, now, EMBARGOED)

        key = (principal.country, submission, slice_)
        return self._resolutions.get(conn, key, now, make)

    @staticmethod
    def _shared(
        conn: Connection,
        country: str,
        rows: list[resolved.Latest],
        submission: sa.Table,
        slice_: sa.FromClause,
    ) -> list[sa.ColumnElement[bool]] | None:
        """What the agreements open to ``country`` (resolved, as :func:`agreement_clause`
        decides it); ``None`` when the lists would be too long."""
        plain, mutual = resolved.opened_pairs(
            conn, _OPENED.where(_ME.c.country == country), _AG.c.reciprocal
        )
        if not plain and not mutual:
            return []
        sets = resolved.passing(rows, lambda r: r.state in (PARTNERS, EMBARGOED, PUBLISHED))
        provided = _PROVIDED.where(_OWN_SUB.c.country == country, _OWN_SUB.c.status == ACCEPTED)
        return resolved.shared(conn, sets, (plain, mutual), provided, submission, slice_)

    def _public(self, r: Any) -> sa.ColumnElement[bool]:
        return sa.or_(
            r.c.state == PUBLISHED,
            sa.and_(r.c.state == EMBARGOED, r.c.embargo_until <= self._now),
        )

    @staticmethod
    def _partners(r: Any) -> sa.ColumnElement[bool]:
        return r.c.state.in_((PARTNERS, EMBARGOED, PUBLISHED))

    @staticmethod
    def _state_clause(
        submission: sa.Table,
        slice_: sa.FromClause | None,
        test: Callable[[Any], sa.ColumnElement[bool]],
    ) -> sa.ColumnElement[bool]:
        """The submission's latest release row for the slice's table (a row for that table
        or for all tables, whichever is newer) passes ``test``; without a slice, a latest row
        of any scope does.

        Built from subqueries that do not depend on the row being read, so the database
        computes each once per query rather than once per slice (a few release rows against
        thousands of slices)."""
        whole, good, bad = _release_sets(test)
        if slice_ is None:
            good_ids = good.with_only_columns(_ONE.c.submission_id)
            return sa.or_(submission.c.id.in_(whole), submission.c.id.in_(good_ids))
        pair = sa.tuple_(submission.c.id, slice_.c.table_id)
        return sa.or_(
            sa.and_(submission.c.id.in_(whole), sa.not_(pair.in_(bad))),
            pair.in_(good),
        )

    def observation_clause(
        self, principal: Principal, observation: sa.Table
    ) -> sa.ColumnElement[bool]:
        """Which observation rows ``principal`` may see: every row of current data. A cell
        that is not free is still listed, its value hidden (:meth:`observation_columns`)."""
        return sa.true()

    def observation_columns(
        self,
        principal: Principal,
        observation: sa.Table,
        *,
        own_slices: list[int] | None = None,
        as_stored: bool = False,
    ) -> dict[str, sa.ColumnElement[Any]]:
        """What ``principal`` reads in the ``value`` and ``conf_status`` columns.

        The coordinator and the cell's own country read them as stored. Everyone else reads
        no value for a cell that is not free (CONF_STATUS C, N, A, S, D, …) or that secondary
        suppression hid when the table was released (its CONF_STATUS read as D), so a hidden
        cell cannot be recovered from the totals beside it. ``own_slices``, when the caller
        knows them, are the ids of the slices read that the principal's country submitted
        (else a subquery finds them); ``as_stored`` says every slice read is the principal's
        country's own (checked by the caller from the slices' submitting country) or holds
        no cell to hide (:meth:`clean_slices`), so the cells are read as stored with no
        per-row test.
        """
        if principal.is_coordinator or as_stored:
            return {"value": observation.c.value, "conf_status": observation.c.conf_status}
        if own_slices is not None and not own_slices:
            return self._cached(("columns", None, observation), lambda: self._columns(observation))
        if own_slices is not None:
            return self._columns(observation, resolved.ids_in(observation.c.slice_id, own_slices))
        key = ("columns", principal.country, observation)
        return self._cached(
            key, lambda: self._columns(observation, self._own(principal, observation))
        )

    def clean_slices(self, conn: Connection, slices: Sequence[Any]) -> frozenset[int]:
        """The ids of ``slices`` (rows of the slice table) that hold no cell
        :meth:`observation_columns` hides: no cell of their submission's table is not free,
        so none is suppressed either (:mod:`.masking`, asked on ``conn``)."""
        return self._hidden.clean(conn, slices)

    @staticmethod
    def _own(principal: Principal, ob: sa.Table) -> sa.ColumnElement[bool] | None:
        if not principal.country:
            return None
        return ob.c.slice_id.in_(_OWN_SLICES.where(S.submission.c.country == principal.country))

    @staticmethod
    def _columns(
        ob: sa.Table, own: sa.ColumnElement[bool] | None = None
    ) -> dict[str, sa.ColumnElement[Any]]:
        suppressed = ob.c.id.in_(_SUPPRESSED)
        hidden = sa.or_(ob.c.conf_status != FREE, suppressed)
        if own is not None:
            hidden = sa.and_(hidden, sa.not_(own))
            suppressed = sa.and_(suppressed, sa.not_(own))
        return {
            "value": sa.case((hidden, sa.null()), else_=ob.c.value).label("value"),
            # the standard error and the interval would give a hidden value away
            **{
                name: sa.case((hidden, sa.null()), else_=ob.c[name]).label(name)
                for name in ("std_error", "coef_var", "ci_low", "ci_high")
            },
            "conf_status": sa.case(
                (suppressed, sa.literal(SECONDARY)), else_=ob.c.conf_status
            ).label("conf_status"),
        }

    def listing_clause(self, principal: Principal, submission: sa.Table) -> sa.ColumnElement[bool]:
        """Which submissions are listed for ``principal``: for the coordinator all; for a
        country its own, and those of partners it may read some table of under a sharing
        agreement (:meth:`_shared`); for everyone the accepted ones the public may read and
        the rejected ones (their findings say why, and they hold no data)."""
        if principal.is_coordinator:
            return sa.true()
        return self._cached(
            ("listing", principal.country, submission),
            lambda: sa.or_(
                submission.c.status == REJECTED,
                sa.and_(
                    submission.c.status == ACCEPTED,
                    self._state_clause(submission, None, self._public),
                ),
                *(self._own_and_shared(principal.country, submission) if principal.country else []),
            ),
        )

    def _own_and_shared(self, country: str, submission: sa.Table) -> list[sa.ColumnElement[bool]]:
        """The country's own submissions, and accepted ones with a slice it may read as data
        as a member of a sharing agreement: the same rule as the data themselves
        (:meth:`_release_clause`), so the record is listed exactly when some of its data are."""
        sl = S.slice_.alias("listed_slice")
        shared = (
            sa.select(sl.c.id)
            .where(
                sl.c.submission_id == submission.c.id,
                self._state_clause(submission, sl, self._partners),
                agreement_clause(country, submission, sl),
            )
            .exists()
        )
        return [
            submission.c.country == country,
            sa.and_(submission.c.status == ACCEPTED, shared),
        ]


# The aliases and the parts of the clauses that never change, made once: building them per read
# (their column collections) costs more than the reads they restrict.
_SCOPE = S.release.alias("release_scope")
_LATEST = sa.select(sa.func.max(_SCOPE.c.id)).group_by(_SCOPE.c.submission_id, _SCOPE.c.table_id)
"""The id of the latest release row of each (submission, table or all tables)."""
_WHOLE = S.release.alias("release_whole")
_ONE, _OTHER = S.release.alias("release_table"), S.release.alias("release_all")
_NEWER = (
    sa.select(_ONE.c.submission_id, _ONE.c.table_id)
    .select_from(
        _ONE.outerjoin(
            _OTHER,
            sa.and_(
                _OTHER.c.submission_id == _ONE.c.submission_id,
                _OTHER.c.table_id.is_(None),
                _OTHER.c.id.in_(_LATEST),
            ),
        )
    )
    .where(
        _ONE.c.id.in_(_LATEST),
        _ONE.c.table_id.is_not(None),
        sa.or_(_OTHER.c.id.is_(None), _ONE.c.id > _OTHER.c.id),
    )
)
"""(submission, table) pairs whose latest row for the table is newer than the latest row for
all tables."""
_AG, _ME, _THEM, _TAB = (
    S.agreement.alias("ag"),
    S.agreement_member.alias("ag_me"),
    S.agreement_member.alias("ag_them"),
    S.agreement_table.alias("ag_table"),
)
_AG_LATEST = S.agreement.alias("ag_latest")
_OPENED = (
    sa.select(_THEM.c.country, _TAB.c.table_id)
    .select_from(
        _AG.join(_ME, _ME.c.agreement_id == _AG.c.id)
        .join(_THEM, _THEM.c.agreement_id == _AG.c.id)
        .join(_TAB, _TAB.c.agreement_id == _AG.c.id)
    )
    .where(
        _AG.c.id.in_(sa.select(sa.func.max(_AG_LATEST.c.id)).group_by(_AG_LATEST.c.name)),
        _AG.c.state == AGREEMENT_ACTIVE,
    )
)
_OWN_SLICE, _OWN_SUB = S.slice_.alias("own_slice"), S.submission.alias("own_sub")
_PROVIDED = sa.select(_OWN_SLICE.c.table_id, _OWN_SLICE.c.time_period).join(
    _OWN_SUB, _OWN_SUB.c.id == _OWN_SLICE.c.submission_id
)
_OWN_SLICES = sa.select(S.slice_.c.id).join(
    S.submission, S.submission.c.id == S.slice_.c.submission_id
)
_SUPPRESSED = sa.select(S.suppressed_cell.c.observation_id)


def _public_row(row: resolved.Latest, now: datetime) -> bool:
    """Whether a latest release row makes its data public at ``now`` (as :meth:`_public`)."""
    return row.state == PUBLISHED or (
        row.state == EMBARGOED and row.embargo_until is not None and row.embargo_until <= now
    )


def _release_sets(
    test: Callable[[Any], sa.ColumnElement[bool]],
) -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """Three subqueries of the latest release rows: the submissions whose latest row for all
    tables passes ``test``; the (submission, table) pairs whose own latest row is newer than
    that one and passes, and those whose newer row fails."""
    passing = sa.select(_WHOLE.c.submission_id).where(
        _WHOLE.c.id.in_(_LATEST), _WHOLE.c.table_id.is_(None), test(_WHOLE)
    )
    return passing, _NEWER.where(test(_ONE)), _NEWER.where(sa.not_(test(_ONE)))


def agreement_clause(
    country: str, submission: sa.Table, slice_: sa.FromClause
) -> sa.ColumnElement[bool]:
    """``country`` and the submission's country are members of one sharing agreement, as it
    stands now, that covers the slice's table; with reciprocity, ``country`` has itself provided
    that table for the slice's period (an accepted submission of its own).

    Made of subqueries that do not depend on the slice read (the pairs of country and table
    the agreements open to ``country``; the tables and periods it provided), so that each is
    computed once per query."""
    opened = _OPENED.where(_ME.c.country == country)
    provided = _PROVIDED.where(_OWN_SUB.c.country == country, _OWN_SUB.c.status == ACCEPTED)
    pair = sa.tuple_(submission.c.country, slice_.c.table_id)
    return sa.or_(
        pair.in_(opened.where(sa.not_(_AG.c.reciprocal))),
        sa.and_(
            pair.in_(opened.where(_AG.c.reciprocal)),
            sa.tuple_(slice_.c.table_id, slice_.c.time_period).in_(provided),
        ),
    )
