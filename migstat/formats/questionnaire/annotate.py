"""The annotated return: the submitted workbook with every finding marked at its cell.

Cells with findings are filled (red: error, amber: warning, blue: information) and carry a
comment with the rule, the message (in English, Russian or both, the reader's language first:
LibreOffice shows only a comment's first line until it is opened) and the numbers involved.
A first sheet, ``Findings`` / ``Замечания``, lists every finding with a link to its cell;
findings that have no cell (a CSV line, a whole table) appear only there.
"""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.hyperlink import Hyperlink

from migstat.formats.neutral import neutralise
from migstat.formats.questionnaire.xlsx import open_zip
from migstat.formats.vocabulary import languages
from migstat.i18n import N_, gettext_
from migstat.model import Finding, InputError, Location, Severity

FILLS = {
    Severity.ERROR.value: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING.value: PatternFill("solid", fgColor="FFEB9C"),
    Severity.INFO.value: PatternFill("solid", fgColor="DDEBF7"),
}
SEVERITY_LABELS = {
    Severity.ERROR.value: N_("error"),
    Severity.WARNING.value: N_("warning"),
    Severity.INFO.value: N_("information"),
}
VALUE_LABELS = {
    "observed": N_("observed"),
    "expected": N_("expected"),
    "difference": N_("difference"),
    "tolerance": N_("tolerance"),
}
SHEET_TITLES = {"en": "Findings", "ru": "Замечания", "both": "Findings - Замечания"}
SHEET_TITLES["en+ru"] = SHEET_TITLES["both"]
SHEET_TITLES["ru+en"] = "Замечания - Findings"
COLUMNS = [
    ("#", None),
    ("severity", N_("Severity")),
    ("rule", N_("Rule")),
    ("table", N_("Table")),
    ("place", N_("Place")),
    ("message", N_("Message")),
    ("observed", N_("observed")),
    ("expected", N_("expected")),
    ("difference", N_("difference")),
]


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:g}"


def _severity(finding: Finding) -> str:
    return Severity(finding.severity).value


def _numbers(finding: Finding, lang: str) -> str:
    parts = []
    for name, value in finding.values.items():
        if value is None:
            continue
        label = gettext_(VALUE_LABELS[name], lang) if name in VALUE_LABELS else name
        parts.append(f"{label}: {_number(value)}")
    return ", ".join(parts)


def _comment_text(findings: list[Finding], langs: tuple[str, ...]) -> str:
    blocks = []
    for finding in findings:
        sev = " / ".join(gettext_(SEVERITY_LABELS[_severity(finding)], lng) for lng in langs)
        lines = [f"[{sev}] {finding.rule}"]
        lines.extend(finding.text(lng) for lng in langs)
        numbers = _numbers(finding, langs[0])
        if numbers:
            lines.append(numbers)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def annotate_workbook(
    source: bytes | Path,
    findings: list[Finding],
    out_path: str | Path,
    *,
    lang: str = "both",
    file_name: str | None = None,
) -> Path:
    """Write ``source`` to ``out_path`` with ``findings`` marked at their cells and listed on
    a first sheet."""
    langs = languages(lang)
    out = Path(out_path)
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        name = file_name or out.name
    else:
        data = Path(source).read_bytes()
        name = file_name or Path(source).name
    open_zip(data, file_name=name)  # damaged or oversized archives are refused here
    try:
        wb = load_workbook(BytesIO(data))
    except (InvalidFileException, KeyError, ValueError, OSError) as problem:
        raise InputError(
            N_("The workbook cannot be annotated: it cannot be opened ({problem})."),
            where=Location(file=name),
            problem=str(problem),
        ) from None

    ordered = sorted(findings, key=lambda f: f.sort_key)
    _mark_cells(wb, ordered, langs)
    _findings_sheet(wb, ordered, langs, lang, name)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _mark_cells(wb: Workbook, ordered: list[Finding], langs: tuple[str, ...]) -> None:
    """Fill every cell that has findings in the colour of the worst and comment it with all
    of them."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in ordered:
        where = finding.where
        if where and where.sheet and where.cell and where.sheet in wb.sheetnames:
            by_cell[(where.sheet, where.cell.replace("$", "").upper())].append(finding)

    for (sheet, ref), cell_findings in by_cell.items():
        cell = wb[sheet][ref]
        worst = min(cell_findings, key=lambda f: Severity(f.severity).rank)
        cell.fill = FILLS[_severity(worst)]
        text = _comment_text(cell_findings, langs)
        comment = Comment(text, "migstat")
        comment.width = 420
        comment.height = min(600, 60 + 18 * text.count("\n") + len(text) // 3)
        cell.comment = comment


def _findings_sheet(
    wb: Workbook, ordered: list[Finding], langs: tuple[str, ...], lang: str, name: str
) -> None:
    """The first sheet: a summary line, then every finding with a link to its cell."""
    title = SHEET_TITLES[lang]
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title, 0)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for lng in langs:
        summary = gettext_(
            N_(
                "{file}. Errors: {errors}; warnings: {warnings}; notes: "
                "{infos}. Click a place to go to its cell."
            ),
            lng,
            file=name,
            errors=sum(1 for f in ordered if _severity(f) == "error"),
            warnings=sum(1 for f in ordered if _severity(f) == "warning"),
            infos=sum(1 for f in ordered if _severity(f) == "info"),
        )
        ws.cell(row, 1, neutralise(summary)).font = bold
        row += 1
    row += 1
    header_row = row
    for col, (_key, msgid) in enumerate(COLUMNS, start=1):
        text = "#" if msgid is None else " / ".join(gettext_(msgid, lng) for lng in langs)
        cell = ws.cell(row, col, text)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
    for n, finding in enumerate(ordered, start=1):
        row += 1
        sev = _severity(finding)
        where = finding.where or Location()
        ws.cell(row, 1, n)
        sev_cell = ws.cell(row, 2, " / ".join(gettext_(SEVERITY_LABELS[sev], lng) for lng in langs))
        sev_cell.fill = FILLS[sev]
        ws.cell(row, 3, finding.rule)
        ws.cell(row, 4, finding.table or "")
        place = _place(where, langs)
        place_cell = ws.cell(row, 5, neutralise(place))
        if where.sheet and where.cell and where.sheet in wb.sheetnames:
            place_cell.hyperlink = Hyperlink(
                ref=place_cell.coordinate, location=f"'{where.sheet}'!{where.cell}", display=place
            )
            place_cell.font = Font(color="0563C1", underline="single")
        message = ws.cell(row, 6, neutralise("\n".join(finding.text(lng) for lng in langs)))
        message.alignment = wrap
        for col, field in ((7, "observed"), (8, "expected"), (9, "difference")):
            value = finding.values.get(field)
            if value is not None:
                ws.cell(row, col, value)
    for letter, width in zip("ABCDEFGHI", (6, 18, 22, 8, 18, 90, 12, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header_row + 1}"


def _place(where: Location, langs: tuple[str, ...]) -> str:
    if where.sheet and where.cell:
        return f"{where.sheet}!{where.cell}"
    if where.line is not None:
        text = gettext_(N_("line {line}"), langs[0], line=where.line)
        return text + (f", {where.column}" if where.column else "")
    return where.sheet or ""
