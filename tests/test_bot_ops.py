"""`python -m bot check`, `backup` and `restore` in real subprocesses, over real SQLite files."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.ops import hold_lock
from bot.storage import BotStore
from bot.testing import FakeTelegram
from bot.testing.fake_api import BOT_USERNAME, TOKEN
from bot.testing.harness import free_port, wait_for_port

from .conftest import SEEDS
from .test_bot_cli import _run_bot

SECRET = "s3cr3t-webhook-value-0123456789"


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A working folder laid out as a maintainer would: seeds/, no index yet, no data folder yet."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def _check(folder: Path, *args: str, **env: str):
    res = _run_bot(["check", *args], folder, **{"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert "Traceback" not in res.stdout + res.stderr
    assert TOKEN not in res.stdout + res.stderr and SECRET not in res.stdout + res.stderr
    return res


def test_check_passes_on_a_good_configuration(live: Path):
    res = _check(live)
    assert res.returncode == 0, res.stdout
    lines = res.stdout.splitlines()
    assert all(line.startswith("✓ ") for line in lines[:-1]) and lines[-1].startswith("all ")
    assert "✓ BANTIN_SOURCES: 1 bulletin file(s) in seeds" in lines
    assert any("the bot builds it from BANTIN_SOURCES at start" in line for line in lines)


@pytest.mark.parametrize(
    "env,setting",
    [
        ({"BANTIN_SOURCES": "khong-co"}, "BANTIN_SOURCES"),
        ({"TELEGRAM_BOT_TOKEN": "12345:short"}, "TELEGRAM_BOT_TOKEN"),
        ({"WEBHOOK_URL": "https://bot.example.vn/tg"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_PORT": "not-a-port"}, "WEBHOOK_PORT"),
        ({"FEEDS": "baolangson.vn/rss"}, "FEEDS"),
    ],
)
def test_check_fails_and_names_the_setting(live: Path, env: dict[str, str], setting: str):
    res = _check(live, **env)
    assert res.returncode == 1
    failed = [line for line in res.stdout.splitlines() if line.startswith("✗ ")]
    assert len(failed) == 1 and setting in failed[0] and "Next:" in failed[0]


def test_check_reaches_each_site_and_says_what_its_robots_txt_holds(live: Path):
    from .feedserver import FeedServer
    from .papersite import PaperSite, stories

    with FeedServer() as web:
        PaperSite(web, stories(3), crawl_delay=2, faults=False)
        res = _check(live, SITES=f"{web.url('/')},http://127.0.0.1:9/")
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert f"✓ SITES: {web.url('/')}: robots.txt: 2 rule(s), Crawl-delay 2 s, 1 sitemap(s)." in lines
    assert any(line.startswith("✗ SITES: http://127.0.0.1:9/: cannot reach the site") for line in lines)


def test_check_fails_on_a_data_folder_that_is_a_file(live: Path):
    (live / "var").write_text("not a folder", encoding="utf-8")
    res = _check(live)
    assert res.returncode == 1
    assert "✗ BANTIN_DATA_DIR: var is a file, not a folder." in res.stdout


def test_check_fails_on_a_damaged_index_and_names_the_rebuild(live: Path):
    from retrieval.index.build import BuildOptions, build_index

    build_index([live / "seeds"], live / "index", BuildOptions(workers=1))
    assert _check(live).returncode == 0
    gen = next(p for p in (live / "index").iterdir() if p.is_dir() and (p / "params.json").exists())
    (gen / "passage_article.npy").write_bytes(b"\x93NUMPY damaged")
    res = _check(live)
    assert res.returncode == 1
    line = next(line for line in res.stdout.splitlines() if line.startswith("✗ "))
    assert line.startswith("✗ BANTIN_INDEX_DIR: the index in index/") and "Next: python -m retrieval index seeds --index index" in line


def test_check_online_asks_telegram(live: Path):
    with FakeTelegram() as tg:
        res = _check(live, "--online", TELEGRAM_API_URL=tg.base_url)
    assert res.returncode == 0, res.stdout
    assert f"✓ TELEGRAM_BOT_TOKEN: Telegram knows this bot as @{BOT_USERNAME}" in res.stdout


def test_a_backup_taken_while_questions_are_written_is_whole_and_sound(live: Path):
    db = live / "var" / "bot.sqlite"
    store = BotStore(db)
    for i in range(50):
        store.record_question(1001, 1001, "private", f"Câu hỏi {i}", False, 3, 4.0)
    stop = threading.Event()

    def ask() -> None:  # about 200 questions a second, as the bot writes them
        i = 0
        while not stop.is_set():
            store.record_question(1002, 1002, "private", f"Câu hỏi trong lúc sao lưu {i}", False, 3, 4.0)
            i += 1
            time.sleep(0.005)

    writer = threading.Thread(target=ask)
    writer.start()
    try:
        time.sleep(0.2)
        before = sqlite3.connect(db).execute("SELECT max(id) FROM questions").fetchone()[0]
        res = _run_bot(["backup", "backups/bot.sqlite"], live)
    finally:
        stop.set()
        writer.join()
    assert res.returncode == 0, res.stderr
    copy = sqlite3.connect(live / "backups" / "bot.sqlite")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = {r[0] for r in copy.execute("SELECT id FROM questions")}
    assert set(range(1, before + 1)) <= ids
    assert "Backed up" in res.stdout and not list((live / "backups").glob(".backup-*"))
    copy.close()
    store.close()


def test_restore_waits_for_the_bot_to_stop_and_then_puts_the_backup_back(live: Path):
    db = live / "var" / "bot.sqlite"
    store = BotStore(db)
    store.record_question(1001, 1001, "private", "Câu hỏi trước khi sao lưu", False, 3, 4.0)
    store.close()
    assert _run_bot(["backup", "bot-backup.sqlite"], live).returncode == 0
    store = BotStore(db)
    store.record_question(1001, 1001, "private", "Câu hỏi sau khi sao lưu", False, 3, 4.0)
    store.close()
    lock = hold_lock(live / "var")  # as the running bot holds it
    try:
        refused = _run_bot(["restore", "bot-backup.sqlite"], live)
    finally:
        lock.close()
    assert refused.returncode == 2 and "the bot is running" in refused.stderr and "Traceback" not in refused.stderr
    assert sqlite3.connect(db).execute("SELECT count(*) FROM questions").fetchone()[0] == 2
    done = _run_bot(["restore", "bot-backup.sqlite"], live)
    assert done.returncode == 0, done.stderr
    rows = sqlite3.connect(db).execute("SELECT question FROM questions").fetchall()
    assert rows == [("Câu hỏi trước khi sao lưu",)]
    junk = live / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    bad = _run_bot(["restore", str(junk)], live)
    assert bad.returncode == 2 and "is not an SQLite database" in bad.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed on this machine")
def test_service_prints_a_unit_that_systemd_accepts(live: Path):
    import subprocess

    (live / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    res = _run_bot(["service"], live)
    assert res.returncode == 0, res.stderr
    unit = res.stdout
    assert TOKEN not in unit
    assert f"WorkingDirectory={live.resolve()}" in unit and f"EnvironmentFile={(live / '.env').resolve()}" in unit
    assert "ExecStart=" in unit and " -m bot\n" in unit and "Restart=on-failure" in unit and "TimeoutStopSec=" in unit
    assert "NoNewPrivileges=yes" in unit and "ProtectSystem=strict" in unit
    assert f"-{(live / 'var').resolve()}" in unit and f"-{(live / 'seeds').resolve()}" in unit and f"-{(live / 'index').resolve()}" in unit
    path = live / "bantin-bot.service"
    path.write_text(unit, encoding="utf-8")
    verify = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    assert "bantin-bot.service" not in verify.stderr  # no complaint about the unit itself


def test_under_systemd_log_lines_carry_no_timestamp_and_log_level_is_a_setting(monkeypatch):
    import logging

    from bot.app import JOURNAL_FORMAT, LOG_FORMAT, log_format
    from bot.config import ConfigError, load_settings

    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    assert log_format() == LOG_FORMAT and "asctime" in LOG_FORMAT
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    assert log_format() == JOURNAL_FORMAT and "asctime" not in JOURNAL_FORMAT
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert logging.getLevelName(load_settings(_env_file=None).log_level) == logging.WARNING
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings(_env_file=None)


def test_a_bot_started_on_an_index_of_an_older_version_rebuilds_it_and_answers(tmp_path: Path):
    import json

    from bot import messages as msg
    from bot.testing.harness import BotRunner, make_settings
    from retrieval.index.build import BuildOptions, build_index

    admin = 42
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, admin_user_ids={admin})
        build_index([settings.bantin_sources], settings.bantin_index_dir, BuildOptions(workers=1))
        gen = next(p for p in settings.bantin_index_dir.iterdir() if (p / "params.json").exists())
        params = json.loads((gen / "params.json").read_text(encoding="utf-8"))
        params["analyzer"] = "0"  # as the previous version wrote it
        (gen / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        with BotRunner(settings, tg):
            asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001)
            assert "<u>34 đồng chí</u>" in tg.replies_to(asked)[0].params["text"]
            told = tg.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == str(admin)])
            assert told[0].params["text"] == msg.UPGRADED.format(articles="1")


def test_status_reads_the_heartbeat_of_the_running_bot_and_says_when_it_is_stale(tmp_path: Path):
    import json

    from bot.ops import HEARTBEAT_NAME, STALE_AFTER
    from bot.testing.harness import BotRunner, make_settings

    data = tmp_path / "var"
    missing = _run_bot(["status"], tmp_path, BANTIN_DATA_DIR=str(data))
    assert missing.returncode == 1 and missing.stdout.startswith("✗ no heartbeat at")
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS)
        with BotRunner(settings, tg):
            deadline = time.time() + 15
            while not (data / HEARTBEAT_NAME).exists() and time.time() < deadline:
                time.sleep(0.05)
            res = _run_bot(["status"], tmp_path, BANTIN_DATA_DIR=str(data))
            assert res.returncode == 0, res.stdout
            assert res.stdout.startswith("✓ running (pid ") and "1 articles, 11 passages" in res.stdout and TOKEN not in res.stdout
    beat = json.loads((data / HEARTBEAT_NAME).read_text(encoding="utf-8"))
    beat["ts"] -= STALE_AFTER + 60  # the bot stopped (or hung) a while ago
    (data / HEARTBEAT_NAME).write_text(json.dumps(beat), encoding="utf-8")
    stale = _run_bot(["status"], tmp_path, BANTIN_DATA_DIR=str(data))
    assert stale.returncode == 1 and "stopped or stuck" in stale.stdout


def test_metrics_count_a_question_asked_through_the_fake_bot_api(tmp_path: Path):
    import httpx

    from bot.testing.harness import BotRunner, make_settings

    port = free_port()
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, metrics_port=port)
        with BotRunner(settings, tg):
            tg.replies_to(tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001))
            tg.replies_to(tg.send_text("Giá vàng hôm nay bao nhiêu?", user_id=1002))
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "bantin_questions_total 2.0" in text and "bantin_not_found_total 1.0" in text
    assert "bantin_answer_seconds_count 2.0" in text and "bantin_telegram_errors_total 0.0" in text
    assert "bantin_sync_runs_total 0.0" in text and "bantin_uploads_total 0.0" in text
    assert TOKEN not in text


def _healthz(port: int) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _first_health(port: int) -> tuple[int, dict]:
    """The first /healthz answer once the webhook server's port accepts connections."""
    assert wait_for_port(port)
    return _healthz(port)


def test_healthz_answers_at_once_on_the_webhook_server_and_says_what_the_bot_serves(tmp_path: Path):
    from bot.testing.harness import BotRunner, make_settings

    port = free_port()
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            SEEDS,
            webhook_url="https://bot.example.vn/tg",
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        from retrieval.index.build import BuildOptions, build_index

        build_index([settings.bantin_sources], settings.bantin_index_dir, BuildOptions(workers=1))
        with BotRunner(settings, tg, ready=False):
            status, body = _first_health(port)  # how soon: benchmarks/service_start.py (no timed assertions here)
            deadline = time.monotonic() + 30
            while status != 200 and time.monotonic() < deadline:
                time.sleep(0.02)
                status, body = _healthz(port)
            assert status == 200, body
            assert body["status"] == "ok" and body["articles"] == 1 and body["passages"] == 11
            assert body["generation"].startswith("gen-") and body["uptime_s"] >= 0 and body["last_sync"] is None
            assert TOKEN not in str(body) and SECRET not in str(body)


def test_a_bot_upgrading_its_index_answers_cadres_when_ready_and_503s_monitors_until_then(tmp_path: Path):
    """The rebuild after an upgrade waits here behind a maintainer's build (the test holds the build lock)."""
    import json

    from bot import messages as msg
    from bot.testing.harness import BotRunner, make_settings
    from retrieval.index.build import BuildOptions, build_index
    from retrieval.index.layout import build_lock

    admin, port = 42, free_port()
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            SEEDS,
            admin_user_ids={admin},
            webhook_url="https://bot.example.vn/tg",
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        build_index([settings.bantin_sources], settings.bantin_index_dir, BuildOptions(workers=1))
        gen = next(p for p in settings.bantin_index_dir.iterdir() if (p / "params.json").exists())
        params = json.loads((gen / "params.json").read_text(encoding="utf-8"))
        params["format"] = 5  # as an older version wrote it (one this version no longer reads)
        (gen / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        maintainer = build_lock(settings.bantin_index_dir)
        maintainer.__enter__()
        with BotRunner(settings, tg, ready=False) as runner:
            status, body = _first_health(port)
            assert status == 503 and body["status"] in ("starting", "updating")
            tg.wait_for(lambda calls: runner.app.bot_data.updating or None)
            status, body = _healthz(port)
            assert status == 503 and body["status"] == "updating" and "articles" not in body
            waiting = _post_update(port, tg, "Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001)
            assert tg.replies_to(waiting)[0].params["text"] == msg.UPDATING_WAIT  # told once it will be answered
            maintainer.__exit__(None, None, None)  # the maintainer's build is done: the bot rebuilds, answers, tells the admin
            tg.wait_for(lambda calls: len(tg.replies_to(waiting)) == 2, timeout=60)
            assert "<u>34 đồng chí</u>" in tg.replies_to(waiting)[1].params["text"]  # the question waited, and is answered
            deadline = time.monotonic() + 60
            while status != 200 and time.monotonic() < deadline:
                time.sleep(0.05)
                status, body = _healthz(port)
            assert status == 200 and body["articles"] == 1
            asked = _post_update(port, tg, "Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001)
            assert "<u>34 đồng chí</u>" in tg.replies_to(asked)[0].params["text"]
            told = tg.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == str(admin)])
            assert told[0].params["text"] == msg.UPGRADED.format(articles="1")


def _post_update(port: int, tg: FakeTelegram, text: str, user_id: int) -> dict:
    """Deliver a private message to the webhook as Telegram would; the message, for ``tg.replies_to``."""
    import json
    import urllib.request

    message_id = next(_MESSAGE_IDS)
    message = {"message_id": message_id, "date": int(time.time()), "chat": tg.chat(user_id), "from": tg.user(user_id), "text": text}
    tg.messages[(user_id, message_id)] = message
    body = json.dumps({"update_id": message_id, "message": message}).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/{TOKEN.split(':')[0]}", data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 200
    return message


_MESSAGE_IDS = iter(range(5000, 10**6))


def test_a_bot_started_on_a_damaged_index_stops_in_one_line_naming_the_rebuild(live: Path):
    from retrieval.index.build import BuildOptions, build_index

    build_index([live / "seeds"], live / "index", BuildOptions(workers=1))
    gen = next(p for p in (live / "index").iterdir() if p.is_dir() and (p / "params.json").exists())
    (gen / "passage_article.npy").write_bytes(b"\x93NUMPY damaged")
    with FakeTelegram() as tg:
        res = _run_bot([], live, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.base_url)
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no index to answer from: the index in index/ is damaged")
    assert "Next: python -m retrieval index " in last and last.endswith("seeds --index index")
    assert "Traceback" not in res.stderr and TOKEN not in res.stderr


def test_healthz_is_503_when_the_index_the_bot_answers_from_can_no_longer_be_read(tmp_path: Path):
    """The store removed under the running engine (a disk replaced, a folder wiped): a fresh read fails."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.state import BotState
    from bot.testing.harness import make_settings
    from bot.webhook import health
    from retrieval import Engine
    from retrieval.index.build import BuildOptions, build_index

    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS)
    report = build_index([settings.bantin_sources], settings.bantin_index_dir, BuildOptions(workers=1))
    state = BotState()
    state.settings = settings
    state.engine = Engine(report.generation)
    with ThreadPoolExecutor(1) as fresh:  # each check runs in a thread of its own, as tornado's executor does
        assert fresh.submit(health, state).result()[0] == 200
    (report.generation / "store.sqlite").unlink()
    with ThreadPoolExecutor(1) as fresh:
        status, body = fresh.submit(health, state).result()
    assert status == 503 and body["status"] == "index unusable" and body["reason"] == "OperationalError"
    state.engine.close()
