"""Tabulating census, survey and register records into the standard tables.

>>> result = tabulate("census.parquet", "mapping.yaml", tables=["S01"])  # doctest: +SKIP
>>> write_tabulation(result, "KGZ_2022.csv")                            # doctest: +SKIP

DuckDB reads the file out of core (a memory limit on the connection); the mapping file
(``docs/microdata.md``, checked against ``mapping.schema.json``) says which variable holds
what and how national codes recode to the code lists. Every table comes out of one query with
all its totals and subtotals (``GROUP BY CUBE``), so they add up by construction. Survey
estimates with their standard errors, CVs and reliability flags are in ``survey`` (Taylor
linearisation in ``taylor``, replicate weights in ``replicates``).
"""

from migstat.microdata.mapping import Mapping, load_mapping
from migstat.microdata.output import read_metadata, sidecar_path, write_tabulation
from migstat.microdata.tabulate import Tabulation, tabulate

__all__ = [
    "Mapping",
    "Tabulation",
    "load_mapping",
    "read_metadata",
    "sidecar_path",
    "tabulate",
    "write_tabulation",
]
