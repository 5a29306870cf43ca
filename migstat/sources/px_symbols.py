"""What a PX file's missing-value symbols mean.

A PX data cell that is no number is a symbol: ``"-"`` is a true zero (read by the format
reader); the others are empty values whose flags say why. The file's own ``DATASYMBOLn``
texts come first (Statistics Sweden's examples say "n.a.", "unknown", "hidden", "secret");
else the usual PxWeb meanings: ``"."`` cannot exist (M), ``".."`` not available (L),
``"..."`` and longer missing (O).
"""

from __future__ import annotations

import re

from migstat.formats.px.reader import MISSING_SYMBOLS, NIL_SYMBOL, PxFile

_CONFIDENTIAL = re.compile(
    r"confiden|secret|classified|hidden|suppress|not for publication|"
    r"конфиденц|секрет|скрыт|не публику",
    re.I,
)
_MEANINGS = (
    (re.compile(r"^n\.?\s?a\.?$|not available|unknown|нет данных|неизвест", re.I), "L"),
    (re.compile(r"not applicable|cannot exist|не может|не применим", re.I), "M"),
)
"""What a ``DATASYMBOLn`` text says a symbol means, before the usual PxWeb meanings."""
_SYMBOL_STATUS = {".": "M", "..": "L"}


def symbol_flags(px: PxFile, token: str) -> tuple[str, str]:
    """``(OBS_STATUS, CONF_STATUS)`` of a missing-value symbol: what the file's
    ``DATASYMBOLn`` says it means (confidential, hidden, secret → CONF_STATUS C; "n.a.",
    unknown → L; not applicable → M), else the usual PxWeb meaning of the symbol."""
    meaning = px.symbol_text(token) or ""
    if _CONFIDENTIAL.search(meaning) or meaning.strip().lower() in ("x", "х"):
        return "A", "C"
    for pattern, status in _MEANINGS:
        if pattern.search(meaning.strip()):
            return status, "F"
    if token in _SYMBOL_STATUS:
        return _SYMBOL_STATUS[token], "F"
    if token in MISSING_SYMBOLS or token == NIL_SYMBOL:
        return "O", "F"
    return "O", "F"
