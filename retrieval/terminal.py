"""Answers drawn for a terminal: the one renderer that `ask` and `bot --console` share.

Rich styles the marked answer (bold on yellow) and drops the styling when output is piped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from retrieval.index.store import StoredArticle
from retrieval.model import date_label, format_date, scan_label
from retrieval.search.result import Hit, Result
from retrieval.sync.crawl import CrawlCounts, CrawlReport

__all__ = [
    "console",
    "context_line",
    "conversation_table",
    "crawl_progress",
    "crawl_summary",
    "eval_tables",
    "hit_text",
    "latest_text",
    "result_text",
]


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
    if hit.ocr is not None:
        out.append(f"\n({scan_label(hit.ocr)})", style="yellow")
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


DISPUTED = "Lưu ý: các bản tin dưới đây nêu thông tin khác nhau về điều bạn hỏi. Bạn vui lòng đối chiếu tên và ngày của từng bản tin."
DISPUTED_YEARS = "Nếu bạn cần số liệu của một năm, hãy thêm năm vào câu hỏi, ví dụ: «{example}»"


def _year(date: str | None) -> str | None:
    return date[:4] if date and date[:4].isdigit() else None


def dispute_line(result: Result) -> str | None:
    """The line above the quotes when articles answer the question differently, so the first quote's answer is left
    unmarked (the reader should compare the bulletins' titles and dates, not trust one figure); None otherwise.
    When the quotes come from different years and the question names no period (the same yearly report, another
    year's figure), it shows how to ask for one year: the question with the first quote's year."""
    if not result.disputed:
        return None
    years = {_year(h.date) for h in result.hits} - {None}
    first = _year(result.hits[0].date)
    if result.period is not None or len(years) < 2 or first is None:
        return DISPUTED
    example = f"{result.question.rstrip(' ?.')} năm {first}?"
    return f"{DISPUTED} {DISPUTED_YEARS.format(example=example)}"


def result_text(result: Result, not_found: str, first: int = 1, details: bool = True) -> Group:
    """Every quote of ``result`` separated by blank lines, or ``not_found`` (said in the caller's words)."""
    followed = context_line(result)
    if result.not_found:
        return Group(*([Text(followed, style="magenta italic")] if followed else []), Text(not_found, style="yellow"))
    parts: list[Text] = [Text(followed, style="magenta italic")] if followed else []
    if result.period:
        parts.append(Text(result.period.heading(result.in_period), style="cyan italic"))
    disputed = dispute_line(result)
    if disputed:
        parts.append(Text(disputed, style="yellow italic"))
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


@contextmanager
def crawl_progress(enabled: bool) -> Iterator[Callable[[CrawlCounts], None] | None]:
    """A progress bar over the articles a crawl found: fetched, stored and failed, with the time left."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("articles"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"), TimeRemainingColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("crawl", total=None, counts="finding sitemaps …")

        def update(c: CrawlCounts) -> None:
            counts = f"found {c.found:,} · fetched {c.fetched:,} · stored {c.stored:,} · failed {c.failed:,}"
            bar.update(task, total=c.found or None, completed=c.done, counts=counts)

        yield update


def crawl_summary(report: CrawlReport, folder: Path) -> Table:
    """What a crawl did, one figure a row."""
    table = Table(title=f"Crawl of {report.sites} site(s) into {folder}/ ({report.took_s:.1f} s)", show_header=False, title_justify="left")
    table.add_column(justify="right", style="bold")
    table.add_column()
    rows = [
        (len(report.added), "new articles stored"),
        (len(report.updated), "articles updated (their page changed)"),
        (report.found, "article addresses to fetch (new, changed or left by an earlier crawl)"),
        (report.fetched, "pages fetched"),
        (report.unchanged, "unchanged since the last crawl"),
        (report.duplicates, "other addresses of articles already kept"),
        (report.out_of_range, "dated outside --since/--until"),
        (report.disallowed, "addresses robots.txt disallows (never requested)"),
        (report.traps, "links left alone (search, calendars, filters)"),
        (report.sitemaps, f"sitemaps read ({report.sitemaps_skipped} unchanged or older, skipped)"),
        (report.listing_pages, "section pages read (sites without a sitemap)"),
        (report.requests, f"requests ({report.retried} retried after a 429 or 5xx)"),
        (len(report.problems), "skipped (named above)"),
    ]
    for number, what in rows:
        if number or what.startswith(("new", "skipped")):
            table.add_row(f"{number:,}", what)
    if report.left:
        table.add_row(f"{report.left:,}", "more in range past --max-articles: run crawl again to take them")
    if report.feeds:
        table.add_row(str(len(report.feeds)), "feeds found, read by sync: " + ", ".join(report.feeds))
    return table


def _fmt(val: float, signed: bool = False) -> str:
    if isinstance(val, int) or (float(val).is_integer() and abs(val) > 1):
        return f"{int(val):+d}" if signed else f"{int(val)}"
    return f"{val:+.3f}" if signed else f"{val:.3f}"


def eval_tables(report: dict, title: str) -> list[Table]:
    """`eval`'s report as tables: the ranker's figures (beside the baseline's), then the not-found calibration."""
    baseline = "baseline" in report
    table = Table("metric", "ranker", *(("plain BM25Okapi", "difference") if baseline else ()), title=title)
    for key, val in report["ranker"].items():
        row = [key, _fmt(val)]
        if baseline:
            b = report["baseline"].get(key)
            row += [_fmt(b) if b is not None else "—", _fmt(report["difference"][key], signed=True) if key in report["difference"] else "—"]
        table.add_row(*row)
    tables = [table]
    if "not_found_calibration" in report:
        cal = Table("threshold", "not found, gold present (unwanted)", "not found, gold removed (wanted)", title="not-found calibration")
        for row_ in report["not_found_calibration"]:
            mark = " ←" if abs(row_["threshold"] - report["not_found_threshold"]) < 1e-9 else ""
            cal.add_row(f"{row_['threshold']:.2f}{mark}", f"{row_['not_found_when_present']:.3f}", f"{row_['not_found_when_absent']:.3f}")
        tables.append(cal)
    return tables


def conversation_table(report: dict[str, dict[str, float]], title: str) -> Table:
    """``eval --conversation``: each group's figures, asked alone and after the questions before it."""
    keys = ("P@1", "answer_in_quote@1", "answer_in_quote@3", "span_coverage", "span_precision", "sentence_holds_answer")
    heads = ("P@1", "answer in quote 1", "in quotes 1–3", "span shown", "span right", "bold holds answer")
    table = Table("", "n", *heads, "context used", title=title)
    for group, row in report.items():
        cells = [f"{row[f'{key} alone']:.3f} → {row[f'{key} with context']:.3f}" if f"{key} alone" in row else "—" for key in keys]
        table.add_row(group, str(int(row["questions"])), *cells, f"{row['context used']:.2f}")
    return table
