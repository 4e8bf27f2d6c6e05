"""`python -m retrieval` (also `bantin`): a thin shell over the library for maintainers.

Every command validates its input, calls the library, and turns a failure into one
line that says what to do next, with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from retrieval.index.build import Progress
    from retrieval.search.conversation import Turn
    from retrieval.search.engine import Engine
    from retrieval.sync.settings import SyncSettings

__all__ = ["build_parser", "main"]

DEFAULT_INDEX = "index"
DEFAULT_SOURCES = "seeds"
EXIT_USAGE = 2
EXIT_PROBLEMS = 1


class CliError(Exception):
    """A user-facing failure: one line, then the next step."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _index_dir(args: argparse.Namespace) -> Path:
    path = Path(args.index or os.environ.get("BANTIN_INDEX_DIR") or DEFAULT_INDEX)
    if path.exists() and not path.is_dir():
        raise CliError(f"{path} is a file, but the index must be a folder", f"give a folder: --index {path}.d (or remove the file)")
    return path


def _console(stderr: bool = False) -> Console:
    from retrieval.terminal import console

    return console(stderr)


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar for long builds; a no-op callback otherwise."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _open_engine(index_dir: Path, refresh: bool = True, quiet: bool = False, sources: list[Path] | None = None) -> Engine:
    """The library's open_index, its failures as one line with the next step."""
    from retrieval.index.layout import IndexMissing, IndexOutdated
    from retrieval.service import IndexDamaged, open_index

    err = _console(stderr=True)

    def tell(changes: Any) -> None:
        if not quiet:
            err.print(
                f"[yellow]Bulletins changed since the last build ({len(changes.added)} added, {len(changes.changed)} changed, "
                f"{len(changes.removed)} removed); re-indexing …[/]"
            )

    try:
        opened = open_index(index_dir, sources=sources, refresh=refresh, on_refresh=tell)
    except IndexOutdated as exc:
        raise CliError(str(exc), f"rebuild it: python -m retrieval index --index {index_dir} (or ask without --no-refresh)") from None
    except IndexMissing:
        raise CliError(
            f"no index in {index_dir}/", f"build one: python -m retrieval index {DEFAULT_SOURCES}/ --index {index_dir}"
        ) from None
    except IndexDamaged as exc:
        raise CliError(str(exc), exc.command) from None
    for problem in opened.report.problems if opened.report else []:
        err.print(f"[red]skipped[/] {problem}")
    if opened.warning:
        err.print(f"[yellow]warning[/] {opened.warning}", soft_wrap=True)
    return opened.engine


# -- index ------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    from retrieval.index.build import BuildError, add_to_index, build_index, resolve_options
    from retrieval.index.layout import IndexBusy, IndexMissing

    paths = [Path(p) for p in (args.paths or [DEFAULT_SOURCES])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CliError(f"not found: {', '.join(missing)}", "give bulletin files, folders or .jsonl archives that exist")
    options = resolve_options(_index_dir(args), args.k1, args.b, args.epsilon)
    if args.workers:
        options.workers = args.workers
    out = _console()
    err = _console(stderr=True)
    with _progress(enabled=sys.stderr.isatty() and not args.quiet) as progress:
        try:
            if args.add:
                report = add_to_index(paths, _index_dir(args), options, progress)
            else:
                report = build_index(paths, _index_dir(args), options, progress)
        except IndexMissing:
            raise CliError(f"--add needs an existing index in {_index_dir(args)}/", "build it first without --add") from None
        except IndexBusy as exc:
            raise CliError(str(exc), "wait for it to finish (ask keeps answering meanwhile), then run this again") from None
        except BuildError as exc:
            for problem in getattr(exc, "problems", []):
                err.print(f"[red]skipped[/] {problem}")
            hint = exc.hint or "check the file names above, or convert the files to UTF-8 text"
            raise CliError(str(exc), hint) from None
    if not args.quiet:
        what = f"Added [bold]{report.added}[/] article(s); the index now holds" if args.add else "Indexed"
        out.print(
            f"{what} [bold]{report.n_articles}[/] article(s), {report.n_passages} passage(s) in "
            f"{_index_dir(args)}/ ({report.seconds:.1f} s; {report.segmented} texts segmented, {report.cached} from cache)."
        )
        out.print(f"[dim]Stages: {report.stage_line()}.[/]")
    if report.n_passages < 3:
        err.print(
            "[yellow]warning[/] fewer than 3 passages: BM25Okapi gives every term a negative IDF "
            "(ln(0.5/1.5) for one passage), so nothing can be found yet; index more bulletins."
        )
    for problem in report.problems:
        err.print(f"[red]skipped[/] {problem}")
    if report.problems:
        err.print(f"{len(report.problems)} file(s) or record(s) could not be indexed; fix them and run the same command again.")
        return EXIT_PROBLEMS
    return 0


# -- ask --------------------------------------------------------------------------
NOT_FOUND = "Không tìm thấy thông tin phù hợp. Hint: use fewer, more specific words, or the accented form."


def _read_batch(source: TextIO) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for lineno, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, f"malformed JSON ({exc.msg})"
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            yield lineno, None, 'expected {"id": ..., "question": "..."}'
            continue
        yield lineno, obj, None


def _question_error(exc: Exception) -> str:
    from retrieval.search.query import QuestionError

    if isinstance(exc, QuestionError) and exc.reason == "too_long":
        return f"question too long ({exc.length} characters; the limit is {exc.limit})"
    return "empty question"


def _iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (expected YYYY-MM-DD, e.g. 2026-11-27)") from None


def _ask_after(engine: Engine, earlier: list[str], today: date | None) -> list[Turn]:
    """The turns of ``--after`` questions, oldest first: each asked after the ones before it, as in a chat."""
    keep = engine.config.follow_up.turns  # the engine reads no more
    turns: list[Turn] = []
    for text in earlier:
        turns = [*turns, engine.search(text, k=3, today=today, context=turns).turn()][-keep:]
    return turns


def cmd_ask(args: argparse.Namespace) -> int:
    from retrieval.search.query import QuestionError, clean_question

    if args.k < 1 or args.k > 50:
        raise CliError("-k must be between 1 and 50", "e.g. -k 3")
    if args.batch is not None and not args.json:
        raise CliError("--batch writes JSON Lines and needs --json", "add --json")
    if args.batch is not None and args.after:
        raise CliError(
            "--after is for one question; in --batch a line names the line it follows",
            'give lines like {"id": "2", "question": "...", "after": "1"}',
        )
    question = ""
    earlier: list[str] = []
    if args.batch is None:
        try:
            question = clean_question(args.question or "")
        except QuestionError as exc:
            raise CliError(
                _question_error(exc), 'ask like: python -m retrieval ask "Bao nhiêu đồng chí được nhận kỷ niệm chương?"'
            ) from None
        for text in args.after or []:
            try:
                earlier.append(clean_question(text))
            except QuestionError as exc:
                raise CliError(
                    f"--after: {_question_error(exc)}", 'give the earlier question, e.g. --after "Ai phát biểu tại hội nghị?"'
                ) from None
    engine = _open_engine(_index_dir(args), refresh=not args.no_refresh, quiet=args.json)
    engine.mapped_budget = args.index_memory << 20 if args.index_memory > 0 else None
    if args.batch is None:
        turns = _ask_after(engine, earlier, args.today)
        result = engine.search(question, k=args.k, today=args.today, context=turns)
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            from retrieval.terminal import result_text

            _console().print(result_text(result, NOT_FOUND))
        return 0
    engine.warm_up()  # thousands of questions: load the compiled kernels once
    if args.batch == "-":
        source = sys.stdin
    else:
        path = Path(args.batch)
        if not path.is_file():
            raise CliError(f"batch file not found: {path}", 'give a JSON Lines file of {"id", "question"} objects, or - for stdin')
        source = path.open(encoding="utf-8-sig", errors="surrogateescape")
    bad = 0
    out = sys.stdout
    # id → the turns a follow-up of that line is read after (its own context, then itself); only the turns
    # the engine reads are kept, so a batch of any length holds a bounded conversation per line.
    conversations: dict[str, list[Turn]] = {}
    keep = engine.config.follow_up.turns
    for lineno, obj, error in _read_batch(source):
        follows: list[Turn] = []
        if obj is not None:
            try:
                question = clean_question(obj["question"])
            except QuestionError as exc:
                obj, error = None, _question_error(exc)
        if obj is not None and obj.get("after") is not None:
            after = obj["after"]
            if not isinstance(after, (str, int)) or isinstance(after, bool) or str(after) not in conversations:
                obj, error = (
                    None,
                    f'"after": {json.dumps(after, ensure_ascii=False)} names no earlier line of this batch (give the "id" of a line above)',
                )
            else:
                follows = conversations[str(after)]
        if obj is None:
            bad += 1
            print(f"error: {args.batch}:{lineno}: {error}", file=sys.stderr)
            continue
        result = engine.search(question, k=args.k, today=args.today, context=follows)
        if obj.get("id") is not None:
            conversations[str(obj["id"])] = [*follows, result.turn()][-keep:]
        record = {"id": obj.get("id"), **result.as_dict(), "took_ms": round(result.took_ms, 3)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        print(f"{bad} line(s) skipped; fix them and run again.", file=sys.stderr)
        return EXIT_PROBLEMS
    return 0


# -- stats / show -----------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from rich.table import Table

    from retrieval.index.build import ARTICLE_PREFIX, TITLE_PREFIX, is_stale
    from retrieval.sources.ocr import ocr_status

    engine = _open_engine(_index_dir(args), refresh=False)
    p = engine.params
    size = sum(f.stat().st_size for f in engine.gen.iterdir() if f.is_file())
    scanned = engine.store.ocr_count()
    ocr_ok, ocr_line = ocr_status()
    if args.json:
        print(
            json.dumps(
                {k: p[k] for k in ("n_articles", "n_passages", "built_at", "inputs", "fields", "problems", "bm25", "weights")}
                | {"bytes": size, "stale": is_stale(_index_dir(args)), "ocr_articles": scanned, "ocr_available": ocr_ok},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    console = _console()
    table = Table(title=f"Index {_index_dir(args)}/ ({engine.gen.name})", show_header=False)
    table.add_row("articles", f"{p['n_articles']:,}")
    table.add_row("passages", f"{p['n_passages']:,}")
    table.add_row("built", p["built_at"])
    table.add_row("from", "\n".join(p["inputs"]))
    table.add_row("size on disk", f"{size / 1e6:.1f} MB")
    table.add_row("BM25", f"k1={p['bm25']['k1']} b={p['bm25']['b']} epsilon={p['bm25']['epsilon']} ({p['weights']} weights)")
    table.add_row("up to date", "no: the next ask re-indexes" if is_stale(_index_dir(args)) else "yes")
    table.add_row("skipped at build", str(len(p.get("problems", []))))
    table.add_row("read from scans (OCR)", f"{scanned:,} article(s)")
    table.add_row("OCR", ocr_line)
    console.print(table)
    fields = Table("field", "terms", "postings", "avg length", "added since the build (tail)")
    for name, meta in p["fields"].items():
        tail = meta.get("tail")
        unit = "articles" if name.startswith((TITLE_PREFIX, ARTICLE_PREFIX)) else "passages"  # their documents
        added = f"{tail['passages']:,} {unit}, {tail['postings']:,} postings" if tail else "—"
        fields.add_row(name, f"{meta['terms']:,}", f"{meta['postings']:,}", f"{meta['avgdl']:.1f}", added)
    console.print(fields)
    latest = Table("latest", "date", "title")
    for art in engine.latest(5):
        latest.add_row(art.doc_id, art.date or "—", art.title)
    console.print(latest)
    engine.close()
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from rich.text import Text

    engine = _open_engine(_index_dir(args), refresh=False)
    art = engine.article(args.doc_id)
    if art is None:
        raise CliError(f'no article "{args.doc_id}" in the index', 'find ids with: python -m retrieval ask "..." or stats')
    if args.json:
        print(json.dumps(art.__dict__, ensure_ascii=False))
        return 0
    console = _console()
    console.print(Text(art.title, style="bold"))
    console.print(Text(" · ".join(x for x in (art.date, art.author, art.source, art.url) if x), style="cyan"))
    console.print()
    # the body as plain text: rich measures every line to wrap it, which takes minutes on a 50 MB article
    console.file.write(art.text + "\n")
    return 0


# -- eval -------------------------------------------------------------------------
def _fmt(val: float, signed: bool = False) -> str:
    if isinstance(val, int) or (float(val).is_integer() and abs(val) > 1):
        return f"{int(val):+d}" if signed else f"{int(val)}"
    return f"{val:+.3f}" if signed else f"{val:.3f}"


def cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    import numpy as np

    from retrieval.evaluate import (
        baseline_run,
        calibrate_not_found,
        conversation_run,
        evaluate,
        load_questions,
        off_topic_run,
        plot_recall,
    )
    from retrieval.index.build import BuildOptions, build_index
    from retrieval.search.engine import Engine

    qpath = Path(args.questions)
    for path in [qpath, *(Path(p) for p in args.off_topic or [])]:
        if not path.is_file():
            raise CliError(f"questions file not found: {path}", "give a JSON Lines file of {id, question, answers, passage_id}")
    try:
        questions = load_questions(qpath, split=args.split)
        off_topic = [q for p in args.off_topic or [] for q in load_questions(Path(p), split=args.split)]
    except ValueError as exc:
        raise CliError(str(exc), "fix that line and run again") from None
    if args.limit:
        questions = questions[: args.limit]
    if not questions:
        raise CliError(f"no questions in {qpath}" + (f' with split "{args.split}"' if args.split else ""), "check the file and --split")
    tmp = None
    if args.docs:
        docs = [Path(d) for d in args.docs]
        if missing := [str(d) for d in docs if not d.exists()]:
            raise CliError(f"documents not found: {', '.join(missing)}", "give the .jsonl file(s) of documents the questions refer to")
        tmp = tempfile.TemporaryDirectory(prefix="bantin-eval-")
        build_index(docs, Path(tmp.name), BuildOptions())
        engine = Engine.open(Path(tmp.name))
    else:
        engine = _open_engine(_index_dir(args), refresh=False)
    engine.warm_up()
    if args.conversation:
        try:
            conversation = conversation_run(engine, questions, args.no_diacritics)
        finally:
            engine.close()
            if tmp:
                tmp.cleanup()
        return _print_conversation(conversation, qpath, len(questions), args)
    try:
        misses: list[dict[str, Any]] | None = [] if args.misses else None
        ours = evaluate(engine, questions, args.k, args.no_diacritics, misses)
        report: dict[str, Any] = {"questions": str(qpath), "no_diacritics": args.no_diacritics, "ranker": ours.summary()}
        curves = {"ranker": ours.recall_curve()}
        if off_topic:
            report["ranker"] |= off_topic_run(engine, off_topic, args.no_diacritics)
        if args.baseline:
            base = baseline_run(engine, questions, args.no_diacritics)
            report["baseline"] = base.summary()
            report["difference"] = {key: report["ranker"][key] - val for key, val in report["baseline"].items() if key in report["ranker"]}
            curves["plain BM25Okapi"] = base.recall_curve()
        if args.calibrate:
            report["not_found_calibration"] = calibrate_not_found(
                engine, questions, [round(x, 2) for x in np.arange(0.1, 0.91, 0.05)], args.no_diacritics
            )
            report["not_found_threshold"] = engine.config.min_coverage
        if args.misses:
            with Path(args.misses).open("w", encoding="utf-8") as fh:
                for m in misses or []:
                    fh.write(json.dumps(m, ensure_ascii=False) + "\n")
        if args.plot:
            plot_recall(curves, Path(args.plot), f"{qpath.parent.name}{' (no diacritics)' if args.no_diacritics else ''}")
    finally:
        engine.close()
        if tmp:
            tmp.cleanup()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    from rich.table import Table

    table = Table(
        "metric",
        "ranker",
        *(("plain BM25Okapi", "difference") if args.baseline else ()),
        title=f"{len(questions)} questions from {qpath}{' typed without diacritics' if args.no_diacritics else ''}",
    )
    for key, val in report["ranker"].items():
        row = [key, _fmt(val)]
        if args.baseline:
            b = report["baseline"].get(key)
            row += [_fmt(b) if b is not None else "—", _fmt(report["difference"][key], signed=True) if key in report["difference"] else "—"]
        table.add_row(*row)
    console = _console()
    console.print(table)
    if args.calibrate:
        cal = Table("threshold", "not found, gold present (unwanted)", "not found, gold removed (wanted)", title="not-found calibration")
        for row_ in report["not_found_calibration"]:
            mark = " ←" if abs(row_["threshold"] - report["not_found_threshold"]) < 1e-9 else ""
            cal.add_row(f"{row_['threshold']:.2f}{mark}", f"{row_['not_found_when_present']:.3f}", f"{row_['not_found_when_absent']:.3f}")
        console.print(cal)
    return 0


def _print_conversation(report: dict[str, dict[str, float]], qpath: Path, n: int, args: argparse.Namespace) -> int:
    """``eval --conversation``: each group's figures, asked alone and after the questions before it."""
    if args.json:
        print(
            json.dumps({"questions": str(qpath), "no_diacritics": args.no_diacritics, "conversation": report}, ensure_ascii=False, indent=2)
        )
        return 0
    from rich.table import Table

    table = Table(
        "",
        "n",
        "P@1",
        "answer in quote 1",
        "in quotes 1–3",
        "context used",
        title=f"{n} questions from {qpath}{' (no diacritics)' if args.no_diacritics else ''}: alone → after the ones before",
    )
    for group, row in report.items():
        cells = [
            f"{row[f'{key} alone']:.3f} → {row[f'{key} with context']:.3f}" for key in ("P@1", "answer_in_quote@1", "answer_in_quote@3")
        ]
        table.add_row(group, str(int(row["questions"])), *cells, f"{row['context used']:.2f}")
    _console().print(table)
    return 0


# -- sync and crawl ---------------------------------------------------------------
def _sync_settings(args: argparse.Namespace) -> SyncSettings:
    """FEEDS, SITES and the fetch settings from the environment and .env, the archive folder checked writable."""
    from pydantic import ValidationError

    from retrieval.sync.settings import SyncSettings

    try:
        settings = SyncSettings(**({"feeds_dir": Path(args.feeds_dir)} if args.feeds_dir else {}))  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise CliError(f"{name} is invalid: {first['msg']}", "fix it in .env (see .env.example)") from None
    folder = settings.feeds_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CliError(
            f"cannot write the archive folder {folder}/ ({exc.strerror or type(exc).__name__})",
            "give a folder you can write: --feeds-dir DIR (or FEEDS_DIR in .env)",
        ) from None
    return settings


def _web_addresses(urls: list[str], example: str) -> None:
    bad = [u for u in urls if not re.match(r"^https?://[^/\s]+", u)]
    if bad:
        raise CliError(f"not a web address: {bad[0]}", f"give http:// or https:// addresses, e.g. {example}")


def _merge_archive(args: argparse.Namespace, folder: Path) -> None:
    """Bring the index up to date with the archive (what `sync` and `crawl` end with)."""
    if not args.no_index and folder.exists():
        engine = _open_engine(_index_dir(args), quiet=True, sources=[folder])
        _console().print(f"The index in {_index_dir(args)}/ holds {engine.params['n_articles']} article(s).")
        engine.close()


def cmd_sync(args: argparse.Namespace) -> int:
    from retrieval.sync.run import sync_feeds
    from retrieval.sync.update import update_archive

    settings = _sync_settings(args)
    _web_addresses(args.urls, "https://baolangson.vn/rss/thoi-su.rss")
    if not (args.urls or settings.feeds or settings.sites):
        raise CliError(
            "no feeds or sites to read",
            "set FEEDS in .env (or SITES, the papers' addresses), or: python -m retrieval sync https://baolangson.vn/rss/thoi-su.rss",
        )
    err = _console(stderr=True)
    progress = (lambda url: err.print(f"[dim]fetching {url}[/]")) if args.verbose else None
    # the URLs given alone; else what the bot's schedule reads: FEEDS, the sites' own feeds, their new sitemap entries
    report = sync_feeds(args.urls, settings, progress) if args.urls else update_archive(settings, progress)
    out = _console()
    sites = f" and {report.sites} site(s)" if report.sites else ""
    out.print(
        f"Read {report.feeds} feed(s) ({report.unchanged} unchanged){sites}, fetched {report.pages} page(s): "
        f"[bold]{len(report.added)}[/] new and {len(report.updated)} updated article(s) in {settings.feeds_dir}/ ({report.took_s:.1f} s)."
    )
    for problem in report.problems:
        err.print(f"[red]skipped[/] {problem}", soft_wrap=True)
    _merge_archive(args, settings.feeds_dir)
    if report.problems:
        err.print(f"{len(report.problems)} feed(s) or page(s) could not be read; they are tried again at the next sync.")
        return EXIT_PROBLEMS
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from retrieval.sync.crawl import crawl_sites
    from retrieval.terminal import crawl_progress, crawl_summary

    if args.since and args.until and args.since > args.until:
        raise CliError(f"--since {args.since} is after --until {args.until}", "swap them, or leave one out")
    if args.max_articles is not None and args.max_articles < 1:
        raise CliError("--max-articles must be 1 or more", "leave it out to take every article in range")
    settings = _sync_settings(args)
    sites = args.sites or settings.sites
    _web_addresses(sites, "https://baolangson.vn")
    if not sites:
        raise CliError("no site to crawl", "set SITES in .env, or: python -m retrieval crawl https://baolangson.vn --since 2018-01-01")
    since, until = (d.isoformat() if d else None for d in (args.since, args.until))
    with crawl_progress(enabled=not args.quiet and sys.stderr.isatty()) as progress:
        report = crawl_sites(sites, settings, since, until, args.max_articles, progress)
    err = _console(stderr=True)
    for problem in report.problems:
        err.print(f"[red]skipped[/] {problem}", soft_wrap=True)
    _console().print(crawl_summary(report, settings.feeds_dir))
    _merge_archive(args, settings.feeds_dir)
    if report.problems:
        err.print(f"{len(report.problems)} site(s), sitemap(s) or page(s) were skipped; the next crawl tries the pages again.")
        return EXIT_PROBLEMS
    return 0


# -- parser -----------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Index Vietnamese news bulletins and answer questions with verbatim quotes.",
        epilog='Example: python -m retrieval index seeds/ && python -m retrieval ask "Bao nhiêu đồng chí được nhận kỷ niệm chương?"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str, example: str) -> argparse.ArgumentParser:
        """A subcommand with its help, an example, and --index."""
        p = sub.add_parser(
            name, help=help_, description=help_, epilog=f"Example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter
        )
        p.add_argument("--index", metavar="DIR", help=f"index folder (default: $BANTIN_INDEX_DIR or ./{DEFAULT_INDEX})")
        return p

    p = add(
        "index",
        "Build the index from bulletin files, folders or .jsonl archives.",
        "python -m retrieval index seeds/ archive.jsonl --index index/",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files, folders or .jsonl (default: {DEFAULT_SOURCES}/)")
    p.add_argument("--k1", type=float, help="BM25 k1 (default: what the index recorded, else 1.5)")
    p.add_argument("--b", type=float, help="BM25 b (default: what the index recorded, else 0.75)")
    p.add_argument("--epsilon", type=float, help="BM25Okapi idf floor factor (default: recorded, else 0.25)")
    p.add_argument("--workers", type=int, default=0, help="segmentation processes (default: all cores)")
    p.add_argument("--add", action="store_true", help="merge these new bulletins into the existing index without re-reading it")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=cmd_index)

    p = add(
        "sync",
        "Fetch new articles from RSS/Atom feeds and index them: the URLs given, else FEEDS, the feeds of SITES and their new sitemap entries.",
        "python -m retrieval sync https://baolangson.vn/rss/thoi-su.rss --index index/",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="feed addresses (default: FEEDS and SITES from the environment or .env)")
    p.add_argument("--feeds-dir", metavar="DIR", help="the archive of fetched articles (default: FEEDS_DIR or var/feeds)")
    p.add_argument("--no-index", action="store_true", help="only fetch into the archive; index later")
    p.add_argument("-v", "--verbose", action="store_true", help="print each page fetched")
    p.set_defaults(func=cmd_sync)

    p = add(
        "crawl",
        "Take a paper's whole archive from its address (robots.txt, sitemaps, else its sections), then index it.",
        "python -m retrieval crawl https://baolangson.vn --since 2018-01-01 --index index/",
    )
    p.add_argument("sites", nargs="*", metavar="SITE_URL", help="the sites' addresses (default: SITES from the environment or .env)")
    p.add_argument("--since", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or after this day")
    p.add_argument("--until", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or before this day")
    p.add_argument("--max-articles", type=int, metavar="N", help="fetch at most N articles this run (the next crawl goes on)")
    p.add_argument("--feeds-dir", metavar="DIR", help="the archive of fetched articles (default: FEEDS_DIR or var/feeds)")
    p.add_argument("--no-index", action="store_true", help="only fetch into the archive; index later")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_crawl)

    p = add(
        "ask",
        "Answer a question with ranked verbatim quotes.",
        'python -m retrieval ask "Tỷ lệ xã tổ chức đối thoại trực tiếp là bao nhiêu?" -k 3\n'
        '  python -m retrieval ask "Ai trao kỷ niệm chương?" --after "Bao nhiêu đồng chí được nhận kỷ niệm chương?"',
    )
    p.add_argument("question", nargs="?", help="the question, in Vietnamese (accents optional)")
    p.add_argument("-k", type=int, default=3, help="how many quotes (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object (JSON Lines with --batch)")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help='JSON Lines of {"id","question"} ("-" for stdin), optionally "after": the id of an earlier line this one follows up; needs --json',
    )
    p.add_argument(
        "--after",
        action="append",
        metavar="QUESTION",
        help="an earlier question this one follows up, as in a chat (repeat for more, oldest first)",
    )
    p.add_argument("--no-refresh", action="store_true", help="don't re-index when the bulletins changed")
    from retrieval.index.layout import MAPPED_BUDGET_MB

    p.add_argument(
        "--index-memory",
        type=int,
        metavar="MB",
        default=MAPPED_BUDGET_MB,
        help=f"index pages a long --batch may hold before giving some back (default {MAPPED_BUDGET_MB}; 0: keep all)",
    )
    p.add_argument(
        "--today", type=_iso_day, metavar="YYYY-MM-DD", help='the day "hôm qua", "tháng trước" count from (default: the clock\'s)'
    )
    p.set_defaults(func=cmd_ask)

    p = add("stats", "Show what the index holds and whether it is up to date.", "python -m retrieval stats")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = add("show", "Print a whole article.", "python -m retrieval show tong-ket-cong-tac-dan-van-nam-2018")
    p.add_argument("doc_id", help="the article id (shown by ask)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = add(
        "eval",
        "Measure answer quality on a question set (optionally against plain BM25Okapi).",
        "python -m retrieval eval data/mlqa_vi/questions.jsonl --docs data/mlqa_vi/passages.jsonl --baseline\n"
        "  python -m retrieval eval questions.jsonl --docs articles.jsonl --conversation",
    )
    p.add_argument("questions", help='JSON Lines {"id","question","answers":[...],"passage_id"}')
    p.add_argument("--docs", nargs="+", metavar="DOCS.jsonl", help="index these documents in a temporary index first")
    p.add_argument("-k", type=int, default=10, help="depth for MRR and recall (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-diacritics", action="store_true", help="type every question without diacritics (đ → d too)")
    p.add_argument("--baseline", action="store_true", help="also run plain rank_bm25.BM25Okapi and show the difference")
    p.add_argument("--misses", metavar="FILE", help="write every question whose gold document is not first (JSON Lines)")
    p.add_argument("--plot", metavar="FILE.png", help="plot recall@1..20 against the baseline")
    p.add_argument("--calibrate", action="store_true", help="report not-found rates with the gold document present and removed")
    p.add_argument("--split", help='only questions whose "split" is this (e.g. train or dev)')
    p.add_argument(
        "--off-topic",
        nargs="+",
        metavar="QUESTIONS.jsonl",
        help='questions the documents cannot answer: report the share answered "not found"',
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N questions")
    p.add_argument(
        "--conversation",
        action="store_true",
        help="ask each question after the ones before it (as in one chat) and beside it alone: follow-ups, topic switches",
    )
    p.set_defaults(func=cmd_eval)
    return parser


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a service manager's stop) unwinds like an error: builds delete their unpublished folder."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        from retrieval.sources.budget import BudgetError, current_budget

        try:
            current_budget()  # reading limits: a malformed BANTIN_READ_* is named before any work
        except BudgetError as exc:
            raise CliError(str(exc), "fix it in .env (see .env.example)") from None
        return func(args)
    except CliError as exc:
        hint = f" Next: {exc.hint}" if exc.hint else ""
        print(f"error: {exc}.{hint}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: one line, details on request
        if args.debug:
            raise
        print(f"error: internal error ({type(exc).__name__}: {exc}). Next: rerun with --debug and report it.", file=sys.stderr)
        return 3
