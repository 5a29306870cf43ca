"""The columnar import: a publisher's file kept as columns in DuckDB from the reader to the
store, for readers that give a plan (docs/importing.md, "Two paths").

``session`` opens the bounded DuckDB database of one import in its scratch folder; a reader's
plan (``migstat.sources.<reader>_columns``) fills its ``obs`` table; ``checks`` validates it
(the rules' preconditions in SQL, the rules themselves on the few areas and periods where a
finding is possible); ``run`` hands the store its slices and rows in batches.
"""

from migstat.columnar.run import ColumnarRun
from migstat.columnar.session import Session

__all__ = ["ColumnarRun", "Session"]
