"""What the bot sends, as Telegram HTML and keyboards: pure functions from results to messages.

Every string that came from a user or a bulletin goes through html.escape. Messages are split
between blocks (never inside a tag) and measured as Telegram measures them, in UTF-16 code
units, to stay under 4,096.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from retrieval import (
    BuildReport,
    Hit,
    LastRun,
    Problem,
    Result,
    SavedFile,
    StoredArticle,
    SyncReport,
    UploadRefused,
    context_line,
    date_label,
    dispute_line,
    format_date,
    scan_label,
)

from . import messages as msg
from .buttons import article_data, page_data, vote_data

__all__ = [
    "MAX_MESSAGE",
    "answer_keyboard",
    "answer_messages",
    "article_messages",
    "format_date",
    "hit_block",
    "inline_snippet",
    "latest_message",
    "not_found_message",
    "quote_html",
    "reload_busy_message",
    "reload_failed_message",
    "reload_message",
    "split_blocks",
    "stats_message",
    "tg_len",
    "vn_number",
]

MAX_MESSAGE = 4096
EXPANDABLE_OVER = 350  # characters of quote after which Telegram shows it folded


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def quote_html(hit: Hit) -> str:
    """The passage, escaped: the sentence that answers in bold, the typed answer in it underlined too."""
    text = hit.text
    marks: list[tuple[int, str]] = []  # (offset, tag), opened and closed in nesting order
    sentence = hit.sentence if hit.sentence is not None and hit.sentence.start < hit.sentence.end else None
    answer = hit.answer if hit.answer is not None and hit.answer.start < hit.answer.end else None
    if sentence is not None:
        marks += [(sentence.start, "<b>"), (sentence.end, "</b>")]
    if answer is not None:
        inside = sentence is not None and sentence.start <= answer.start and answer.end <= sentence.end
        overlaps = sentence is not None and not inside and answer.start < sentence.end and sentence.start < answer.end
        if not overlaps:  # tags that cross would not nest: a crossing answer keeps only the sentence's bold
            tag = "u" if inside else "b"
            marks += [(answer.start, f"<{tag}>"), (answer.end, f"</{tag}>")]
    # at one offset, closing tags go before opening ones, and an inner tag closes before its outer one
    marks.sort(key=lambda m: (m[0], not m[1].startswith("</"), m[1] != "</u>"))
    out, pos = [], 0
    for offset, tag in marks:
        out.append(_esc(text[pos:offset]))
        out.append(tag)
        pos = offset
    out.append(_esc(text[pos:]))
    return "".join(out)


def _title_html(title: str, url: str | None) -> str:
    """The title, linked to the original article when its address is known (http/https only)."""
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{_esc(title)}</a>'
    return _esc(title)


def hit_block(number: int, hit: Hit) -> str:
    # Telegram folds a long quote to its first lines: fold it only when the bold sentence is among them.
    marked_end = max((m.end for m in (hit.sentence, hit.answer) if m is not None), default=0)
    expandable = " expandable" if len(hit.text) > EXPANDABLE_OVER and marked_end <= EXPANDABLE_OVER else ""
    return (
        f"<b>{number}. {_title_html(hit.title or hit.doc_id, hit.url)}</b>\n"
        f"<i>Bản tin ngày {date_label(hit.date, hit.published)}</i>\n"
        + (f"<i>({_esc(scan_label(hit.ocr))})</i>\n" if hit.ocr is not None else "")
        + f"<blockquote{expandable}>{quote_html(hit)}</blockquote>"
    )


def split_blocks(blocks: list[str], limit: int = MAX_MESSAGE, sep: str = "\n\n") -> list[str]:
    """Pack whole blocks into as few messages as fit; a block is never cut (callers keep them short)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if tg_len(block) > limit:
            raise ValueError("a single block is longer than a message")
        candidate = f"{current}{sep}{block}" if current else block
        if tg_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def answer_messages(result: Result, page: int = 0, per_page: int = 3) -> list[str]:
    """One (rarely more) message holding the quotes of ``page``, with a page footer."""
    followed = context_line(result)
    heading = [f"<i>{_esc(msg.CONTEXT_LINE.format(line=followed))}</i>"] if followed else []
    if result.not_found:
        return ["\n\n".join([*heading, not_found_message(result.accented)])]
    first = page * per_page + 1
    blocks = [hit_block(first + i, hit) for i, hit in enumerate(result.hits)]
    disputed = dispute_line(result)
    if disputed:
        blocks.insert(0, f"<i>{_esc(disputed)}</i>")
    if result.period is not None:
        blocks.insert(0, f"<i>{_esc(result.period.heading(result.in_period))}</i>")
    blocks[:0] = heading
    pages = max(1, -(-result.total // per_page))
    if pages > 1:
        blocks.append(f"<i>Trang {page + 1}/{pages} · {result.total} đoạn trích liên quan</i>")
    return split_blocks(blocks)


def not_found_message(accented: bool = True) -> str:
    """The polite "not found", with hints that fit how the question was typed."""
    tips = msg.not_found_tips(accented)
    return f"{_esc(msg.NOT_FOUND)}\n{_esc(msg.TRY)}\n" + "\n".join(f"• {_esc(t)}" for t in tips)


def answer_keyboard(qid: int, page: int, result: Result, per_page: int) -> InlineKeyboardMarkup:
    """👍/👎, one "Toàn văn" per article on the page, and paging. The data is tiny: state is in SQLite."""
    rows: list[list[InlineKeyboardButton]] = [
        [
            InlineKeyboardButton(msg.BUTTON_UP, callback_data=vote_data(qid, page, True)),
            InlineKeyboardButton(msg.BUTTON_DOWN, callback_data=vote_data(qid, page, False)),
        ]
    ]
    firsts: list[int] = []  # the first quote of each article on the page
    seen: set[str] = set()
    for i, hit in enumerate(result.hits):
        if hit.doc_id not in seen:
            seen.add(hit.doc_id)
            firsts.append(i)
    if len(firsts) == 1:
        rows.append([InlineKeyboardButton(msg.BUTTON_ARTICLE, callback_data=article_data(qid, page, firsts[0]))])
    else:
        first = page * per_page + 1
        rows.append(
            [InlineKeyboardButton(msg.BUTTON_ARTICLE_N.format(n=first + i), callback_data=article_data(qid, page, i)) for i in firsts]
        )
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(msg.BUTTON_PREVIOUS, callback_data=page_data(qid, page - 1)))
    if (page + 1) * per_page < result.total:
        nav.append(InlineKeyboardButton(msg.BUTTON_MORE, callback_data=page_data(qid, page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


_CUTS = (r"\n\n", r"(?<=[.!?…])\s+", r"\s+")


def _pieces(text: str, limit: int) -> list[str]:
    """Cut plain text so that each piece, once escaped, fits ``limit``: at paragraphs, then sentences, then words."""
    if tg_len(_esc(text)) <= limit:
        return [text]
    for pattern in _CUTS:
        parts = [p for p in re.split(pattern, text) if p.strip()]
        if len(parts) < 2:
            continue
        out: list[str] = []
        cur = ""
        for part in parts:
            candidate = f"{cur} {part}" if cur else part
            if tg_len(_esc(candidate)) <= limit:
                cur = candidate
            else:
                if cur:
                    out.append(cur)
                cur = part
        if cur:
            out.append(cur)
        if all(tg_len(_esc(p)) <= limit for p in out):
            return out
        return [q for p in out for q in _pieces(p, limit)]
    # one unbroken run of characters longer than a message: cut it by measured length
    out, cur = [], ""
    for ch in text:
        if tg_len(_esc(cur + ch)) > limit:
            out.append(cur)
            cur = ""
        cur += ch
    return [*out, cur] if cur else out


def article_messages(article: StoredArticle, limit: int = MAX_MESSAGE) -> list[str]:
    """The whole article: title and source first, then paragraphs, split over several messages if long."""
    header = f"<b>{_esc(article.title or article.doc_id)}</b>\n<i>Bản tin ngày {date_label(article.date, article.published)}"
    if article.author:
        header += f" · {_esc(article.author)}"
    header += "</i>"
    blocks = [header] + [_esc(p) for para in article.text.split("\n\n") for p in _pieces(para, limit)]
    if article.url:
        blocks.append(f'<a href="{html.escape(article.url, quote=True)}">{msg.SOURCE_LINK}</a>')
    return split_blocks(blocks, limit)


def latest_message(articles: Sequence[StoredArticle]) -> str:
    if not articles:
        return _esc(msg.NO_BULLETINS)
    lines = [f"<b>{_esc(msg.LATEST_TITLE)}</b>"]
    for art in articles:
        lines.append(f"• {_esc(art.title or art.doc_id)} <i>({format_date(art.date)})</i>")
    return "\n".join(lines)


def inline_snippet(hit: Hit, width: int = 120) -> str:
    text = hit.text
    if hit.answer:
        start = max(0, hit.answer.start - width // 3)
        text = ("…" if start else "") + text[start:]
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def vn_number(value: float) -> str:
    """One decimal, with the comma Vietnamese writes: 2.5 → '2,5'."""
    return f"{value:.1f}".replace(".", ",")


def refusal_message(refused: UploadRefused) -> str:
    """Why a file was refused before it was read (plain text: the name is shown as sent)."""
    if refused.reason == "too_big":
        return msg.UPLOAD_TOO_BIG.format(name=refused.name, size=vn_number(refused.size / 1024 / 1024), limit=refused.limit >> 20)
    return msg.UPLOAD_UNSUPPORTED.format(name=refused.name)


def stats_message(stats: dict[str, Any], n_articles: int, n_passages: int, sync_line: str = "") -> str:
    """/thongke: questions per day over the last week, the not-found rate, feedback, the archive's size."""
    lines = [f"<b>{_esc(msg.STATS_TITLE)}</b>"]
    for day, count, nf in stats["per_day"]:
        lines.append("• " + msg.STATS_DAY.format(day=format_date(day)[:5], count=count, not_found=nf or 0))
    if not stats["per_day"]:
        lines.append("• " + msg.STATS_NONE)
    rate = (stats["not_found"] / stats["total"] * 100) if stats["total"] else 0.0
    lines += [
        "",
        msg.STATS_TOTAL.format(total=stats["total"], rate=vn_number(rate)),
        msg.STATS_FEEDBACK.format(up=stats["up"], down=stats["down"]),
        msg.STATS_ARCHIVE.format(articles=n_articles, passages=n_passages),
    ]
    if sync_line:
        lines.append(sync_line)
    return "\n".join(lines)


def reload_message(report: BuildReport | None, before: dict[str, str], after: dict[str, str], n_articles: int) -> str:
    """What /reload did: articles added, changed and removed (by content fingerprint), and what it skipped."""
    if report is None:
        return _esc(msg.RELOAD_NOTHING.format(articles=n_articles))
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
    lines = [
        msg.RELOAD_DONE.format(added=added, changed=changed, removed=removed),
        _esc(msg.RELOAD_SIZE.format(articles=report.n_articles, passages=report.n_passages)),
    ]
    if report.problems:
        lines.append(_esc(msg.RELOAD_SKIPPED.format(n=len(report.problems))))
        lines += [f"• {_esc(str(p))}" for p in report.problems[:10]]
    return "\n".join(lines)


def reload_busy_message() -> str:
    return _esc(msg.RELOAD_BUSY)


def reload_failed_message(reason: str) -> str:
    return _esc(msg.RELOAD_FAILED.format(reason=reason))


def _in_vietnamese(reason: str, table: Sequence[tuple[str, str]], other: str) -> str:
    """A library reason (English, for maintainers) in the words of ``table``: the first matching prefix wins."""
    return next((vi for prefix, vi in table if reason.startswith(prefix)), other)


def upload_reason(problem: Problem) -> str:
    """A reader's reason in a cadre's words (a budget exceeded names the budget and its limit)."""
    if problem.over in msg.UPLOAD_OVER_BUDGET and problem.limit is not None:
        limit = f"{problem.limit:,.0f}".replace(",", ".") if problem.limit >= 1 else f"{problem.limit:g}".replace(".", ",")
        return msg.UPLOAD_OVER_BUDGET[problem.over].format(limit=limit)
    return _in_vietnamese(problem.reason, msg.UPLOAD_REASONS, msg.UPLOAD_REASON_OTHER)


def upload_message(name: str, saved: SavedFile) -> str:
    """What a file sent to the bot gave: the articles added (titles), or why it could not be read."""
    if not saved.articles:
        reason = upload_reason(saved.problems[0]) if saved.problems else msg.UPLOAD_REASON_OTHER
        return _esc(msg.UPLOAD_FAILED.format(name=name, reason=reason))
    if saved.duplicate:
        return _esc(msg.UPLOAD_DUPLICATE.format(name=name, n=len(saved.articles)))
    lines = [msg.UPLOAD_ADDED.format(n=len(saved.articles), name=_esc(name))]
    lines += [f"• {_esc(a.title or a.doc_id)} <i>({date_label(a.date, a.published)})</i>" for a in saved.articles[:10]]
    for a in saved.articles[:10]:
        if a.ocr is not None:  # what OCR read, so an admin can judge the scan
            pages, chars, confidence = a.scanned_pages, f"{len(a.text):,}".replace(",", "."), round(a.ocr)
            lines.append(_esc(msg.UPLOAD_SCANNED.format(pages=pages, chars=chars, confidence=confidence, title=a.title or a.doc_id)))
    if len(saved.articles) > 10:
        lines.append(f"• … và {len(saved.articles) - 10} bài khác")
    if saved.problems:
        lines.append(_esc(msg.UPLOAD_PARTLY))
        lines += [f"• {_esc(upload_reason(p))}" for p in saved.problems[:5]]
    return "\n".join(lines)


def _host(url: str) -> str:
    return url.split("//", 1)[-1].split("/", 1)[0] if "//" in url else url


def sync_message(report: SyncReport) -> str:
    """What a sync (/capnhat or the schedule) brought: articles added and updated, sources that failed."""
    if report.changed:
        parts = [msg.SYNC_ADDED.format(n=len(report.added))] if report.added else []
        parts += [msg.SYNC_UPDATED.format(n=len(report.updated))] if report.updated else []
        lines = [msg.SYNC_DONE.format(feeds=report.feeds, what=", ".join(parts))]
        lines += [
            f"• {_esc(a.title or a.doc_id)} <i>({date_label(a.date, a.published)})</i>" for a in [*report.added, *report.updated][:10]
        ]
    else:
        lines = [_esc(msg.SYNC_NOTHING.format(feeds=report.feeds))]
    if report.problems:
        lines.append(_esc(msg.SYNC_PROBLEMS.format(n=len(report.problems))))
        for problem in report.problems[:5]:
            reason = _in_vietnamese(problem.reason, msg.SYNC_REASONS, msg.SYNC_REASON_OTHER)
            lines.append(f"• {_esc(_host(problem.source))}: {_esc(reason)}")
    return "\n".join(lines)


def sync_stats_line(run: LastRun | None, minutes: float, has_feeds: bool) -> str:
    """/thongke's line about feeds: the last sync and the schedule."""
    if not has_feeds:
        return _esc(msg.SYNC_NO_FEEDS)
    line = msg.STATS_SYNC_NEVER
    if run is not None:
        when = datetime.fromtimestamp(run.finished_at).strftime("%H:%M %d/%m/%Y")
        line = msg.STATS_SYNC.format(when=when, feeds=run.feeds, added=run.added, updated=run.updated, problems=run.problems)
    if minutes:
        line += " " + msg.STATS_SYNC_EVERY.format(minutes=vn_number(minutes))
    return _esc(line)
