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
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from retrieval.index.build import Progress
    from retrieval.search.engine import Engine
    from retrieval.sync.settings import SyncSettings

from retrieval.arguments import DEFAULT_INDEX, DEFAULT_SOURCES, build_parser

__all__ = ["build_parser", "main"]

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


def _open_engine(
    index_dir: Path, refresh: bool = True, quiet: bool = False, sources: list[Path] | None = None, index_memory_mb: int | None = None
) -> Engine:
    """The library's open_index, its failures as one line with the next step (``index_memory_mb``: the index pages
    it may hold, 0 for all; None: the library's default)."""
    from retrieval.index.layout import MAPPED_BUDGET_MB, IndexMissing, IndexOutdated
    from retrieval.service import IndexDamaged, open_index

    err = _console(stderr=True)
    megabytes = MAPPED_BUDGET_MB if index_memory_mb is None else index_memory_mb
    budget = megabytes << 20 if megabytes > 0 else None

    def tell(changes: Any) -> None:
        if not quiet:
            err.print(
                f"[yellow]Bulletins changed since the last build ({len(changes.added)} added, {len(changes.changed)} changed, "
                f"{len(changes.removed)} removed); re-indexing …[/]"
            )

    try:
        opened = open_index(index_dir, sources=sources, refresh=refresh, on_refresh=tell, mapped_budget=budget)
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


def _question_error(exc: Exception) -> str:
    from retrieval.batch import question_error

    return question_error(exc)


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
    engine = _open_engine(_index_dir(args), refresh=not args.no_refresh, quiet=args.json, index_memory_mb=args.index_memory)
    if args.batch is None:
        turns = engine.replay([(text, None) for text in earlier], args.today)
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
    from retrieval.batch import answer_batch

    bad = 0
    out = sys.stdout
    for line in answer_batch(engine, source, args.k, args.today):
        if line.record is None:
            bad += 1
            print(f"error: {args.batch}:{line.lineno}: {line.error}", file=sys.stderr)
        else:
            out.write(json.dumps(line.record, ensure_ascii=False) + "\n")
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
def cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    from retrieval.evaluate import EvalOptions, conversation_run, eval_report, load_questions
    from retrieval.index.build import BuildOptions, build_index
    from retrieval.search.engine import Engine
    from retrieval.terminal import conversation_table, eval_tables

    qpath = Path(args.questions)
    for path in [qpath, *(Path(p) for p in args.off_topic or [])]:
        if not path.is_file():
            raise CliError(f"questions file not found: {path}", "give a JSON Lines file of {id, question, answers, passage_id}")
    if args.k < 1 or args.k > 50:
        raise CliError("-k must be between 1 and 50", "e.g. -k 3 (as ask -k)")
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
    title = f"{len(questions)} questions from {qpath}{' typed without diacritics' if args.no_diacritics else ''}"
    try:
        engine.warm_up()
        if args.conversation:
            report = {"questions": str(qpath), "no_diacritics": args.no_diacritics}
            report["conversation"] = conversation_run(engine, questions, args.no_diacritics)
            tables = [conversation_table(report["conversation"], title + ": alone → after the ones before")]
        else:
            options = EvalOptions(args.k, args.no_diacritics, args.baseline, args.calibrate, bool(args.misses), args.plot)
            report = eval_report(engine, questions, off_topic, options, label=str(qpath))
            tables = eval_tables(report, title)
    finally:
        engine.close()
        if tmp:
            tmp.cleanup()
    if args.misses:
        with Path(args.misses).open("w", encoding="utf-8") as fh:
            for m in report.pop("misses", []):
                fh.write(json.dumps(m, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for table in tables:
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


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "index": cmd_index,
    "sync": cmd_sync,
    "crawl": cmd_crawl,
    "ask": cmd_ask,
    "stats": cmd_stats,
    "show": cmd_show,
    "eval": cmd_eval,
}


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a service manager's stop) unwinds like an error: builds delete their unpublished folder."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    parser = build_parser()
    args = parser.parse_args(argv)
    func = COMMANDS.get(args.command or "")
    if func is None:
        parser.print_help()
        return EXIT_USAGE
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
