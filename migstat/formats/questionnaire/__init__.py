"""The questionnaire workbook: a template a statistician fills in Excel, and its reader.

* :mod:`.layout`: the sheet layout both halves share (sheet names, where codes and data cells
  are, the hidden sheet's facts, styles and header text);
* :mod:`.writer`: :func:`write_template`, the template, optionally filled with a dataset; its
  table sheets are written by :mod:`.write_tables`;
* :mod:`.reader`: :func:`read_questionnaire`, a filled workbook back into a dataset; its table
  sheets are read by :mod:`.read_tables`;
* :mod:`.xlsx`: the fast, guarded reader of .xlsx cell values the reader is built on;
* :mod:`.annotate`: :func:`~.annotate.annotate_workbook`, the submitted workbook returned with
  every finding marked at its cell (imported from there, when needed, not here).

The package exports the names its callers use; everything else is imported from its modules.
"""

from migstat.formats.questionnaire.layout import (
    FACT_COLUMNS,
    FORMAT,
    HIDDEN_SHEET,
    LISTS_SHEET,
    SHEET_NAMES,
    SUBMISSION_FIELDS,
    TABLE_FIELDS,
    TEMPLATE_VERSION,
    SheetLayout,
)
from migstat.formats.questionnaire.reader import Facts, read_questionnaire
from migstat.formats.questionnaire.writer import write_template

__all__ = [
    "FACT_COLUMNS",
    "FORMAT",
    "HIDDEN_SHEET",
    "LISTS_SHEET",
    "SHEET_NAMES",
    "SUBMISSION_FIELDS",
    "TABLE_FIELDS",
    "TEMPLATE_VERSION",
    "Facts",
    "SheetLayout",
    "read_questionnaire",
    "write_template",
]
