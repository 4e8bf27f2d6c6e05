"""Files sent to the bot, through the fake Bot API server's getFile and file download, and every format answering in the bot."""

from __future__ import annotations

import asyncio
import shutil
import threading

import pytest

from bot import messages as msg
from bot.testing.fake_api import FakeTelegram
from bot.testing.harness import BotRunner, make_settings
from retrieval.sources.ocr import ocr_status

from .conftest import SEEDS
from .test_formats import BROKEN, FORMATS, QUESTIONS

ADMIN = 42
CADRE = 1001
UPLOADED = ("ban-tin-so-11-2024.pdf", "ban-tin-dan-van-12-2024.docx")  # not in the bulletins folder at start


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bot-files")
    sources = tmp / "bulletins"
    shutil.copytree(SEEDS, sources)
    for f in FORMATS.iterdir():
        if f.name not in UPLOADED:
            shutil.copy(f, sources / f.name)
    with FakeTelegram() as tg:
        settings = make_settings(tmp, tg, SEEDS, admin_user_ids={ADMIN}, max_upload_mb=1)
        with BotRunner(settings, tg) as runner:
            yield tg, runner, settings


def _send(tg: FakeTelegram, name: str, data: bytes, user: int = ADMIN, **kw) -> list[str]:
    message = tg.send_document(name, data, user_id=user, **kw)
    if user == ADMIN and kw.get("size") is None:
        # "reading…" first, then the outcome
        calls = tg.wait_for(lambda _: len(tg.replies_to(message)) >= 2 and tg.replies_to(message), timeout=120)
    else:
        calls = tg.replies_to(message)
    return [c.params["text"] for c in calls]


@pytest.fixture(scope="module")
def uploaded(env) -> dict[str, list[str]]:
    """The admin's uploads of the PDF and the DOCX, done once: name → the bot's replies."""
    tg = env[0]
    return {name: _send(tg, name, (FORMATS / name).read_bytes()) for name in UPLOADED}


def test_an_admin_sends_a_pdf_and_a_docx_and_they_are_answered_at_once(env, uploaded):
    tg, _, settings = env
    texts = uploaded["ban-tin-so-11-2024.pdf"]
    assert texts[0] == msg.UPLOAD_READING.format(name="ban-tin-so-11-2024.pdf")
    assert texts[1].startswith("Đã thêm <b>1</b> bài từ ban-tin-so-11-2024.pdf:")
    assert "Bản tin công tác dân vận số 11/2024" in texts[1]
    texts = uploaded["ban-tin-dan-van-12-2024.docx"]
    assert texts[1].startswith("Đã thêm <b>2</b> bài từ ban-tin-dan-van-12-2024.docx:")
    assert "Huyện Tràng Định ra quân mô hình dân vận khéo" in texts[1]
    kept = sorted(p.name for p in settings.upload_dir.iterdir())
    assert kept == ["ban-tin-dan-van-12-2024.docx", "ban-tin-so-11-2024.pdf"]  # the archive holds the files: a rebuild keeps them
    assert len(tg.calls_to("download")) == 2


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["file"] + ":" + q["question"][:30] for q in QUESTIONS])
def test_every_format_answers_its_question_in_the_bot(env, uploaded, q):
    tg, _, _ = env
    message = tg.send_text(q["question"], user_id=CADRE)
    reply = tg.replies_to(message)[0].params["text"]
    first = reply.split("\n\n")[0] if "\n\n" in reply else reply
    assert q["expect"] in reply.replace("<u>", "").replace("</u>", "").replace("<b>", "").replace("</b>", ""), reply
    assert first.startswith("<b>1. ")


def test_the_source_line_links_to_the_original_page(env):
    tg, _, _ = env
    message = tg.send_text("Đoàn viên thanh niên đã nêu bao nhiêu ý kiến tại buổi đối thoại?", user_id=CADRE)
    reply = tg.replies_to(message)[0].params["text"]
    assert '<b>1. <a href="https://baolangson.vn/chu-tich-ubnd-tinh-doi-thoai-voi-thanh-nien-5031234.html">' in reply
    assert "Bản tin ngày 15/11/2024 (đăng ngày 16/11/2024)" in reply


@pytest.mark.parametrize(
    "name,reason",
    [
        ("ban-chup.pdf", "không nhận dạng được chữ nào trong bản chụp" if ocr_status()[0] else "cần nhận dạng chữ (OCR)"),
        ("bao-mat.pdf", "có đặt mật khẩu"),
        ("ban-tin-cut-ngang.docx", "tệp Word bị hỏng"),
        ("bao-cao-tai-loi.pdf", "tên tệp và nội dung không khớp"),
    ],
)
def test_unreadable_files_get_the_reason_in_vietnamese_and_nothing_is_kept(env, name, reason):
    tg, _, settings = env
    texts = _send(tg, name, (BROKEN / name).read_bytes())
    assert texts[1] == f"Không đọc được tệp {name}: " + next(vi for _, vi in msg.UPLOAD_REASONS if reason in vi) + "."
    assert not (settings.upload_dir / name).exists()


def test_files_sent_during_an_update_wait_their_turn_and_each_is_read(env):
    """An admin selecting several files sends them at once, maybe while a sync runs: each is told it waits, then read;
    none is refused as busy (a refused file would be lost unless sent again)."""
    tg, runner, _ = env
    state = runner.app.bot_data
    release = threading.Event()

    async def update_running() -> None:  # a /capnhat or a scheduled sync holding the one index update
        async with state.reload_lock:
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 60)

    holding = asyncio.run_coroutine_threadsafe(update_running(), runner.loop)
    tg.wait_for(lambda _: state.reload_lock.locked(), timeout=10)
    names = ("bao-mat.pdf", "ban-tin-cut-ngang.docx", "bao-cao-tai-loi.pdf")
    sent = [tg.send_document(name, (BROKEN / name).read_bytes(), user_id=ADMIN) for name in names]
    for name, message in zip(names, sent, strict=True):
        assert tg.replies_to(message)[0].params["text"] == msg.UPLOAD_QUEUED.format(name=name)
    release.set()
    holding.result(timeout=10)
    for name, message in zip(names, sent, strict=True):
        calls = tg.wait_for(lambda _, m=message: len(tg.replies_to(m)) >= 2 and tg.replies_to(m), timeout=120)
        texts = [c.params["text"] for c in calls]
        assert len(texts) == 2 and texts[1].startswith(f"Không đọc được tệp {name}: "), texts


def test_the_same_file_twice_is_kept_once(env, uploaded):
    tg, _, settings = env
    data = (FORMATS / "ban-tin-so-11-2024.pdf").read_bytes()
    texts = _send(tg, "ban-tin-ban-sao.pdf", data)
    assert texts[1] == msg.UPLOAD_DUPLICATE.format(name="ban-tin-ban-sao.pdf", n=1)
    assert not (settings.upload_dir / "ban-tin-ban-sao.pdf").exists()


def test_files_from_non_admins_are_refused_without_download(env):
    tg, _, _ = env
    before = len(tg.calls_to("getFile"))
    texts = _send(tg, "ban-tin.pdf", b"%PDF-1.4 ...", user=CADRE)
    assert texts == [msg.UPLOAD_NOT_ADMIN]
    assert len(tg.calls_to("getFile")) == before


def test_a_file_over_the_limit_is_refused_before_download(env):
    tg, _, _ = env
    before = len(tg.calls_to("getFile"))
    message = tg.send_document("ca-nam-2024.pdf", b"%PDF-1.4 ...", user_id=ADMIN, size=5 * 1024 * 1024)
    texts = [c.params["text"] for c in tg.replies_to(message)]
    assert texts == [msg.UPLOAD_TOO_BIG.format(name="ca-nam-2024.pdf", size="5,0", limit=1)]
    assert len(tg.calls_to("getFile")) == before


def test_an_unsupported_kind_of_file_is_named(env):
    tg, _, _ = env
    message = tg.send_document("so-lieu.xlsx", b"PK\x03\x04", user_id=ADMIN)
    assert [c.params["text"] for c in tg.replies_to(message)] == [msg.UPLOAD_UNSUPPORTED.format(name="so-lieu.xlsx")]


def test_the_index_counts_the_uploaded_articles(env, uploaded):
    _, runner, _ = env
    n = runner.app.bot_data.engine.params["n_articles"]
    assert n == 1 + 4 + 1 + 2  # the seed, four files at start, the PDF, the DOCX's two articles
