"""migstat: a clearing-house for international migration statistics.

The package is a stack of rooms; each imports only rooms below it (``docs/architecture.md``
has the table, and ``tests/test_architecture.py`` holds the tree to it):

1. :mod:`migstat.i18n` (English/Russian messages), then :mod:`migstat.model` (code lists,
   tables, observations, findings, and the registry loaded from ``migstat/definitions``);
2. :mod:`migstat.formats` (a reader and a writer per file format, the one text decoder, the
   one number parser, the registry of output formats), :mod:`migstat.validation` (rules that
   turn a dataset into findings at cells), :mod:`migstat.store` (the append-only store; every
   read goes through :mod:`migstat.store.access`), and next ``migstat.disclosure``
   (cell suppression, cell-key perturbation);
3. :mod:`migstat.sources` (generic importers and one small module per publisher's quirks),
   :mod:`migstat.analysis` (mirror statistics, harmonisation, flows from stocks),
   :mod:`migstat.mapping` (national classifications to international ones), and next
   ``migstat.microdata`` (tabulating records into the standard tables);
4. next ``migstat.exchange`` (accounts, rounds, review, release, sharing, audit);
5. :mod:`migstat.api`, the small public Python API;
6. :mod:`migstat.web` (the portal and the APIs), :mod:`migstat.cli` (the ``migstat``
   command), :mod:`migstat.demo` (the demo clearing-house), and ``migstat.__main__``
   which assembles the program.
"""

__version__ = "0.1.0"
