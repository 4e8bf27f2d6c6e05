"""`python -m bot` (also `bantin-bot`): run the Telegram bot, or try its answers in a terminal.

python -m bot                      # long polling (default)
python -m bot                      # with WEBHOOK_URL set: a webhook server with the secret-token check
python -m bot --console            # answer questions typed here, exactly as the bot would
python -m bot export-feedback --format csv -o feedback.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["main"]


def _console(settings: Settings) -> int:
    """Read questions from stdin; print the quotes the bot would send, drawn for a terminal."""
    from retrieval import BuildError, IndexMissing, QuestionError, Turn, clean_question, latest_text, result_text
    from retrieval.terminal import console

    from . import messages as msg
    from .archive import open_engine

    # bytes that are not UTF-8 become lone surrogates, which clean_question drops, instead of a crash
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")
    try:
        engine = open_engine(settings)
    except (BuildError, IndexMissing) as exc:
        print(f"error: {exc}. Next: put bulletins in {settings.bantin_sources}/ (BANTIN_SOURCES) and run again.", file=sys.stderr)
        return 2
    out = console()
    interactive = sys.stdin.isatty()
    not_found = {
        accented: "\n".join([msg.NOT_FOUND, msg.TRY, *(f"• {t}" for t in msg.not_found_tips(accented))]) for accented in (True, False)
    }
    if interactive:
        print("Gõ câu hỏi rồi nhấn Enter (Ctrl+D để thoát). /moi: bản tin mới nhất. /chudemoi: bắt đầu chủ đề mới.")
    # Like a private chat: a question within CONTEXT_MINUTES of the last one is read as its follow-up.
    turns: list[Turn] = []
    last_asked = 0.0
    try:
        while True:
            try:
                line = input("❓ " if interactive else "")
            except EOFError:
                break
            if line.strip() == "/moi":
                out.print(latest_text(engine.latest(7)))
                continue
            if line.strip() == "/chudemoi":
                turns = []
                out.print(msg.FRESH_START)
                continue
            try:
                question = clean_question(line)
            except QuestionError as exc:
                if exc.reason == "too_long":
                    out.print(msg.TOO_LONG.format(length=exc.length, limit=exc.limit))
                continue
            if settings.context_minutes <= 0 or time.monotonic() - last_asked > settings.context_minutes * 60:
                turns = []
            result = engine.search(question, k=settings.results_per_page, context=turns)
            turns = [*turns, result.turn()][-engine.config.follow_up.turns :]
            last_asked = time.monotonic()
            out.print(result_text(result, not_found[result.accented], details=False))
            out.print()
    finally:
        engine.close()
    return 0


def _export(settings: Settings, fmt: str, output: str | None) -> int:
    from .storage import BotStore

    if not settings.feedback_db.exists():
        print(
            f"error: no feedback yet ({settings.feedback_db} does not exist). Next: run the bot, or set BANTIN_DATA_DIR.", file=sys.stderr
        )
        return 2
    store = BotStore(settings.feedback_db)
    data = store.export_feedback(fmt)
    store.close()
    if output:
        Path(output).write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)
    return 0


def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken

    from .app import build_application, run, setup_logging
    from .ops import hold_lock

    setup_logging(settings)
    try:
        lock = hold_lock(settings.bantin_data_dir)  # held while the bot runs: `restore` waits for it to stop
    except BlockingIOError:
        print(
            f"error: another bot is running with BANTIN_DATA_DIR={settings.bantin_data_dir}. Next: stop it, or give this one its own folder.",
            file=sys.stderr,
        )
        return 2
    try:
        application = build_application(settings)
        status = run(application, settings)
    except InvalidToken:
        print("error: Telegram refused TELEGRAM_BOT_TOKEN. Next: copy the token from @BotFather into .env again.", file=sys.stderr)
        return 2
    finally:
        lock.close()
    if status == 2:
        print(f"error: {application.bot_data.start_error}", file=sys.stderr)
    elif status:
        print("error: Telegram stopped answering this bot's token while polling. Next: check the token; restart the bot.", file=sys.stderr)
    return status


def _check(online: bool) -> int:
    from .config import load_settings
    from .ops import check

    results = check(load_settings, online=online)
    for result in results:
        print(result)
    failed = sum(not r.ok for r in results)
    print(f"{failed} of {len(results)} checks failed" if failed else f"all {len(results)} checks passed")
    return 1 if failed else 0


def _backup(settings: Settings, command: str, path: str) -> int:
    from .ops import BackupError, backup, restore

    try:
        if command == "backup":
            n = backup(settings.feedback_db, Path(path))
            print(f"Backed up {settings.feedback_db} to {path} ({n} questions).")
        else:
            n = restore(Path(path), settings.feedback_db)
            print(f"Restored {settings.feedback_db} from {path} ({n} questions).")
    except (BackupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError, load_settings

    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The bulletin Q&A Telegram bot.",
        epilog="Example: python -m bot --console  (then type: Bao nhiêu đồng chí được nhận kỷ niệm chương?)",
    )
    parser.add_argument("--console", action="store_true", help="answer questions typed in the terminal (no token needed)")
    sub = parser.add_subparsers(dest="command")
    exp = sub.add_parser(
        "export-feedback", help="export 👍/👎 feedback", epilog="Example: python -m bot export-feedback --format csv -o feedback.csv"
    )
    exp.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    exp.add_argument("-o", "--output", help="file to write (default: stdout)")
    chk = sub.add_parser(
        "check",
        help="check the settings and the machine before going live (one line per check)",
        epilog="Example: python -m bot check --online",
    )
    chk.add_argument("--online", action="store_true", help="also ask Telegram whether it accepts the token (getMe)")
    bak = sub.add_parser(
        "backup",
        help="copy the bot's database (questions, feedback, follow-ups) while the bot runs",
        epilog="Example: python -m bot backup /var/backups/bantin/bot-$(date +%%F).sqlite",
    )
    bak.add_argument("file", help="the copy to write (a folder: a dated name inside it)")
    res = sub.add_parser(
        "restore",
        help="put a backup back (the bot must be stopped)",
        epilog="Example: python -m bot restore /var/backups/bantin/bot-2026-12-01.sqlite",
    )
    res.add_argument("file", help="a file written by `python -m bot backup`")
    sub.add_parser(
        "status",
        help="whether the bot is running, from the heartbeat it writes every minute (exit 1 when stale)",
        epilog="Example: python -m bot status || systemctl restart bantin-bot",
    )
    sub.add_parser(
        "service",
        help="print a systemd unit for this install (interpreter, folder, .env, writable folders)",
        epilog="Example: python -m bot service | sudo tee /etc/systemd/system/bantin-bot.service",
    )
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.online)
    try:
        settings = load_settings()
        if args.command in ("backup", "restore"):
            return _backup(settings, args.command, args.file)
        if args.command == "status":
            from .ops import status

            result = status(settings.bantin_data_dir)
            print(result)
            return 0 if result.ok else 1
        if args.command == "service":
            import getpass

            from .ops import service_unit

            sys.stdout.write(service_unit(settings, sys.executable, Path.cwd(), getpass.getuser(), Path(".env")))
            return 0
        if args.command == "export-feedback":
            return _export(settings, args.format, args.output)
        if args.console:
            return _console(settings)
        settings.check_token()
        return _run(settings)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
