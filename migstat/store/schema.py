"""The store's schema, defined once as SQLAlchemy Core metadata.

The Alembic migrations under ``migrations/versions`` create exactly this schema (a test
compares the two after ``upgrade head`` on SQLite and PostgreSQL). Nothing is ever updated
or deleted in these tables except the moment a submission is finished (its time stamp) and
the workflow's changes of a submission's ``status``; release states are rows of their own.

Layout::

    raw_file        sha256 (PK), size, content, stored_at         the bytes as received
    raw_file_chunk  (sha256, seq) -> data: a raw file in pieces of 1 MiB, written while it
                    is read; its raw_file row then holds empty content (migration 0009)
    submission      one row per vintage: provider, country, file, format, sha256 -> raw_file,
                    submitted_at, submitted_by, status, synthetic, counts, note, JSON metadata
    table_metadata  (submission_id, table_id) -> metadata JSON per table of a submission
    slice           (table_id, provider, ref_area, time_period, breakdown) of one submission,
                    recorded_at; the unit that a later submission supersedes
    observation     slice_id -> key ('.'-joined codes), partner, value, flags, comment, and a
                    survey estimate's SE, CV, interval and reliability flag (0008)
    finding         submission_id -> rule, severity, table, sheet, cell, line, Finding JSON
    mapping         one version of a classification mapping (country, source, code list)
    mapping_entry   mapping_id -> national category -> target code with a share
    mapping_use     which mapping versions a submission's numbers went through
    account, api_token, web_session, audit_record   the exchange (migstat.exchange)
    release         submission (one table or all) -> state, embargo_until, who, when, note
    agreement       a sharing agreement's version (name, state, reciprocal) with
                    agreement_member (countries) and agreement_table (tables)
    suppressed_cell observations hidden by secondary suppression when their table was released
    upload_job      a web upload waiting to be checked and stored, claimed by one worker
    upload_job_piece  its bytes, in pieces of 1 MiB
    store_version   one row, bumped by triggers whenever what anyone may read can change

Times are naive UTC with microseconds (``DateTime`` without time zone on both databases).
Strings have no length limit on purpose: a submission that is later rejected must still be
stored, so nothing in it may fail to fit.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# An integer primary key: BIGINT identity on PostgreSQL, the rowid alias on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

raw_file = sa.Table(
    "raw_file",
    metadata,
    sa.Column("sha256", sa.String(), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("stored_at", sa.DateTime, nullable=False),
)

raw_file_chunk = sa.Table(
    "raw_file_chunk",
    metadata,
    sa.Column("sha256", sa.String(), sa.ForeignKey("raw_file.sha256"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
"""A raw file stored in pieces, so that neither writing nor reading it holds it whole. A
``raw_file`` row with empty ``content`` and a positive ``size`` is read from here; rows that
hold their content whole (every file stored before migration 0009, and small ones) are read
as they are."""

submission = sa.Table(
    "submission",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(), nullable=False),
    sa.Column("country", sa.String(), nullable=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("format", sa.String(), nullable=False),
    sa.Column("sha256", sa.String(), sa.ForeignKey("raw_file.sha256"), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("submitted_by", sa.String(), nullable=False),
    # accepted | rejected today; later draft | partners | embargoed | published
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.DateTime, nullable=True),
    sa.Column("synthetic", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("n_observations", sa.Integer, nullable=False),
    sa.Column("n_errors", sa.Integer, nullable=False),
    sa.Column("n_warnings", sa.Integer, nullable=False),
    sa.Column("tables", sa.JSON, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("provenance", sa.JSON, nullable=True),
    sa.Index(None, "provider", "id"),
    sa.Index(None, "country", "id"),
    sa.Index(None, "sha256"),
)

table_metadata = sa.Table(
    "table_metadata",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), primary_key=True),
    sa.Column("table_id", sa.String(), primary_key=True),
    sa.Column("meta", sa.JSON, nullable=False),
)

slice_ = sa.Table(
    "slice",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False),
    sa.Column("table_id", sa.String(), nullable=False),
    sa.Column("provider", sa.String(), nullable=False),
    sa.Column("ref_area", sa.String(), nullable=False),
    sa.Column("time_period", sa.String(), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("n_observations", sa.Integer, nullable=False),
    # which dimensions the slice breaks down ("" for one breakdown per slice key): a later
    # slice supersedes only a slice of the same breakdown (Dataset.breakdowns)
    sa.Column("breakdown", sa.String(), nullable=False, server_default=""),
    sa.Index(None, "table_id", "ref_area", "provider", "time_period", "recorded_at"),
    sa.Index(None, "submission_id"),
)

observation = sa.Table(
    "observation",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("slice_id", sa.Integer, sa.ForeignKey("slice.id"), nullable=False),
    sa.Column("key", sa.String(), nullable=False),
    sa.Column("partner", sa.String(), nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("obs_status", sa.String(), nullable=False),
    sa.Column("conf_status", sa.String(), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    # a survey estimate's precision as attributes (migration 0008; model.precision.COLUMNS)
    sa.Column("std_error", sa.Float, nullable=True),
    sa.Column("coef_var", sa.Float, nullable=True),
    sa.Column("ci_level", sa.Integer, nullable=True),
    sa.Column("ci_low", sa.Float, nullable=True),
    sa.Column("ci_high", sa.Float, nullable=True),
    sa.Column("reliability", sa.String(), nullable=True),
    sa.Index(None, "slice_id", "partner", "key"),
    # a slice's rows in stored order, without sorting them (migration 0003)
    sa.Index(None, "slice_id", "id"),
)

finding = sa.Table(
    "finding",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False),
    sa.Column("rule", sa.String(), nullable=False),
    sa.Column("severity", sa.String(), nullable=False),
    sa.Column("table_id", sa.String(), nullable=True),
    sa.Column("sheet", sa.String(), nullable=True),
    sa.Column("cell", sa.String(), nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index(None, "submission_id"),
)

KEY_SEPARATOR = "."

# -- classification mappings (national categories -> international codes; versioned) --------
mapping = sa.Table(
    "mapping",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("country", sa.String(), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("codelist", sa.String(), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.UniqueConstraint("country", "source", "codelist", "version"),
)

mapping_entry = sa.Table(
    "mapping_entry",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mapping_id", sa.Integer, sa.ForeignKey("mapping.id"), nullable=False),
    sa.Column("national_code", sa.Text, nullable=False),
    sa.Column("national_label", sa.Text, nullable=True),
    sa.Column("target", sa.String(), nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Index(None, "mapping_id"),
)

mapping_use = sa.Table(
    "mapping_use",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), primary_key=True),
    sa.Column("mapping_id", sa.Integer, sa.ForeignKey("mapping.id"), primary_key=True),
)

# -- the exchange: accounts, API tokens, web sessions and the audit trail (migration 0004) ---
# Accounts change (a password reset, disabling); every change is also an audit record. Tokens
# and sessions are stored as SHA-256 hashes of their secrets, never the secrets themselves.
account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(), nullable=False),
    # coordinator | reporter | approver | partner
    sa.Column("role", sa.String(), nullable=False),
    sa.Column("country", sa.String(), nullable=True),
    sa.Column("agency", sa.Text, nullable=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(), nullable=False),
    sa.Column("disabled_at", sa.DateTime, nullable=True),
    # the second factor: a TOTP secret (RFC 6238) and the last time step used, never reused
    sa.Column("totp_secret", sa.String(), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("login"),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    sa.Column("token_hash", sa.String(), nullable=False),
    sa.Column("scope", sa.String(), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "account_id"),
)

web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_hash", sa.String(), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("client", sa.String(), nullable=True),
    sa.UniqueConstraint("session_hash"),
    sa.Index(None, "account_id"),
)

# Append-only: each record's hash covers its content and the previous record's hash, so
# changing or deleting one breaks the chain (migstat.exchange.audit). The id is given by the
# writer (the previous id + 1, under the chain's lock), and no two records share a previous
# hash, so two writers cannot fork the chain.
audit_record = sa.Table(
    "audit_record",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(), nullable=False),
    sa.Column("action", sa.String(), nullable=False),
    sa.Column("client", sa.String(), nullable=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(), nullable=False),
    sa.Column("hash", sa.String(), nullable=False),
    sa.UniqueConstraint("prev_hash"),
    sa.UniqueConstraint("hash"),
    sa.Index(None, "action", "actor", "at"),
    sa.Index(None, "action", "client", "at"),
    sa.Index(None, "at"),
)

# -- release states, sharing agreements, secondary suppression (migration 0006) --------------
# Append-only. A submission's (or one of its tables') release state is its latest ``release``
# row: partners | embargoed (public from ``embargo_until``, partners until then) | published |
# withdrawn; an accepted submission with no row is internal (its country and the coordinator).
# Who sees what is decided at read time by the clock (migstat.store.access), so an embargo ends
# without any job running.
release = sa.Table(
    "release",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False),
    # one table of the submission, or NULL for all of its tables
    sa.Column("table_id", sa.String(), nullable=True),
    sa.Column("state", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.DateTime, nullable=True),
    sa.Column("released_at", sa.DateTime, nullable=False),
    sa.Column("released_by", sa.String(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index(None, "submission_id", "id"),
    sa.Index(None, "embargo_until"),
)

# A sharing agreement is versioned by name: each change (adding, removing) is a new row, and
# the agreement as it stands is the latest row of its name; members and tables belong to a row.
agreement = sa.Table(
    "agreement",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(), nullable=False),
    # active | removed
    sa.Column("state", sa.String(), nullable=False),
    sa.Column("reciprocal", sa.Boolean, nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("changed_by", sa.String(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index(None, "name", "id"),
)

agreement_member = sa.Table(
    "agreement_member",
    metadata,
    sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreement.id"), primary_key=True),
    sa.Column("country", sa.String(), primary_key=True),
    sa.Index(None, "country"),
)

agreement_table = sa.Table(
    "agreement_table",
    metadata,
    sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreement.id"), primary_key=True),
    sa.Column("table_id", sa.String(), primary_key=True),
)

# Cells hidden by secondary suppression when a table with confidential cells was released
# (migstat.exchange.release): shown with CONF_STATUS D and no value to whoever is not entitled.
suppressed_cell = sa.Table(
    "suppressed_cell",
    metadata,
    sa.Column("observation_id", BigId, sa.ForeignKey("observation.id"), primary_key=True),
    sa.Column("release_id", sa.Integer, sa.ForeignKey("release.id"), nullable=False),
    sa.Column("conf_status", sa.String(), nullable=False),
)

# -- reporting rounds and notifications (migration 0007) -------------------------------------
# A round says who is expected to provide which tables for a year, by a deadline (SDMX calls
# this a provision agreement). Rounds are closed, never deleted; declarations and
# notifications are appended (a notification is marked read and e-mailed, nothing else).
round_ = sa.Table(
    "round",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("opened_by", sa.String(), nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("closed_by", sa.String(), nullable=True),
)

round_expectation = sa.Table(
    "round_expectation",
    metadata,
    sa.Column("round_id", sa.String(), sa.ForeignKey("round.id"), primary_key=True),
    sa.Column("country", sa.String(), primary_key=True),
    sa.Column("table_id", sa.String(), primary_key=True),
)

round_declaration = sa.Table(
    "round_declaration",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("round_id", sa.String(), sa.ForeignKey("round.id"), nullable=False),
    sa.Column("country", sa.String(), nullable=False),
    sa.Column("table_id", sa.String(), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("declared_by", sa.String(), nullable=False),
    sa.Column("declared_at", sa.DateTime, nullable=False),
    sa.Index(None, "round_id", "country", "table_id"),
)

# One row per message to one account; ``key`` makes sending the same reminder twice
# impossible (``migstat rounds remind`` may run as often as cron likes).
notification = sa.Table(
    "notification",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    sa.Column("key", sa.String(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("round_id", sa.String(), nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("read_at", sa.DateTime, nullable=True),
    sa.Column("emailed_at", sa.DateTime, nullable=True),
    sa.Column("email_error", sa.Text, nullable=True),
    sa.UniqueConstraint("key"),
    sa.Index(None, "account_id", "id"),
)

# Where an account's notifications are e-mailed (a login that is an address needs none).
notification_address = sa.Table(
    "notification_address",
    metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), primary_key=True),
    sa.Column("email", sa.String(), nullable=False),
    sa.Column("set_at", sa.DateTime, nullable=False),
    sa.Column("set_by", sa.String(), nullable=False),
)

# -- the submission workflow (migration 0005; migstat.exchange.workflow) ---------------------
# Append-only: every state a submission passes through (draft, submitted, signed_off,
# returned, accepted, rejected) is one row, so its history is kept; ``submission.status``
# holds the latest. A reporter's explanation of a finding is a row of ``finding_comment``;
# a later explanation of the same finding is a new row, the earlier ones stay.
submission_event = sa.Table(
    "submission_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False),
    sa.Column("state", sa.String(), nullable=False),
    sa.Column("actor", sa.String(), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index(None, "submission_id", "id"),
    sa.Index(None, "state", "submission_id"),
)

finding_comment = sa.Table(
    "finding_comment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False),
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("finding.id"), nullable=False),
    sa.Column("actor", sa.String(), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index(None, "submission_id", "finding_id"),
)

# -- background checks of web uploads (migration 0015; migstat.exchange.jobs) ---------------
# A reporter's upload waiting to be checked and stored, with its bytes until it is done, so a
# worker process that dies leaves it for another to take up. A worker claims a job with a
# conditional update (``queued`` -> ``running``); ``worker`` names the process (host, pid).
# Rows are transient: the bytes are dropped when the job ends, the row a day later.
upload_job = sa.Table(
    "upload_job",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("owner", sa.String(), nullable=False),
    sa.Column("file_name", sa.String(), nullable=False),
    sa.Column("mode", sa.String(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("client", sa.String(), nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=True),
    sa.Column("sha256", sa.String(), nullable=False),
    sa.Column("state", sa.String(), nullable=False),
    sa.Column("worker", sa.String(), nullable=True),
    sa.Column("claimed_at", sa.DateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("submission_id", sa.Integer, nullable=True),
    sa.Column("error", sa.JSON, nullable=True),
    sa.Column("error_status", sa.Integer, nullable=True),
    sa.Column("sidecar", sa.LargeBinary, nullable=True),
    sa.Index(None, "state", "created_at"),
    sa.Index(None, "owner", "state"),
)

# An upload's bytes in pieces of 1 MiB (migration 0017), so that neither keeping an upload
# nor reading it back holds it whole; dropped when its job ends. ``upload_job.data`` holds
# the bytes of jobs kept before pieces existed.
upload_job_piece = sa.Table(
    "upload_job_piece",
    metadata,
    sa.Column("job_id", sa.String(), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# -- the visibility version (migration 0013) -------------------------------------------------
# One row. Triggers (created by the migration, on both databases) add one to ``version`` in
# every transaction that writes a submission (and so its slices), a release (and so its
# suppressed cells), an agreement or a reporting round, so it commits with the change: caches
# in every worker compare it on each request (migstat.store.releases.visibility_version).
store_version = sa.Table(
    "store_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)
