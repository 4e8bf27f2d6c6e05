"""Hostile files: each one costs a bounded time and memory, is refused by name, and never takes the others down.

The six crafted files are built by tests/hostile_files.py (not committed as binaries); the budgets and the
worker's caps are the real ones (sources/budget.py, sources/guard.py); the bot gets them through the fake Bot API.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot import messages as msg
from bot.testing.fake_api import FakeTelegram
from bot.testing.harness import BotRunner, make_settings
from retrieval.model import Article, Problem
from retrieval.sources.budget import Budget
from retrieval.sources.draft import NotText
from retrieval.sources.reader import parse_page, read_bytes, read_file

from .conftest import ROOT, SEEDS
from .hostile_files import HOSTILE, _docx, _repeated_deflate, write_hostile_files
from .test_formats import FORMATS

SEED_QUESTION = "Bao nhiêu đồng chí được nhận kỷ niệm chương?"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return write_hostile_files(tmp_path_factory.mktemp("hostile"))


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("BANTIN_",))} | {"PYTHONPATH": str(ROOT)} | env
    return subprocess.run([sys.executable, "-m", "retrieval", *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=base)


def test_the_six_crafted_files_indexed_beside_the_seed_are_each_refused_and_the_seed_answers(hostile, tmp_path):
    res = _cli("index", str(SEEDS), *map(str, hostile.values()), "--index", "idx", cwd=tmp_path)
    out = " ".join((res.stdout + res.stderr).split())  # the terminal wraps long lines
    assert res.returncode == 1, out  # problems named, the rest indexed
    assert "internal error" not in out and "Traceback" not in out
    assert "Indexed 1 article(s), 11 passage(s)" in out
    assert "zip-bomb.docx: inflates to more than 64 MB (word/document.xml: 1,430 MB)" in out
    assert "flate-bomb.pdf: a stream in the PDF inflates to more than 64 MB" in out
    assert "billion-laughs.docx: damaged Word document" in out
    assert "external-entity.docx: Word document with a title but no text" in out and "root:" not in out
    assert "deep-nesting.html: web page without article text" in out
    assert "ampersands.html: a web page of 23.8 MB, more than 16 MB" in out
    asked = _cli("ask", SEED_QUESTION, "--index", "idx", "--json", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["hits"][0]["answer"]["text"] == "34 đồng chí"


def test_a_page_that_is_only_entities_is_not_text(hostile):
    """Under a raised size budget the ampersands reach the reader: runs of one symbol are not passages."""
    data = hostile["ampersands.html"].read_bytes()
    items = read_bytes(data, "ampersands.html", budget=Budget(html_mb=64))
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].reason.startswith("no text, only runs of symbols or one repeated character (5,000,000 characters)")


def test_a_reader_that_needs_more_memory_than_its_budget_is_stopped_in_the_worker(hostile):
    """With the stream check lifted, PDFium meets the 1 GB page: the worker's address-space cap stops it."""
    budget = Budget(stream_mb=100_000, memory_mb=300)
    [refused] = read_file(hostile["flate-bomb.pdf"].read_bytes(), "flate-bomb.pdf", budget=budget)
    assert isinstance(refused, Problem) and refused.over == "memory" and refused.limit == 300
    assert "needs more than 300 MB of memory" in refused.reason
    [after] = read_file((FORMATS / "ban-tin-so-11-2024.pdf").read_bytes(), "ban-tin-so-11-2024.pdf", budget=budget)
    assert isinstance(after, Article)  # a new worker reads the next file


def test_a_reader_that_takes_longer_than_its_budget_is_stopped(hostile):
    budget = Budget(html_mb=64, seconds=1)
    [refused] = read_file(hostile["ampersands.html"].read_bytes(), "ampersands.html", budget=budget)
    assert isinstance(refused, Problem) and refused.over == "time" and "takes more than 1 s" in refused.reason
    [after] = read_file((FORMATS / "doi-thoai-thanh-nien.html").read_bytes(), "doi-thoai-thanh-nien.html")
    assert isinstance(after, Article)


def test_a_zip_directory_that_lies_about_a_size_is_caught_while_reading(tmp_path):
    """The directory says 1 KB; the part inflates to 100 MB: zipfile stops at 1 KB and the CRC fails."""
    head = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    pieces, _, crc = _repeated_deflate(head, b"<w:p><w:r><w:t>x</w:t></w:r></w:p>", 100 << 20, b"</w:body></w:document>", raw=True)
    path = tmp_path / "lies.docx"
    _docx(path, (pieces, 1024, crc))
    [refused] = read_bytes(path.read_bytes(), "lies.docx")
    assert isinstance(refused, Problem) and refused.reason.startswith("damaged Word document")


@pytest.mark.parametrize(
    "budget,name,over",
    [
        (Budget(pages=1), "ban-tin-so-11-2024.pdf", "pages"),
        (Budget(page_chars=200), "ban-tin-so-11-2024.pdf", "page_chars"),
        (Budget(unzipped_mb=0.01), "ban-tin-dan-van-12-2024.docx", "unzipped"),
        (Budget(html_mb=0.001), "doi-thoai-thanh-nien.html", "html"),
        (Budget(article_chars=300), "tong-ket-thi-dua-tcvn3.txt", "article"),
    ],
)
def test_every_budget_refuses_by_name(budget: Budget, name: str, over: str):
    [refused] = read_bytes((FORMATS / name).read_bytes(), name, budget=budget)
    assert isinstance(refused, Problem) and refused.over == over, refused


def test_an_archive_record_over_the_article_budget_is_refused_by_line_and_the_rest_are_read():
    lines = [json.dumps({"id": f"a{i}", "title": "Tin", "text": "Bản tin Lạng Sơn. " * (10 if i != 2 else 500)}) for i in range(4)]
    items = read_bytes("\n".join(lines).encode(), "kho.jsonl", budget=Budget(article_chars=2000))
    assert [type(i).__name__ for i in items] == ["Article", "Article", "Problem", "Article"]
    assert items[2].source == "kho.jsonl:3" and items[2].over == "article"  # type: ignore[union-attr]


def test_runs_of_symbols_are_dropped_from_a_page_and_a_page_of_them_is_refused():
    junk = "=" * 400
    draft = parse_page(f"Tin Lạng Sơn\n\n{junk}\n\nChiều nay, tỉnh tổ chức hội nghị tổng kết công tác dân vận.\n\n" + "& " * 300)
    assert [text for _, text in draft.paragraphs] == ["Chiều nay, tỉnh tổ chức hội nghị tổng kết công tác dân vận."]
    with pytest.raises(NotText):
        parse_page("Tin\n\n" + "&amp;" * 1000)


def test_the_bot_refuses_each_crafted_file_in_vietnamese_and_keeps_answering(hostile, tmp_path):
    """Each file sent by an admin; another cadre asks while it is read, and is answered."""
    admin, cadre = 42, 1001
    expected = {
        "zip-bomb.docx": msg.UPLOAD_OVER_BUDGET["unzipped"].format(limit="64"),
        "flate-bomb.pdf": msg.UPLOAD_OVER_BUDGET["stream"].format(limit="64"),
        "billion-laughs.docx": "tệp Word bị hỏng",
        "external-entity.docx": "tệp Word chỉ có tiêu đề",
        "deep-nesting.html": "trang web không có nội dung bài viết",
    }
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, admin_user_ids={admin})
        with BotRunner(settings, tg):
            for name in HOSTILE:
                sent = tg.send_document(name, hostile[name].read_bytes(), user_id=admin)
                asked = tg.send_text(SEED_QUESTION, user_id=cadre)  # another cadre, while the file is read
                assert "<u>34 đồng chí</u>" in tg.replies_to(asked)[0].params["text"]
                if name == "ampersands.html":  # 25 MB: over Telegram's 20 MB for bots, refused before download
                    told = tg.replies_to(sent)[0].params["text"]
                    assert told.startswith(f"Tệp {name} nặng 23,8 MB, vượt giới hạn 20 MB"), told
                    continue
                replies = tg.wait_for(lambda _, sent=sent: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=120)
                told = replies[1].params["text"]
                assert told.startswith(f"Không đọc được tệp {name}: ") and expected[name] in told, told
                assert "root:" not in told
            uploads = settings.upload_dir
            assert not uploads.exists() or not any(uploads.iterdir())  # nothing refused was kept


def test_word_part_sizes_in_the_directory_are_checked_before_python_docx_reads():
    """A real fixture's directory, budget just under its largest part: refused before any parsing."""
    data = (FORMATS / "ban-tin-dan-van-12-2024.docx").read_bytes()
    largest = max(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    [refused] = read_bytes(data, "x.docx", budget=Budget(unzipped_mb=(largest - 1) / (1 << 20)))
    assert isinstance(refused, Problem) and refused.over == "unzipped"
