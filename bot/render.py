"""What the bot says, as Telegram HTML: pure functions from search results to message texts.

Every string that came from a user or a bulletin goes through html.escape; messages
are split between quotes (never inside a tag) to stay under Telegram's 4,096 characters.
"""

from __future__ import annotations

import html
import re

from retrieval.search.engine import Hit, Result
from retrieval.index.store import StoredArticle

__all__ = [
    "MAX_MESSAGE",
    "format_date",
    "quote_html",
    "hit_block",
    "answer_messages",
    "not_found_message",
    "article_messages",
    "latest_message",
    "split_blocks",
    "html_to_terminal",
    "inline_snippet",
]

MAX_MESSAGE = 4096
EXPANDABLE_OVER = 350  # characters of quote after which Telegram shows it folded


def format_date(iso: str | None) -> str:
    """'2021-03-06' → '06/03/2021', as dates are written in Vietnam."""
    if not iso:
        return "không rõ ngày"
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def quote_html(hit: Hit) -> str:
    """The passage, escaped, with its answer span in bold."""
    text = hit.text
    if hit.answer is None:
        return html.escape(text, quote=False)
    a = hit.answer
    return (html.escape(text[:a.start], quote=False) + "<b>" + html.escape(text[a.start:a.end], quote=False) + "</b>"
            + html.escape(text[a.end:], quote=False))


def hit_block(number: int, hit: Hit) -> str:
    expandable = " expandable" if len(hit.text) > EXPANDABLE_OVER else ""
    return (f"<b>{number}. {html.escape(hit.title or hit.doc_id, quote=False)}</b>\n"
            f"<i>Bản tin ngày {format_date(hit.date)}</i>\n"
            f"<blockquote{expandable}>{quote_html(hit)}</blockquote>")


def split_blocks(blocks: list[str], limit: int = MAX_MESSAGE, sep: str = "\n\n") -> list[str]:
    """Pack whole blocks into as few messages as fit; a block is never cut."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if len(block) > limit:
            raise ValueError("a single block is longer than a message")
        candidate = f"{current}{sep}{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def answer_messages(result: Result, page: int = 0, per_page: int = 3) -> list[str]:
    """One (rarely more) message holding the quotes of ``page``, with a page footer."""
    if result.not_found:
        return [not_found_message(result.question, result.accented)]
    first = page * per_page + 1
    blocks = [hit_block(first + i, hit) for i, hit in enumerate(result.hits)]
    pages = max(1, -(-result.total // per_page))
    if pages > 1:
        blocks.append(f"<i>Trang {page + 1}/{pages} · {result.total} đoạn trích liên quan</i>")
    return split_blocks(blocks)


def not_found_message(question: str, accented: bool = True) -> str:
    tips = ["dùng ít từ hơn, giữ lại từ khóa chính (tên người, địa danh, sự kiện)", "kiểm tra lại chính tả"]
    if not accented:
        tips.insert(0, "gõ có dấu, ví dụ «kỷ niệm chương» thay vì «ky niem chuong»")
    else:
        tips.append("hỏi về nội dung có trong các bản tin (gõ /moi để xem bản tin mới nhất)")
    return ("Xin lỗi, tôi chưa tìm thấy thông tin phù hợp trong các bản tin hiện có.\n"
            "Bạn có thể thử:\n" + "\n".join(f"• {html.escape(t, quote=False)}" for t in tips))


def _pieces(text: str, limit: int) -> list[str]:
    """Cut plain text under ``limit`` at paragraph, then sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    for pattern in (r"\n\n", r"(?<=[.!?…])\s+", r"\s+"):
        parts = re.split(f"({pattern})", text)
        out, cur = [], ""
        for part in parts:
            if len(cur) + len(part) <= limit:
                cur += part
            else:
                if cur.strip():
                    out.append(cur.strip())
                cur = part if not re.fullmatch(pattern, part) else ""
        if cur.strip():
            out.append(cur.strip())
        if all(len(p) <= limit for p in out):
            return out
    return [text[i:i + limit] for i in range(0, len(text), limit)]


def article_messages(article: StoredArticle) -> list[str]:
    """The whole article: title and source first, then paragraphs, split over several messages if long."""
    header = f"<b>{html.escape(article.title or article.doc_id, quote=False)}</b>\n<i>Bản tin ngày {format_date(article.date)}"
    if article.author:
        header += f" · {html.escape(article.author, quote=False)}"
    header += "</i>"
    # Escaping can lengthen text (& → &amp;): cut with room to spare.
    blocks = [header] + [html.escape(p, quote=False) for para in article.text.split("\n\n") for p in _pieces(para, 3000)]
    if article.url:
        blocks.append(f'<a href="{html.escape(article.url, quote=True)}">Nguồn</a>')
    return split_blocks(blocks)


def latest_message(articles: list[StoredArticle]) -> str:
    if not articles:
        return "Chưa có bản tin nào được nạp."
    lines = ["<b>Các bản tin mới nhất</b>"]
    for art in articles:
        lines.append(f"• {html.escape(art.title or art.doc_id, quote=False)} <i>({format_date(art.date)})</i>")
    return "\n".join(lines)


def inline_snippet(hit: Hit, width: int = 120) -> str:
    text = hit.text
    if hit.answer:
        start = max(0, hit.answer.start - width // 3)
        text = ("…" if start else "") + text[start:]
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


_TAG_RE = re.compile(r"<(/?)([a-z-]+)([^>]*)>")


def html_to_terminal(message: str, ansi: bool = True) -> str:
    """Telegram HTML → terminal text (quotes indented; bold/italic as ANSI, or bold as **…** when piped)."""
    bold_on, bold_off, it_on, it_off = ("\033[1m", "\033[22m", "\033[3m", "\033[23m") if ansi else ("**", "**", "", "")
    out = []
    pos = 0
    in_quote = False
    for m in _TAG_RE.finditer(message):
        chunk = html.unescape(message[pos:m.start()])
        out.append(chunk.replace("\n", "\n│ ") if in_quote else chunk)
        closing, tag = m.group(1), m.group(2)
        if tag == "b":
            out.append(bold_off if closing else bold_on)
        elif tag == "i":
            out.append(it_off if closing else it_on)
        elif tag == "blockquote":
            in_quote = not closing
            out.append("" if closing else "│ ")
        pos = m.end()
    out.append(html.unescape(message[pos:]))
    return "".join(out)
