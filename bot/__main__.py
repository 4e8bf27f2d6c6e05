"""`python -m bot` (also `bantin-bot`): run the Telegram bot, or try its answers in a terminal.

    python -m bot                      # long polling (default)
    python -m bot                      # with WEBHOOK_URL set: a webhook server with the secret-token check
    python -m bot --console            # answer questions typed here, exactly as the bot would
    python -m bot export-feedback --format csv -o feedback.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _console(settings) -> int:
    """Read questions from stdin; print what the bot would send, rendered for a terminal."""
    from .app import open_engine
    from .render import answer_messages, html_to_terminal, latest_message

    engine = open_engine(settings)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Gõ câu hỏi rồi nhấn Enter (Ctrl+D để thoát). /moi: bản tin mới nhất.")
    try:
        while True:
            try:
                line = input("❓ " if interactive else "")
            except EOFError:
                break
            question = " ".join(line.split())
            if not question:
                continue
            if question == "/moi":
                text = latest_message(engine.latest(7))
            else:
                result = engine.search(question, k=settings.results_per_page)
                text = "\n\n".join(answer_messages(result, 0, settings.results_per_page))
            print(html_to_terminal(text, ansi=sys.stdout.isatty()))
            print()
    finally:
        engine.close()
    return 0


def _export(settings, fmt: str, output: str | None) -> int:
    from .storage import BotStore

    if not settings.feedback_db.exists():
        print(f"error: no feedback yet ({settings.feedback_db} does not exist). Next: run the bot, or set BANTIN_DATA_DIR.", file=sys.stderr)
        return 2
    store = BotStore(settings.feedback_db)
    data = store.export_feedback(fmt)
    store.close()
    if output:
        Path(output).write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)
    return 0


def _run(settings) -> int:
    from .app import build_application, run, setup_logging

    setup_logging(settings)
    run(build_application(settings), settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError, load_settings

    parser = argparse.ArgumentParser(prog="python -m bot", description="The bulletin Q&A Telegram bot.",
                                     epilog='Example: python -m bot --console  (then type: Bao nhiêu đồng chí được nhận kỷ niệm chương?)')
    parser.add_argument("--console", action="store_true", help="answer questions typed in the terminal (no token needed)")
    sub = parser.add_subparsers(dest="command")
    exp = sub.add_parser("export-feedback", help="export 👍/👎 feedback", epilog="Example: python -m bot export-feedback --format csv -o feedback.csv")
    exp.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    exp.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
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
