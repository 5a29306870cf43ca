"""What a PX file says about its cells: what its missing-value symbols mean, and its notes.

A PX data cell that is no number is a symbol: ``"-"`` is a true zero (read by the format
reader); the others are empty values whose flags say why. The file's own ``DATASYMBOLn``
texts come first (Statistics Sweden's examples say "n.a.", "unknown", "hidden", "secret");
else the usual PxWeb meanings: ``"."`` cannot exist (M), ``".."`` not available (L),
``"..."`` and longer missing (O). ``CELLNOTE`` and ``CELLNOTEX`` notes go into the
comment of every observation they name.
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


CellNote = tuple[tuple[int | None, ...], str]
"""The value positions a note is for (``None``: any value, ``"*"``) and its text."""


def cell_notes(px: PxFile) -> list[CellNote]:
    """The file's ``CELLNOTE`` and ``CELLNOTEX`` notes, each once: in the file's own language
    where it has one, else in the first other language that gives it (Statistics Sweden's
    example gives one note only in Swedish and Finnish). The values it names are matched in
    that language's texts."""
    found: dict[tuple[int | None, ...], str] = {}
    for lang in [None, *px.languages]:
        for (name, at_lang, sub), items in px.keywords.items():
            if name not in ("CELLNOTE", "CELLNOTEX") or at_lang != lang or not items:
                continue
            if len(sub) != len(px.variables):
                continue
            where = _positions(px, sub, lang)
            if where is not None and where not in found:
                found[where] = " ".join(items)
    return list(found.items())


def _positions(px: PxFile, sub: tuple[str, ...], lang: str | None) -> tuple[int | None, ...] | None:
    out: list[int | None] = []
    for var, text in zip(px.variables, sub, strict=True):
        if text == "*":
            out.append(None)
            continue
        labels = var.labels.get(lang, var.values) if lang and lang != px.language else var.values
        codes = var.codes or []
        if text in labels:
            out.append(labels.index(text))
        elif text in codes:
            out.append(codes.index(text))
        else:
            return None  # a note on a value the file does not have
    return tuple(out)


def note_for(notes: list[CellNote], indices: tuple[int, ...]) -> str | None:
    """The notes that apply to the cell at ``indices``, joined."""
    texts = [
        text
        for where, text in notes
        if all(w is None or w == i for w, i in zip(where, indices, strict=True))
    ]
    return "; ".join(texts) or None
