"""A provincial paper's website on 127.0.0.1, for crawl tests and benchmarks: robots.txt, a sitemap index of
monthly sitemaps (nested, gzipped, plain text), feeds, sections with endless pagination, and the faults real
sites have: disallowed paths, traps (a calendar without end, search, tags), duplicate addresses (tracking
parameters, AMP copies, old addresses that redirect), a redirect loop, a 404, a page that is not HTML, an
oversized page, a server that asks to retry later, and a gzipped sitemap that inflates without end.

Every text here is made up for the tests (``stories``), or given by a benchmark.
"""

from __future__ import annotations

import gzip
import html
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from .feedserver import FeedServer, Route, rss_feed

__all__ = ["PaperSite", "Story", "stories"]

PLACES = [
    "Cao Lộc", "Văn Lãng", "Tràng Định", "Bình Gia", "Văn Quan", "Bắc Sơn", "Hữu Lũng", "Chi Lăng", "Lộc Bình", "Đình Lập",
    "Thành phố Lạng Sơn",
]  # fmt: skip
TOPICS = [
    ("hoàn thành {n} công trình giao thông nông thôn", "Năm nay, {p} đã hoàn thành {n} công trình giao thông nông thôn với tổng chiều dài {m} km."),
    ("hỗ trợ {n} hộ nghèo xây nhà mới", "Từ nguồn vận động, {p} đã hỗ trợ {n} hộ nghèo xây nhà mới, mỗi hộ được hỗ trợ {m} triệu đồng."),
    ("trồng mới {n} ha rừng", "Trong mùa trồng rừng, {p} trồng mới {n} ha rừng, chủ yếu là thông và keo, vượt {m}% kế hoạch."),
    ("tổ chức {n} buổi đối thoại với nhân dân", "Chủ tịch UBND {p} đã chủ trì {n} buổi đối thoại, tiếp nhận {m} ý kiến của người dân."),
    ("có {n} xã đạt chuẩn nông thôn mới", "Đến nay, {p} có {n} xã đạt chuẩn nông thôn mới và {m} thôn đạt chuẩn thôn kiểu mẫu."),
    ("tuyển sinh {n} học viên học nghề", "Trung tâm giáo dục nghề nghiệp {p} tuyển sinh {n} học viên, trong đó {m} học viên là lao động nông thôn."),
    ("tiêm chủng cho {n} trẻ em", "Ngành y tế {p} đã tiêm chủng đầy đủ cho {n} trẻ em dưới một tuổi, đạt {m}% kế hoạch năm."),
    ("thu hoạch {n} tấn hồng", "Vụ hồng năm nay, nông dân {p} thu hoạch {n} tấn hồng, giá bán bình quân {m} nghìn đồng mỗi ki-lô-gam."),
]  # fmt: skip
SLUGS = {"Thành phố Lạng Sơn": "thanh-pho-lang-son"}


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    day: str  # ISO date of publication


def _ascii_slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def stories(n: int, start: str = "2026-11-30", first_id: int = 1000) -> list[Story]:
    """``n`` made-up articles, one a day going back from ``start``, each with a title of its own and a number to ask."""
    out = []
    day = date.fromisoformat(start)
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        head, body = TOPICS[(i // len(PLACES)) % len(TOPICS)]
        number, more = 20 + (i * 37) % 900, 5 + (i * 13) % 90
        title = f"{place} {head.format(n=number)}"
        lead = f"LSO-Ngày {day.day}/{day.month}, {body.format(p=place, n=number, m=more)}"
        para = f"Kết quả này góp phần thực hiện nghị quyết của Đảng bộ {place} nhiệm kỳ 2025-2030, theo báo cáo số {first_id + i}."
        out.append(Story(f"{_ascii_slug(title)}-{first_id + i}", title, (lead, para), day.isoformat()))
        day -= timedelta(days=1)
    return out


def _page(story: Story, url: str, related: list[str]) -> bytes:
    title = html.escape(story.title)
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    nav = '<li><a href="/">Trang chủ</a></li><li><a href="/chuyen-muc/thoi-su">Thời sự</a></li><li><a href="/tim-kiem?q=lang+son">Tìm kiếm</a></li>'
    box = "".join(f'<li><a href="{u}?utm_source=lienquan">Bài liên quan</a></li>' for u in related)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Báo Lạng Sơn</title>'
        f'<meta property="og:title" content="{title}"><meta property="article:published_time" content="{story.day}T07:00:00+07:00">'
        f'<meta name="author" content="Phóng viên"><link rel="canonical" href="{url}"></head><body><header><nav><ul>{nav}</ul></nav></header>'
        f"<main><article><h1>{title}</h1>{paras}</article><aside><h3>Tin liên quan</h3><ul>{box}</ul></aside>"
        f'<section class="comments"><h3>Bình luận</h3><p>Cảm ơn báo đã đưa tin.</p></section></main>'
        f"<footer>Báo Lạng Sơn điện tử</footer></body></html>"
    ).encode()


def _urlset(entries: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<url><loc>{html.escape(u)}</loc><lastmod>{d}T08:00:00+07:00</lastmod></url>" for u, d in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'.encode()


def _index(entries: list[tuple[str, str | None]]) -> bytes:
    body = "".join(f"<sitemap><loc>{html.escape(u)}</loc>{f'<lastmod>{d}</lastmod>' if d else ''}</sitemap>" for u, d in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


def gzip_bomb(inflated_mb: int) -> bytes:
    """A gzipped sitemap of ``inflated_mb`` MB (an XML head, then spaces), about a thousandth of that on the wire."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [deflate.compress(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')]
    chunk = b" " * (1 << 20)
    out += [deflate.compress(chunk) for _ in range(inflated_mb)]
    out.append(deflate.flush())
    return b"".join(out)


class PaperSite:
    """``PaperSite(web, stories(60))``: the site served by ``web``; ``publish`` adds articles as a paper does."""

    SECTION = "/chuyen-muc/thoi-su"
    PER_PAGE = 20

    def __init__(
        self,
        web: FeedServer,
        items: list[Story],
        *,
        sitemap: bool = True,
        crawl_delay: float | None = None,
        faults: bool = True,
        bomb_mb: int = 0,
        big_page_mb: float = 0,
    ) -> None:
        self.web = web
        self.items: list[Story] = []
        self.sitemap = sitemap
        self.faults = faults
        self.disallowed: list[Story] = []
        self.broken: dict[str, str] = {}  # path → the fault it has (each must be named by the crawl)
        delay = f"Crawl-delay: {crawl_delay:g}\n" if crawl_delay else ""
        robots = f"User-agent: *\nDisallow: /private/\nDisallow: /*?in=\n{delay}"
        if sitemap:
            robots += f"\nSitemap: {web.url('/sitemap_index.xml')}\n"
        web.routes["/robots.txt"] = Route(robots.encode(), content_type="text/plain")
        if faults:
            self._faults(bomb_mb, big_page_mb)
        self.publish(items)

    def url(self, story: Story) -> str:
        return self.web.url(self.path(story))

    @staticmethod
    def path(story: Story) -> str:
        return f"/bai/{story.slug}.html"

    def trap_paths(self) -> tuple[str, ...]:
        return ("/lich/", "/tim-kiem", "/tag/")

    def _faults(self, bomb_mb: int, big_page_mb: float) -> None:
        web = self.web
        self.disallowed = stories(3, start="2026-11-15", first_id=9000)
        for story in self.disallowed:
            web.routes[f"/private{self.path(story)}"] = Route(_page(story, web.url(f"/private{self.path(story)}"), []))
        web.routes["/bai/vong-lap-1.html"] = Route(status=302, location="/bai/vong-lap-2.html")
        web.routes["/bai/vong-lap-2.html"] = Route(status=302, location="/bai/vong-lap-1.html")
        web.routes["/bai/bang-gia-dat-2026.html"] = Route(b"%PDF-1.4 not a page", content_type="application/pdf")
        self.broken = {
            "/bai/vong-lap-1.html": "redirect loop",
            "/bai/bang-gia-dat-2026.html": "not a web page",
            "/bai/da-go-bo-8888.html": "HTTP 404",
        }
        if big_page_mb:
            web.routes["/bai/trang-rat-lon-7777.html"] = Route(
                b"<html><body>" + b"<p>a</p>" * int(big_page_mb * 1e6 / 8) + b"</body></html>"
            )
            self.broken["/bai/trang-rat-lon-7777.html"] = "larger than the limit"
        if bomb_mb:
            web.routes["/sitemaps/bom.xml.gz"] = Route(gzip_bomb(bomb_mb), content_type="application/x-gzip")
            self.broken["/sitemaps/bom.xml.gz"] = "inflates to more than"

    def publish(self, new: list[Story]) -> None:
        """Add articles: their pages, and the sitemaps, feed, sections and homepage that list them."""
        web = self.web
        self.items = sorted([*self.items, *new], key=lambda s: s.day, reverse=True)
        for i, story in enumerate(self.items):
            related = [self.path(s) for s in self.items[i + 1 : i + 4]]
            web.routes[self.path(story)] = Route(_page(story, self.url(story), related))
        if self.faults and len(self.items) > 8:
            retry = self.items[5]
            if self.path(retry) not in self.broken:
                web.routes[self.path(retry)].fail_first = 1  # busy once: 503 with Retry-After
                self.broken[self.path(retry)] = "retried"
        self._sitemaps()
        self._listings()

    def _sitemaps(self) -> None:
        web = self.web
        months: dict[str, list[Story]] = defaultdict(list)
        for story in self.items:
            months[story.day[:7]].append(story)
        index: list[tuple[str, str | None]] = []
        for n, (month, group) in enumerate(sorted(months.items())):
            entries = [(self.url(s), s.day) for s in group]
            if self.faults and n == 0:
                entries += [(web.url(p), group[0].day) for p in self.broken if p.startswith("/bai/")]
                entries += [(web.url(f"/private{self.path(s)}"), s.day) for s in self.disallowed]
                entries += [(self.url(s) + "?utm_source=sitemap", s.day) for s in group[:2]]  # the same article, tracked
            body = _urlset(entries)
            lastmod = max(s.day for s in group)
            if n % 2:  # every other month gzipped, as large papers do
                path = f"/sitemaps/{month}.xml.gz"
                web.routes[path] = Route(gzip.compress(body), content_type="application/x-gzip")
            else:
                path = f"/sitemaps/{month}.xml"
                web.routes[path] = Route(body, content_type="application/xml")
            index.append((web.url(path), lastmod))
        if self.faults:
            # a nested index holding a plain text sitemap: AMP copies (rel=canonical names the article) and old
            # addresses that redirect to it
            extra = self.items[1:3]
            lines = [web.url(f"/amp/{s.slug}.html") for s in extra] + [web.url(f"/tin-cu/{s.slug[-4:]}") for s in extra]
            for s in extra:
                web.routes[f"/amp/{s.slug}.html"] = Route(_page(s, self.url(s), []))
                web.routes[f"/tin-cu/{s.slug[-4:]}"] = Route(status=301, location=self.path(s))
            web.routes["/sitemaps/chuyen-de.txt"] = Route("\n".join(lines).encode(), content_type="text/plain")
            web.routes["/sitemaps/chuyen-de.xml"] = Route(
                _index([(web.url("/sitemaps/chuyen-de.txt"), None)]), content_type="application/xml"
            )
            index.append((web.url("/sitemaps/chuyen-de.xml"), None))
            if "/sitemaps/bom.xml.gz" in web.routes:
                index.append((web.url("/sitemaps/bom.xml.gz"), None))
        if self.sitemap:
            web.routes["/sitemap_index.xml"] = Route(_index(index), content_type="application/xml")

    def _listings(self) -> None:
        web = self.web
        feed = [(html.escape(s.title), self.url(s), "Mon, 30 Nov 2026 08:00:00 +0700", self.url(s)) for s in self.items[:20]]
        web.routes["/rss/tin-moi.rss"] = Route(rss_feed("Tin mới", feed), content_type="application/rss+xml")
        traps = '<a href="/lich/2026/12">Lịch</a><a href="/tim-kiem?q=nong+thon">Tìm</a><a href="/tag/nong-thon-moi">Nông thôn mới</a>'
        pages = max(1, -(-len(self.items) // self.PER_PAGE))
        for page in range(1, pages + 1):
            chunk = self.items[(page - 1) * self.PER_PAGE : page * self.PER_PAGE]
            links = "".join(f'<li><a href="{self.path(s)}">{html.escape(s.title)}</a></li>' for s in chunk)
            body = f'<html><body><nav><a href="/">Trang chủ</a>{traps}</nav><ul>{links}</ul><a href="{self.SECTION}?page={page + 1}">Trang sau</a></body></html>'
            web.routes[f"{self.SECTION}?page={page}" if page > 1 else self.SECTION] = Route(body.encode())
        # past the last page the section goes on for ever, empty, always with a next page (an endless pagination)
        for page in range(pages + 1, pages + 200):
            body = f'<html><body><ul></ul><a href="{self.SECTION}?page={page + 1}">Trang sau</a></body></html>'
            web.routes[f"{self.SECTION}?page={page}"] = Route(body.encode())
        for year in (2025, 2026):
            for month in range(1, 13):  # a calendar: every month links to the one before
                prev = f"/lich/{year if month > 1 else year - 1}/{month - 1 or 12}"
                web.routes[f"/lich/{year}/{month}"] = Route(f'<html><body><a href="{prev}">Tháng trước</a></body></html>'.encode())
        latest = "".join(f'<li><a href="{self.path(s)}">{html.escape(s.title)}</a></li>' for s in self.items[:10])
        home = (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo Lạng Sơn điện tử</title>'
            f'<link rel="alternate" type="application/rss+xml" title="Tin mới" href="{web.url("/rss/tin-moi.rss")}"></head>'
            f'<body><nav><a href="{self.SECTION}">Thời sự</a>{traps}</nav><ul>{latest}</ul></body></html>'
        )
        web.routes["/"] = Route(home.encode())
