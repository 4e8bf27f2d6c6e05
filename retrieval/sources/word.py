"""Word documents (.docx): paragraphs in order, tables as text, one article per top-level heading.

Runs typed in legacy fonts (``.VnTime``, ``.VnTimeH``, ``VNI-Times`` ...) are converted to Unicode
by the font each run is shown in, so a 1990s document reads like a new one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from retrieval.sources.budget import Budget, OverBudget, check_zip_sizes, current_budget
from retrieval.sources.dates import parse_date, parse_written_date
from retrieval.sources.draft import LEAD_TAG_RE, Draft, ReadError, fold_line
from retrieval.sources.legacy import font_encoding, tcvn3_to_unicode, vni_to_unicode
from retrieval.text.normalize import nfc

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

__all__ = ["read_docx"]

_HEADING_RE = re.compile(r"^(Heading|Title)\s*(\d*)$", re.IGNORECASE)
_DATE_LINE_RE = re.compile(r"^[^.]{0,40}(ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\d{1,2}/\d{1,2}/\d{4})\W*$", re.IGNORECASE)


class _Styles:
    """Heading level and font of every style, read once per document: python-docx looks a style up
    by a scan of styles.xml on every access, which made the styles most of the reading time."""

    def __init__(self, doc: Document) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self._element = doc.styles.element
        default = self._element.default_for(WD_STYLE_TYPE.PARAGRAPH)
        self.default_paragraph: str | None = default.styleId if default is not None else None
        self._styles: dict[str, Any] = {}
        self._fonts: dict[str | None, str | None] = {}

    def _style(self, style_id: str | None) -> Any:
        """The style element of that id (looked up once), or None."""
        if not style_id:
            return None
        if style_id not in self._styles:
            self._styles[style_id] = self._element.get_by_id(style_id)
        return self._styles[style_id]

    def font(self, style_id: str | None) -> str | None:
        """The font a style, or the style it is based on, sets."""
        if style_id not in self._fonts:
            style, found = self._style(style_id), None
            for _ in range(20):  # based-on chains are short; a loop in a broken file must not hang us
                if style is None:
                    break
                fonts = style.rPr.rFonts if style.rPr is not None else None
                if fonts is not None and fonts.ascii:
                    found = str(fonts.ascii)
                    break
                style = self._style(style.basedOn_val)
            self._fonts[style_id] = found
        return self._fonts[style_id]

    def heading_level(self, style_id: str | None) -> int | None:
        style = self._style(style_id or self.default_paragraph)
        m = _HEADING_RE.match(style.name_val if style is not None and style.name_val else "")
        if not m:
            return None
        return 0 if m.group(1).lower() == "title" else int(m.group(2) or 1)


def _convert(text: str, font: str | None) -> str:
    """A run's text in Unicode. A legacy font name over text that is already Unicode Vietnamese (a style
    kept from an old template, text typed later with Unikey) is left alone: only 8-bit codes convert."""
    encoding = font_encoding(font)
    if encoding and not _eight_bit(text):
        return text
    if encoding == "tcvn3":
        return tcvn3_to_unicode(text)
    if encoding == "tcvn3-capitals":
        return tcvn3_to_unicode(text, capitals=True)
    if encoding == "vni":
        return vni_to_unicode(text)
    return text


def _eight_bit(text: str) -> bool:
    """True when every character is one a legacy 8-bit font could have stored (Windows-1252 or Latin-1)."""
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return all(ord(ch) < 0x100 or 0xF000 <= ord(ch) <= 0xF0FF for ch in text)


def _paragraph_text(para: Paragraph, styles: _Styles) -> str:
    """The paragraph's text, each run converted by the font it is shown in."""
    base = styles.font(para._p.style or styles.default_paragraph)
    parts: list[str] = []
    for item in para.iter_inner_content():
        runs = item.runs if hasattr(item, "runs") else [item]  # a hyperlink holds runs
        for run in runs:
            font = run.font.name or (styles.font(run._r.style) if run._r.style else None) or base
            parts.append(_convert(run.text, font) if font else run.text)
    return nfc(fold_line("".join(parts)) or "")  # runs of symbols or one repeated character are not text


def _blocks(doc: Document, styles: _Styles) -> Iterator[tuple[int | None, str]]:
    """(heading level or None, text) for every paragraph and table row, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, doc)
            text = _paragraph_text(para, styles)
            if text:
                yield styles.heading_level(child.style), text
        elif tag == "tbl":
            table = Table(child, doc)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(t for t in (_paragraph_text(p, styles) for p in cell.paragraphs) if t)
                    if text and (not cells or cells[-1] != text):  # a merged cell repeats in every column it spans
                        cells.append(text)
                if cells:
                    yield None, " | ".join(cells)


def _draft(title: str, texts: list[str], published: str | None) -> Draft:
    own_date = None
    body: list[str] = []
    for text in texts:
        if own_date is None and len(body) < 3 and _DATE_LINE_RE.match(text):
            own_date = parse_written_date(text) or parse_date(text)
            continue
        body.append(text)
    paragraphs = [("lead" if i == 0 and LEAD_TAG_RE.match(t) else "body", t) for i, t in enumerate(body)]
    return Draft(title=title, paragraphs=paragraphs, published=own_date or published)


def read_docx(data: bytes, fallback_title: str, budget: Budget | None = None) -> list[Draft]:
    """Articles of a Word document: one per top-level heading when it has several, else one.

    The ZIP directory is checked against the budget first; while python-docx reads a part, ``zipfile``
    stops at the size the directory gave (a lying directory then fails its CRC check: "damaged").
    """
    import docx  # python-docx pulls in lxml: loaded only when a document is read

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            check_zip_sizes(package.infolist(), budget or current_budget())
        doc = docx.Document(io.BytesIO(data))
    except OverBudget:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(f"damaged Word document ({exc}); open it in Word and save it again") from exc
    except Exception as exc:  # python-docx raises its own kinds on a package it cannot follow
        raise ReadError(f"damaged Word document ({type(exc).__name__}); open it in Word and save it again") from exc
    try:
        blocks = list(_blocks(doc, _Styles(doc)))
    except (AttributeError, KeyError, ValueError, TypeError) as exc:  # a part that is not what its name says
        raise ReadError(f"damaged Word document ({type(exc).__name__}); open it in Word and save it again") from exc
    if not blocks:
        raise ReadError("Word document without text (only pictures? a scan needs OCR)")
    levels = [level for level, _ in blocks if level is not None]
    top = min(levels) if levels else None
    core_title = nfc((doc.core_properties.title or "").strip())
    preface: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for level, text in blocks:
        if level is not None and level == top and levels.count(top) >= 2:
            sections.append((text, []))
        elif sections:
            sections[-1][1].append(text)
        else:
            preface.append(text)
    published = next((d for d in (parse_written_date(t) for t in preface[:6]) if d), None)
    if not sections:
        # one article: its title is the heading, the document's title, or the first short line
        texts = preface
        if top is not None:
            title = next(t for lvl, t in blocks if lvl == top)
            texts = [t for t in texts if t != title]
        elif core_title:
            title = core_title
        elif texts and len(texts[0]) <= 200 and not texts[0].endswith("."):
            title = texts.pop(0)
        else:
            title = fallback_title
        draft = _draft(title, texts, published)
        if not draft.paragraphs:
            raise ReadError("Word document with a title but no text")
        return [draft]
    drafts: list[Draft] = []
    if any(len(t) >= 80 for t in preface):  # text before the first heading is an article of its own
        drafts.append(_draft(core_title or fallback_title, preface, published))
    for title, texts in sections:
        if texts:
            drafts.append(_draft(title, texts, published))
    return drafts
