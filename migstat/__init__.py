"""migstat: a clearing-house for international migration statistics.

Layers (each may import only those before it):

- :mod:`migstat.i18n` — English/Russian messages through gettext catalogs.
- :mod:`migstat.model` — the statistical model: code lists, tables, observations, findings,
  and the registry that loads them from ``migstat/definitions``.
- :mod:`migstat.formats` — readers and writers per file format (questionnaire workbook,
  long CSV, SDMX-CSV, ...).
- :mod:`migstat.sources` — one small module per data publisher's quirks (UN DESA, UNHCR,
  Belstat, CIS-Stat), producing datasets of the model.
- :mod:`migstat.validation` — rules that turn a dataset into findings pointing at cells.
- :mod:`migstat.store` — the append-only store (SQLAlchemy; SQLite or PostgreSQL) and
  :mod:`migstat.store.access`, the one place every read goes through.
- :mod:`migstat.api` — the small public Python API; :mod:`migstat.cli` — the ``migstat``
  command.
"""

__version__ = "0.1.0"
