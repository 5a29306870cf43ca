"""The store's schema, defined once as SQLAlchemy Core metadata.

The Alembic migrations under ``migrations/versions`` create exactly this schema (a test
compares the two after ``upgrade head`` on SQLite and PostgreSQL). Nothing is ever updated
or deleted in these tables except the moment a submission is finished (its time stamp) and,
later, release-state changes of a submission (``status``).

Layout::

    raw_file        sha256 (PK), size, content, stored_at         the bytes as received
    submission      one row per vintage: provider, country, file, format, sha256 -> raw_file,
                    submitted_at, submitted_by, status, synthetic, counts, note, JSON metadata
    table_metadata  (submission_id, table_id) -> metadata JSON per table of a submission
    slice           (table_id, provider, ref_area, time_period) of one submission, recorded_at;
                    the unit that a later submission supersedes
    observation     slice_id -> key ('.'-joined codes), partner, value, flags, comment
    finding         submission_id -> rule, severity, table, sheet, cell, line, Finding JSON
    mapping         one version of a classification mapping (country, source, code list)
    mapping_entry   mapping_id -> national category -> target code with a share
    mapping_use     which mapping versions a submission's numbers went through
    account, api_token, web_session, audit_record   the exchange (migstat.exchange)

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
