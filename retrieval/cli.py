"""`python -m retrieval` (also `bantin`): a thin shell over the library for maintainers.

Every command validates its input, calls the library, and turns a failure into one
line that says what to do next, with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["main", "build_parser"]

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
    return Path(args.index or os.environ.get("BANTIN_INDEX_DIR") or DEFAULT_INDEX)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A rich progress bar for long builds; a no-op callback otherwise."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=_console(stderr=True), transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _open_engine(index_dir: Path, refresh: bool = True, quiet: bool = False):
    """Open the index, rebuilding it first if its bulletins changed since it was built."""
    from retrieval.index.build import refresh_index, source_changes
    from retrieval.index.layout import IndexMissing, IndexOutdated, current_generation
    from retrieval.search.engine import Engine

    try:
        current_generation(index_dir)
    except IndexMissing:
        raise CliError(f"no index in {index_dir}/", f"build one: python -m retrieval index {DEFAULT_SOURCES}/ --index {index_dir}") from None
    if refresh and (changes := source_changes(index_dir)):
        err = _console(stderr=True)
        if not quiet:
            err.print(f"[yellow]Bulletins changed since the last build ({len(changes.added)} added, {len(changes.changed)} changed, "
                      f"{len(changes.removed)} removed); re-indexing …[/]")
        report = refresh_index(index_dir, changes=changes)
        for problem in report.problems if report else []:
            err.print(f"[red]skipped[/] {problem}")
    try:
        return Engine.open(index_dir)
    except IndexOutdated as exc:
        raise CliError(str(exc), f"rebuild it: python -m retrieval index --index {index_dir} (or ask without --no-refresh)") from None


# -- index ------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    from retrieval.index.build import BuildError, BuildOptions, add_to_index, build_index
    from retrieval.index.layout import IndexMissing

    paths = [Path(p) for p in (args.paths or [DEFAULT_SOURCES])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CliError(f"not found: {', '.join(missing)}", "give bulletin files, folders or .jsonl archives that exist")
    options = BuildOptions(k1=args.k1, b=args.b, epsilon=args.epsilon)
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
        except BuildError as exc:
            for problem in getattr(exc, "problems", []):
                err.print(f"[red]skipped[/] {problem}")
            raise CliError(str(exc), "check the file names above, or convert the files to UTF-8 text") from None
    if not args.quiet:
        what = f"Added [bold]{report.added}[/] article(s); the index now holds" if args.add else "Indexed"
        out.print(
            f"{what} [bold]{report.n_articles}[/] article(s), {report.n_passages} passage(s) in "
            f"{_index_dir(args)}/ ({report.seconds:.1f} s; {report.segmented} texts segmented, {report.cached} from cache)."
        )
        out.print(f"[dim]Stages: {report.stage_line()}.[/]")
    if report.n_passages < 3:
        err.print("[yellow]warning[/] fewer than 3 passages: BM25Okapi gives every term a negative IDF "
                  "(ln(0.5/1.5) for one passage), so nothing can be found yet; index more bulletins.")
    for problem in report.problems:
        err.print(f"[red]skipped[/] {problem}")
    if report.problems:
        err.print(f"{len(report.problems)} file(s) or record(s) could not be indexed; fix them and run the same command again.")
        return EXIT_PROBLEMS
    return 0


# -- ask --------------------------------------------------------------------------
def _print_result(result, console) -> None:
    from rich.text import Text

    if result.not_found:
        console.print(Text(f"Không tìm thấy thông tin phù hợp cho: {result.question}", style="yellow"))
        console.print(Text("Hint: use fewer, more specific words, or the accented form.", style="dim"))
        return
    for i, hit in enumerate(result.hits, start=1):
        header = Text(f"{i}. {hit.title}", style="bold")
        header.append(f"  {hit.date or 'không rõ ngày'}", style="cyan")
        header.append(f"  [{hit.doc_id} #{hit.passage_id}, score {hit.score:.2f}]", style="dim")
        console.print(header)
        body = Text(hit.text)
        if hit.answer:
            body.stylize("bold black on yellow", hit.answer.start, hit.answer.end)
        console.print(body)
        if hit.answer:
            console.print(Text(f"→ {hit.answer.text}", style="bold green"))
        console.print()


def _read_batch(source: TextIO) -> Iterator[tuple[int, dict | None, str | None]]:
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


def cmd_ask(args: argparse.Namespace) -> int:
    if args.k < 1 or args.k > 50:
        raise CliError("-k must be between 1 and 50", "e.g. -k 3")
    if args.batch is None and not (args.question or "").strip():
        raise CliError("no question given", 'ask like: python -m retrieval ask "Bao nhiêu đồng chí được nhận kỷ niệm chương?"')
    if args.batch is not None and not args.json:
        raise CliError("--batch writes JSON Lines and needs --json", "add --json")
    engine = _open_engine(_index_dir(args), refresh=not args.no_refresh, quiet=args.json)
    if args.batch is None:
        result = engine.search(args.question.strip(), k=args.k)
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            _print_result(result, _console())
        return 0
    engine.warm_up()  # thousands of questions: load the compiled kernels once
    if args.batch == "-":
        source = sys.stdin
    else:
        path = Path(args.batch)
        if not path.is_file():
            raise CliError(f"batch file not found: {path}", "give a JSON Lines file of {\"id\", \"question\"} objects, or - for stdin")
        source = path.open(encoding="utf-8-sig")
    bad = 0
    out = sys.stdout
    for lineno, obj, error in _read_batch(source):
        if obj is None:
            bad += 1
            print(f"error: {args.batch}:{lineno}: {error}", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        result = engine.search(obj["question"], k=args.k)
        took = (time.perf_counter() - t0) * 1000
        record = {"id": obj.get("id"), **result.as_dict(), "took_ms": round(took, 3)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        print(f"{bad} line(s) skipped; fix them and run again.", file=sys.stderr)
        return EXIT_PROBLEMS
    return 0


# -- stats / show -----------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from rich.table import Table

    from retrieval.index.build import is_stale

    engine = _open_engine(_index_dir(args), refresh=False)
    p = engine.params
    size = sum(f.stat().st_size for f in engine.gen.iterdir() if f.is_file())
    if args.json:
        print(json.dumps({k: p[k] for k in ("n_articles", "n_passages", "built_at", "inputs", "fields", "problems", "bm25", "weights")}
                         | {"bytes": size, "stale": is_stale(_index_dir(args))}, ensure_ascii=False, indent=2))
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
    console.print(table)
    fields = Table("field", "terms", "postings", "avg length")
    for name, meta in p["fields"].items():
        fields.add_row(name, f"{meta['terms']:,}", f"{meta['postings']:,}", f"{meta['avgdl']:.1f}")
    console.print(fields)
    latest = Table("latest", "date", "title")
    for art in engine.latest(5):
        latest.add_row(art.doc_id, art.date or "—", art.title)
    console.print(latest)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from rich.text import Text

    engine = _open_engine(_index_dir(args), refresh=False)
    art = engine.article(args.doc_id)
    if art is None:
        raise CliError(f'no article "{args.doc_id}" in the index', "find ids with: python -m retrieval ask \"...\" or stats")
    if args.json:
        print(json.dumps(art.__dict__, ensure_ascii=False))
        return 0
    console = _console()
    console.print(Text(art.title, style="bold"))
    console.print(Text(" · ".join(x for x in (art.date, art.author, art.source, art.url) if x), style="cyan"))
    console.print()
    console.print(Text(art.text))
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
        p = sub.add_parser(name, help=help_, description=help_, epilog=f"Example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--index", metavar="DIR", help=f"index folder (default: $BANTIN_INDEX_DIR or ./{DEFAULT_INDEX})")
        return p

    p = add("index", "Build the index from bulletin files, folders or .jsonl archives.", "python -m retrieval index seeds/ archive.jsonl --index index/")
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files, folders or .jsonl (default: {DEFAULT_SOURCES}/)")
    p.add_argument("--k1", type=float, default=1.5, help="BM25 k1 (default 1.5)")
    p.add_argument("--b", type=float, default=0.75, help="BM25 b (default 0.75)")
    p.add_argument("--epsilon", type=float, default=0.25, help="BM25Okapi idf floor factor (default 0.25)")
    p.add_argument("--workers", type=int, default=0, help="segmentation processes (default: all cores)")
    p.add_argument("--add", action="store_true", help="merge these new bulletins into the existing index without re-reading it")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=cmd_index)

    p = add("ask", "Answer a question with ranked verbatim quotes.", 'python -m retrieval ask "Tỷ lệ xã tổ chức đối thoại trực tiếp là bao nhiêu?" -k 3')
    p.add_argument("question", nargs="?", help="the question, in Vietnamese (accents optional)")
    p.add_argument("-k", type=int, default=3, help="how many quotes (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object (JSON Lines with --batch)")
    p.add_argument("--batch", metavar="FILE", help='JSON Lines of {"id","question"} ("-" for stdin); needs --json')
    p.add_argument("--no-refresh", action="store_true", help="don't re-index when the bulletins changed")
    p.set_defaults(func=cmd_ask)

    p = add("stats", "Show what the index holds and whether it is up to date.", "python -m retrieval stats")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = add("show", "Print a whole article.", "python -m retrieval show tong-ket-cong-tac-dan-van-nam-2018")
    p.add_argument("doc_id", help="the article id (shown by ask)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    from retrieval.evaluate import add_eval_command

    add_eval_command(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
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
