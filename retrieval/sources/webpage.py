"""A saved article page (HTML): the article's text without menus, related links or comments.

trafilatura finds the main text and the metadata (title, author, canonical URL); htmldate, which it
calls, finds the publication date in the page's metadata, URL or text.
"""

from __future__ import annotations

from typing import Any

from retrieval.model import Problem
from retrieval.sources.budget import MB, Budget, OverBudget, current_budget
from retrieval.sources.draft import LEAD_TAG_RE, Draft, NotText, ReadError, fold_line
from retrieval.text.normalize import nfc

__all__ = ["fetched_page", "read_html"]


_TOO_SHORT = 40  # characters: a menu or a "loading…" shell, not an article
_SHORT = 300  # characters: less than a short news item, so the fallbacks get a look


def _extract(trafilatura: Any, data: bytes, url: str | None, fast: bool) -> Any:
    return trafilatura.bare_extraction(
        data,
        url=url,
        fast=fast,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_precision=True,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )


def read_html(data: bytes, url: str | None = None, budget: Budget | None = None) -> Draft:
    """One article from a page's bytes (trafilatura detects the page's encoding)."""
    import trafilatura  # heavy (lxml, justext, htmldate): loaded only when a page is read

    budget = budget or current_budget()
    if len(data) > budget.html_mb * MB:
        raise OverBudget(
            "html", budget.html_mb, f"a web page of {len(data) / MB:,.1f} MB, more than {budget.html_mb:g} MB (BANTIN_READ_HTML_MB)"
        )

    try:
        # The main extractor alone first; its fallbacks (readability, jusText) cost half the time again
        # and are needed only when it finds little: then the page is read again with them.
        doc = _extract(trafilatura, data, url, fast=True)
        if doc is None or isinstance(doc, dict) or len(doc.text or "") < _SHORT:
            doc = _extract(trafilatura, data, url, fast=False)
    except Exception as exc:  # trafilatura raises many kinds on broken markup; the page is reported, not fatal
        raise ReadError(f"web page could not be parsed ({type(exc).__name__})") from exc
    if doc is None or isinstance(doc, dict) or len((doc.text or "").strip()) < _TOO_SHORT:
        raise ReadError("web page without article text (a menu, a login or an error page?)")
    paragraphs: list[tuple[str, str]] = []
    dropped = 0
    for line in nfc(doc.text).split("\n"):
        para = fold_line(line)
        if para is None:
            dropped += len(line)
        if not para:
            continue
        kind = "lead" if not paragraphs and LEAD_TAG_RE.match(para) else "body"
        paragraphs.append((kind, para))
    title = nfc(" ".join((doc.title or "").split()))
    if paragraphs and paragraphs[0][1] == title:  # some pages repeat the headline as the first paragraph
        paragraphs.pop(0)
    if not paragraphs:
        raise NotText(dropped) if dropped else ReadError("web page with a title but no article text")
    return Draft(
        title=title,
        paragraphs=paragraphs,
        published=doc.date or None,
        author=nfc(doc.author) if doc.author else None,
        url=doc.url or url,
    )


def fetched_page(data: bytes, name: str, source: str, budget: Budget) -> list[Draft | Problem]:
    """A page fetched from the web, read as ``sources.guard.read_guarded`` calls a reader (in its worker, under
    the budget's memory and time caps): the article's draft, or the reason it is not one."""
    try:
        return [read_html(data, url=name, budget=budget)]
    except OverBudget as exc:
        return [exc.problem(source)]
    except ReadError as exc:
        return [Problem(source, str(exc))]
    except MemoryError:
        raise  # the guard's worker reports it as over its memory budget
    except Exception as exc:  # a library's own bug on strange markup: this page is named, the others are read
        return [Problem(source, f"could not be read ({type(exc).__name__})")]
