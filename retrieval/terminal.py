"""Answers drawn for a terminal: the one renderer that `ask` and `bot --console` share.

Rich styles the marked answer (bold on yellow) and drops the styling when output is piped.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, Group
from rich.text import Text

from retrieval.index.store import StoredArticle
from retrieval.model import date_label, format_date
from retrieval.search.engine import Hit, Result

__all__ = ["console", "context_line", "hit_text", "latest_text", "result_text"]


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def hit_text(number: int, hit: Hit, details: bool = True) -> Text:
    """A numbered quote: title, date, (ids and score), the passage with its answer sentence in bold, the answer highlighted."""
    out = Text(f"{number}. {hit.title or hit.doc_id}", style="bold")
    out.append(f"  {date_label(hit.date, hit.published)}", style="cyan")
    if hit.url:
        out.append(f"  {hit.url}", style="blue underline")
    if details:
        out.append(f"  [{hit.doc_id} #{hit.passage_id}, score {hit.score:.2f}]", style="dim")
    out.append("\n")
    body = Text(hit.text)
    if hit.sentence:
        body.stylize("bold", hit.sentence.start, hit.sentence.end)
    if hit.answer:
        body.stylize("bold black on yellow", hit.answer.start, hit.answer.end)
    out.append_text(body)
    if hit.answer:
        out.append(f"\n→ {hit.answer.text}", style="bold green")
    return out


def context_line(result: Result) -> str | None:
    """The one line above the quotes when the conversation changed the answer, so the reader sees what was
    understood: "Tiếp theo câu hỏi: «…» (hiểu thêm: …)"; None when it did not."""
    use = result.context
    if use is None or not use.used:
        return None
    line = f"Tiếp theo câu hỏi: «{use.after}»"
    if use.carried:
        line += f" (hiểu thêm: {' '.join(use.carried)})"
    return line


def result_text(result: Result, not_found: str, first: int = 1, details: bool = True) -> Group:
    """Every quote of ``result`` separated by blank lines, or ``not_found`` (said in the caller's words)."""
    followed = context_line(result)
    if result.not_found:
        return Group(*([Text(followed, style="magenta italic")] if followed else []), Text(not_found, style="yellow"))
    parts: list[Text] = [Text(followed, style="magenta italic")] if followed else []
    if result.period:
        parts.append(Text(result.period.heading(), style="cyan italic"))
    for i, hit in enumerate(result.hits, start=first):
        if parts:
            parts.append(Text(""))
        parts.append(hit_text(i, hit, details))
    return Group(*parts)


def latest_text(articles: Iterable[StoredArticle]) -> Text:
    """One line per article: date, title."""
    out = Text()
    for art in articles:
        out.append(f"{format_date(art.date)}  ", style="cyan")
        out.append(f"{art.title or art.doc_id}\n")
    return out
