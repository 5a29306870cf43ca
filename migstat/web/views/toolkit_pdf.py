"""The printable toolkit of one audience, in English or Russian, as a PDF (ReportLab).

It holds what the audience needs from the guide and the toolkit, shortest first: the advice for
the audience, how to read migration data, the data sources and worked examples meant for it
(the examples' numbers read from the store, with their sources, as on the page), the glossary
and the references. The text is set in DejaVu Sans, embedded (subset), so that Cyrillic renders
in any reader; the font comes from Debian's ``fonts-dejavu-core`` (scripts/lib/setup.sh). The
file is bounded (:data:`MAX_BYTES`) and is kept per audience, language and data version by the
route (:func:`~migstat.web.views.data.cached_page`).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from migstat import __version__
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError, pick
from migstat.web.views import guide, practice, toolkit
from migstat.web.views.data import PortalData

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
"""Where Debian (and Fedora) put the DejaVu fonts."""

MAX_BYTES = 2_000_000
"""No printable toolkit is larger than this (one is about 100 kB): a bigger one is an error."""

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def _fonts() -> None:
    """Register DejaVu Sans and its bold with ReportLab, once."""
    for folder in FONT_DIRS:
        regular, bold = folder / f"{FONT}.ttf", folder / f"{BOLD}.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)
            return
    raise MigstatError(
        N_(
            "The printable toolkit needs the DejaVu Sans font, which is not installed: install "
            "the Debian package fonts-dejavu-core (scripts/test and scripts/demo do)."
        )
    )


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=4)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor="#555555"),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=20, leading=24),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=BOLD, fontSize=14, leading=18, spaceBefore=10
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=11, leading=14, spaceBefore=6
        ),
    }


class _Writer:
    """The story of one PDF: paragraphs, lists and tables in one set of styles."""

    def __init__(self, lang: str, base_url: str) -> None:
        self.lang = lang
        self.base_url = base_url.rstrip("/")
        self.styles = _styles()
        self.story: list[Any] = []

    def t(self, msgid: str, **params: Any) -> str:
        return gettext_(msgid, self.lang, **params)

    def para(self, text: str, style: str = "body") -> None:
        self.story.append(Paragraph(escape(text), self.styles[style]))

    def heading(self, text: str, level: int = 1) -> None:
        self.para(text, f"h{level}")

    def bullets(self, items: list[str]) -> None:
        if items:
            self.story.append(
                ListFlowable(
                    [ListItem(Paragraph(escape(i), self.styles["body"])) for i in items],
                    bulletType="bullet",
                    bulletFontName=FONT,
                    leftIndent=12,
                )
            )

    def link(self, href: str) -> str:
        return f"{self.base_url}{href}"

    def table(self, rows: list[list[str]], widths: list[float]) -> None:
        cells = [[Paragraph(escape(c), self.styles["small"]) for c in row] for row in rows]
        table = Table(cells, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story += [table, Spacer(1, 4)]


def _sources(w: _Writer, data: PortalData, audience: str) -> None:
    w.heading(w.t(N_("Data sources")))
    for s in toolkit.source_list(data, audience):
        w.heading(s["name"], 2)
        w.para(s["what"])
        w.para(w.t(N_("Measures well")) + ":", "small")
        w.bullets(s["good"])
        w.para(w.t(N_("Measures badly")) + ":", "small")
        w.bullets(s["poor"])
        w.para(f"{w.t(N_('Definition usually followed'))}: {s['rule']}. {s['definition']}")
        w.para(w.t(N_("Pitfalls")) + ":", "small")
        w.bullets(s["pitfalls"])
        tables = ", ".join(t["id"] for t in s["tables"])
        if tables:
            w.para(f"{w.t(N_('Tables of the portal'))}: {tables}", "small")


def _examples(w: _Writer, data: PortalData, audience: str) -> None:
    w.heading(w.t(N_("Good and not-so-good practice")))
    for e in practice.build(data, audience):
        kind = w.t(N_("good practice") if e["practice"] == "good" else N_("not-so-good practice"))
        w.heading(f"{e['title']} ({kind})", 2)
        if not e["found"]:
            w.para(e["missing"])
            w.para(e["why"])
            continue
        w.para(e["finding"])
        rows = [[w.t(N_("Number")), w.t(N_("Value")), w.t(N_("Source"))]]
        for f in e["figures"]:
            marks = " ".join(m["label"] for m in f["marks"])
            rows.append(
                [
                    f"{f['what']}\n{w.link(f['href'])}",
                    f"{f['value']} {marks}".strip(),
                    f"{f['source']}; {f['origin']}",
                ]
            )
        w.table(rows, [70 * mm, 30 * mm, 70 * mm])
        w.para(e["why"])
        w.para(e["advice"])
        for link in e["links"]:
            w.para(f"{link['label']}: {w.link(link['href'])}", "small")


def _glossary_and_references(w: _Writer, data: PortalData) -> None:
    w.heading(w.t(N_("Glossary")))
    for g in sorted(guide.content()["glossary"], key=lambda g: pick(g["term"], w.lang)):
        w.para(f"{pick(g['term'], w.lang)}. {pick(g['definition'], w.lang)}")
    w.heading(w.t(N_("References and links")))
    for group in toolkit.reference_groups(w.lang):
        w.heading(group["title"], 2)
        for work in group["works"]:
            year = f" ({work['year']})" if work["year"] else ""
            url = f" {work['url']}" if work["url"] else ""
            w.para(f"{work['authors']}{year}. {work['title']}. {work['publisher']}.{url}")


def build(data: PortalData, audience: str, base_url: str = "") -> bytes:
    """The printable toolkit of ``audience`` in the reader's language."""
    _fonts()
    lang = data.lang
    raw = guide.content()
    advice = next(a for a in raw["audiences"] if a["id"] == audience)
    w = _Writer(lang, base_url)
    w.para(w.t(N_("Migration statistics: a toolkit")), "title")
    w.para(pick(advice["title"], lang), "h1")
    w.para(
        w.t(
            N_(
                "From migstat {version}. The examples' numbers are read from the portal's data "
                "when this file is made; each names its source."
            ),
            version=__version__,
        ),
        "small",
    )
    w.para(pick(advice["text"], lang))
    w.heading(pick(raw["read"]["title"], lang))
    w.bullets([pick(m, lang) for m in raw["read"]["mistakes"]])
    _sources(w, data, audience)
    _examples(w, data, audience)
    _glossary_and_references(w, data)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{w.t(N_('Migration statistics: a toolkit'))} - {pick(advice['title'], lang)}",
        author="migstat",
        lang=lang,
    )
    doc.build(w.story)
    body = out.getvalue()
    if len(body) > MAX_BYTES:
        raise MigstatError(
            N_("The printable toolkit came to {size} bytes, over its bound of {limit}."),
            size=len(body),
            limit=MAX_BYTES,
        )
    return body
