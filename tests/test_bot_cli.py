"""The bot's command line, configuration and logging, without Telegram."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import pytest

from bot.app import LOG_FORMAT, RedactingFormatter
from bot.config import ConfigError, Settings, load_settings
from bot.storage import BotStore
from bot.testing import FakeTelegram
from bot.testing.fake_api import TOKEN

from .conftest import ROOT, SEEDS


def _run_bot(args: list[str], tmp_path, stdin: str | None = None, **env: str):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BANTIN_", "WEBHOOK_"))}
    base.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=300, env=base
    )


def test_console_prints_what_the_bot_would_send(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    res = _run_bot(["--console"], tmp_path, stdin="Bao nhiêu đồng chí được nhận kỷ niệm chương?\nGiá vàng hôm nay bao nhiêu?\n")
    assert res.returncode == 0, res.stderr
    assert "1. Tổng kết công tác dân vận năm 2018  25/12/2018 (đăng ngày 06/03/2021)" in res.stdout
    assert "Nhân dịp này, 34 đồng chí đã được nhận kỷ niệm chương" in res.stdout and "→ 34 đồng chí" in res.stdout
    assert "Xin lỗi, tôi chưa tìm thấy thông tin phù hợp" in res.stdout


def test_console_reads_follow_ups_like_a_private_chat(tmp_path):
    from .test_conversation import ARTICLES

    (tmp_path / "seeds").mkdir()
    shutil.copy(ARTICLES, tmp_path / "seeds" / "articles.jsonl")
    lines = "Bao nhiêu người tử vong vì sốt xuất huyết ở TP HCM?\nCác bác sĩ khuyến cáo gì?\n/chudemoi\nCác bác sĩ khuyến cáo gì?\n"
    res = _run_bot(["--console"], tmp_path, stdin=lines)
    assert res.returncode == 0, res.stderr
    first, fresh = " ".join(res.stdout.split()).split("Đã bắt đầu chủ đề mới.")  # rich wraps long lines
    assert "Tiếp theo câu hỏi: «Bao nhiêu người tử vong vì sốt xuất huyết ở TP HCM?»" in first and "diệt lăng quăng" in first
    assert "Tiếp theo câu hỏi" not in fresh and fresh.index("Bé trai bị thương vì đồ chơi") < fresh.index("TP HCM")


@pytest.mark.parametrize(
    "token,expected",
    [
        ("", "TELEGRAM_BOT_TOKEN is not set"),
        ("12345:tooshort-secret", "TELEGRAM_BOT_TOKEN is malformed"),
    ],
)
def test_missing_or_malformed_token_stops_with_one_line(tmp_path, token, expected):
    res = _run_bot([], tmp_path, TELEGRAM_BOT_TOKEN=token)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    if token:
        assert token not in res.stderr and "tooshort" not in res.stderr


def test_settings_parse_id_lists_and_reject_bad_ones(tmp_path):
    s = Settings(_env_file=None, allowed_user_ids="1, 2;3", admin_user_ids="42")
    assert s.allowed_user_ids == {1, 2, 3} and s.admin_user_ids == {42}
    with pytest.raises(ConfigError, match="ALLOWED_CHAT_IDS is invalid"):
        load_settings(_env_file=None, allowed_chat_ids="abc")
    assert Settings(_env_file=None, telegram_api_url="http://127.0.0.1:8081").base_url == "http://127.0.0.1:8081/bot"
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Settings(_env_file=None, telegram_bot_token=TOKEN, webhook_url="https://example.org/hook").check_token()


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "ADMIN_")):
            monkeypatch.delenv(key)
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_USER_IDS=7,8\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.token == TOKEN and s.admin_user_ids == {7, 8}
    assert TOKEN not in repr(s)  # the token is a secret even in a repr


def test_token_is_redacted_from_every_log_line_and_traceback():
    formatter = RedactingFormatter(LOG_FORMAT, TOKEN)
    logger = logging.getLogger("httpx-like")
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(formatter.format(record))  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        logger.warning("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        try:
            raise RuntimeError(f"InvalidToken: the token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("Error while handling an update")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "Traceback" in text and TOKEN not in text and text.count("[REDACTED]") == 2


def test_a_token_telegram_refuses_stops_the_bot_in_one_line_without_the_token(tmp_path):
    """The fake server knows another token: getMe answers 401, as Telegram does for a revoked token."""
    refused = "987654321:AAOtherTokenNeverIssuedByBotFather_xyz123"
    with FakeTelegram() as tg:
        res = _run_bot(
            [],
            tmp_path,
            TELEGRAM_BOT_TOKEN=refused,
            TELEGRAM_API_URL=tg.base_url,
            BANTIN_SOURCES=str(SEEDS),
            BANTIN_INDEX_DIR=str(tmp_path / "index"),
            BANTIN_DATA_DIR=str(tmp_path / "var"),
        )
    assert res.returncode == 2
    assert refused not in res.stdout + res.stderr and refused.split(":")[1] not in res.stdout + res.stderr
    # PTB logs its own traceback (redacted); the process ends with one line, not an uncaught exception
    assert res.stderr.strip().splitlines()[-1].startswith("error: Telegram refused TELEGRAM_BOT_TOKEN")
    assert "InvalidToken:" not in res.stderr.strip().splitlines()[-1]


def test_export_feedback(tmp_path):
    store = BotStore(tmp_path / "var" / "bot.sqlite")
    qid = store.record_question(1001, 1001, "private", "Bao nhiêu đồng chí?", False, 3, 4.2)
    assert store.record_feedback(qid, 1001, 1001, 1, 0, [10, 4])
    assert not store.record_feedback(qid, 1001, 1001, -1, 0, [10, 4])  # a change of mind replaces the vote
    store.close()
    res = _run_bot(["export-feedback", "--format", "jsonl"], tmp_path, BANTIN_DATA_DIR=str(tmp_path / "var"))
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["vote"] == -1 and rows[0]["question"] == "Bao nhiêu đồng chí?" and rows[0]["passage_ids"] == [10, 4]
    out = tmp_path / "fb.csv"
    res = _run_bot(["export-feedback", "--format", "csv", "-o", str(out)], tmp_path, BANTIN_DATA_DIR=str(tmp_path / "var"))
    assert res.returncode == 0 and out.read_text(encoding="utf-8").startswith("id,time_utc,question,vote")
    res = _run_bot(["export-feedback"], tmp_path, BANTIN_DATA_DIR=str(tmp_path / "nowhere"))
    assert res.returncode == 2 and "no feedback yet" in res.stderr


def test_env_example_documents_every_setting():
    import re

    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {m.group(1).lower() for m in re.finditer(r"^([A-Z_]+)=", env, re.M)}
    from retrieval import Budget

    assert names == set(Settings.model_fields) | {f"bantin_read_{field}" for field in Budget.model_fields}  # the readers' budgets too
    for name in names:  # each variable has a comment above it (English and Vietnamese)
        block = env.split(f"\n{name.upper()}=")[0].rsplit("\n\n", 1)[-1]
        assert block.strip().startswith("#"), name


def test_console_survives_bad_bytes_long_questions_and_no_bulletins(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BANTIN_", "WEBHOOK_"))}
    base.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"})
    stdin = (
        b"\xff\xfe broken \xc3\n"
        + ("dài " * 400).encode()
        + b"\nBao nhi\xc3\xaau \xc4\x91\xe1\xbb\x93ng ch\xc3\xad \xc4\x91\xc6\xb0\xe1\xbb\xa3c nh\xe1\xba\xadn k\xe1\xbb\xb7 ni\xe1\xbb\x87m ch\xc6\xb0\xc6\xa1ng?\n"
    )
    res = subprocess.run([sys.executable, "-m", "bot", "--console"], cwd=tmp_path, input=stdin, capture_output=True, timeout=300, env=base)
    out, err = res.stdout.decode(), res.stderr.decode()
    assert res.returncode == 0, err
    assert "Traceback" not in err and "→ 34 đồng chí" in out
    assert "Câu hỏi hơi dài" in out  # the bot's own limit and words
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "seeds").mkdir()
    res = subprocess.run([sys.executable, "-m", "bot", "--console"], cwd=empty, input=b"x\n", capture_output=True, timeout=300, env=base)
    lines = res.stderr.decode().strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Next: " in lines[0]
