"""What a Russian reader sees in English on a page: the visible text of an HTML answer (and the
texts a screen reader speaks: ``alt``, ``aria-label``, ``placeholder``, ``title``) with what may
stay in Latin letters taken out.

Allowed: anything inside an element marked with another language (``lang="en"``: a publisher's
own dataset title, said as English by a screen reader) or as not to be translated
(``translate="no"``: logins, audit records, a file's places, the embed snippet), code
(``<code>``, ``<kbd>``, ``<samp>``), scripts and styles; in the text, codes (no lower-case
letter: ``S01``, ``KGZ``, ``SDMX``, ``CSV``), identifiers (``as_of``), numbers, URLs, e-mail
addresses, paths and file names, a file's own words quoted «so» or placed (``Table 2!G164``,
``строка 1700, value``), and :data:`PROPER_NAMES`. Everything else with a word of two or more
Latin letters is English left on a Russian page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style", "code", "kbd", "samp", "template", "svg"}
"""Elements whose content no reader sees as prose (an inline chart's SVG is its own test's:
its labels are checked in the browser)."""
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
SPOKEN = ("alt", "aria-label", "placeholder", "title")
PROPER_NAMES = frozenset(
    {
        "migstat",  # the program's name
        "migest",  # the R package whose estimates the flows page repeats
        "Excel",
        "Eurostat",
        "Chromium",
        "PostgreSQL",
        "SQLite",
        "JSON-stat",
        "PxWeb",
        "PC-Axis",
    }
)
"""Names that are the same in a Russian text (the program, products, formats)."""
ALLOWED = re.compile(
    r"https?://\S+"  # a URL
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|\b[\w.-]+(?:/[\w.-]+)+"  # a path of the source or the portal
    r"|\b[\w-]+\.(?:csv|xlsx|xls|json|xml|pdf|px|png|svg|zip|db|yaml|parquet|md)\b"  # a file
    r"|/[\w/{}.?=&%-]*"  # a path of the portal
    r"|\b\w+(?:,\w+)+\b"  # a CSV file's header, as it must be typed
    r"|\b\w+=[\w.-]+"  # an option as typed (birthplace_totals=rescale)
    r"|\b\w*_\w*\b"  # an identifier (as_of, national_code)
    r"|\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"  # a hash
    r"|«[^»]*»"  # a file's own words, quoted
    r"|(?:\w+ )?\w+!\$?[A-Z]+\$?\d+"  # a cell of a workbook, by its sheet's name
    r"|строка \d+, \w+"  # a line of a CSV file and its column's name
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = (values.get("lang") or "").lower()
        skip = (
            self._skipping()
            or tag in SKIPPED
            or (lang != "" and not lang.startswith("ru"))
            or values.get("translate") == "no"
        )
        if not skip and tag != "html":
            self.parts.extend(values[a] or "" for a in SPOKEN if values.get(a))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping():
            values = dict(attrs)
            self.parts.extend(values[a] or "" for a in SPOKEN if values.get(a))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(data)


def english_left(html: str) -> list[str]:
    """The texts of ``html`` a Russian reader would read as English (each with its words)."""
    parser = _Text()
    parser.feed(html)
    out = []
    for part in parser.parts:
        text = ALLOWED.sub(" ", part)
        words = [w for w in WORD.findall(text) if w not in PROPER_NAMES and not w.isupper()]
        # A word with a lower-case letter is English; a code (S01, KGZ, UN, DESA) is not.
        if words:
            out.append(" ".join(part.split())[:160])
    return out
