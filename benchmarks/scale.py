"""Archive-scale benchmark: build, serve and query the index at several sizes, beside plain rank_bm25.

Generates a deterministic synthetic archive that looks like the bulletins (words drawn from
pyvi's own dictionary with a Zipf distribution, 15–30-syllable sentences, paragraphs, titles,
dates, captions, numbers), or takes a real JSON Lines archive, builds the index with the
project's own CLI in a subprocess, and prints one table:

    python benchmarks/scale.py --sizes 10000,100000,1000000
    python benchmarks/scale.py --archive real.jsonl --questions 1000
    # the real-archive figure (issue 20): the news archive with the 4,496 real news questions
    python benchmarks/scale.py --archive /tmp/news_archive/articles.jsonl --work /tmp/scale \
        --real-questions ../shared/data/vinewsqa_dev/questions.jsonl [--reuse-index]

Figures per size: build time and passages/s beside pyvi's own segmentation time for the same
text on every core; peak memory while building and while serving (largest process RSS); index
size on disk; cold start (process start to first answer); query latency p50/p95/p99 over the
questions (analyzer, every field, answer span: the ``took_ms`` of ``ask --batch``); the exact-
scoring step alone beside a bare compiled CSR loop over the same arrays; adding 100 articles;
and, at the largest size it is run at, rank_bm25.BM25Okapi's per-question time with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# Runs a command as a child and reports wall time and the largest RSS of it and its descendants.
_MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
sys.stderr.write(p.stderr.decode("utf-8", "replace")[-2000:])
print(json.dumps({"rc": p.returncode, "wall": wall, "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stdout": p.stdout.decode("utf-8", "replace"), "stderr": p.stderr.decode("utf-8", "replace")[-4000:]}))
"""
# Runs the CLI, then reports its own memory: private (anonymous) and file-backed (mapped index pages).
_SERVE = r"""
import json, sys
from retrieval.cli import main
rc = main(sys.argv[1:])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
kb = lambda key: int(status.get(key, "0 kB").split()[0])
sys.stderr.write("MEMORY " + json.dumps({"anon_kb": kb("RssAnon"), "file_kb": kb("RssFile"), "hwm_kb": kb("VmHWM")}) + "\n")
sys.exit(rc)
"""


def measured(cmd: list[str], stdin_path: Path | None = None, preexec_fn=None) -> dict:
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115 (closed in the finally below)
    try:
        out = subprocess.run(
            [sys.executable, "-c", _MEASURE, *cmd], stdin=stdin, capture_output=True, text=True, check=True, preexec_fn=preexec_fn
        )
    finally:
        if stdin_path:
            stdin.close()
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed: {out.stderr[-800:]}")
    return result


# -- the synthetic archive --------------------------------------------------------------
class Generator:
    """Deterministic bulletin-like text from pyvi's dictionary, Zipf-distributed."""

    def __init__(self, seed: int = 7) -> None:
        from retrieval.text.segment import _pyvi_dir

        words = [
            w
            for w in (_pyvi_dir() / "models" / "words.txt").read_text(encoding="utf-8").split("\n")
            if w and w == w.lower() and all(part.isalpha() for part in w.split(" "))
        ]
        self.rng = random.Random(seed)
        self.rng.shuffle(words)
        ranks = np.arange(1, len(words) + 1, dtype=np.float64)
        p = 1.0 / ranks**1.07
        self.cum = np.cumsum(p / p.sum())
        self.words = words
        self.np_rng = np.random.default_rng(seed)
        self.surnames = [
            "Nguyễn",
            "Trần",
            "Lê",
            "Phạm",
            "Hoàng",
            "Vũ",
            "Đặng",
            "Bùi",
            "Đỗ",
            "Hồ",
            "Ngô",
            "Dương",
            "Lý",
            "Nông",
            "Hà",
            "Lương",
        ]
        self.given = [
            "Văn",
            "Thị",
            "Minh",
            "Hồng",
            "Thanh",
            "Quang",
            "Đức",
            "Anh",
            "Hải",
            "Tuấn",
            "Lan",
            "Hương",
            "Dũng",
            "Nghiệm",
            "Phương",
            "Dung",
        ]
        self.units = ["đồng chí", "hộ", "người", "xã", "km", "tỷ đồng", "ha", "học sinh", "mô hình", "đảng viên"]

    def _word(self) -> str:
        return self.words[int(np.searchsorted(self.cum, self.np_rng.random()))]

    def sentence(self) -> str:
        target = self.rng.randint(15, 30)
        parts: list[str] = []
        n = 0
        while n < target:
            r = self.rng.random()
            if r < 0.03:
                part = f"{self.rng.randint(2, 900)} {self.rng.choice(self.units)}"
            elif r < 0.04:
                part = f"{self.rng.randint(1, 99)},{self.rng.randint(10, 99)}%"
            elif r < 0.05:
                part = f"ngày {self.rng.randint(1, 28)}/{self.rng.randint(1, 12)}"
            elif r < 0.06:
                part = f"đồng chí {self.rng.choice(self.surnames)} {self.rng.choice(self.given)} {self.rng.choice(self.given)}"
            else:
                part = self._word()
            parts.append(part)
            n += len(part.split())
            if self.rng.random() < 0.08 and n < target - 3:
                parts[-1] += ","
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        out = []
        while True:
            out.append(self.sentence())
            text = " ".join(out)
            if len(text) > 250 or len(out) >= 4:
                return text[:590].rsplit(" ", 1)[0] + "." if len(text) > 590 else text

    def article(self, i: int, n_paragraphs: int) -> dict:
        title = " ".join(self._word() for _ in range(self.rng.randint(4, 8)))
        day, month, year = self.rng.randint(1, 28), self.rng.randint(1, 12), self.rng.randint(2000, 2025)
        paragraphs = [f"LSO-Sáng nay ({day}/{month}), {self.paragraph()}"]
        if self.rng.random() < 0.3:
            paragraphs.append(
                f"Đồng chí {self.rng.choice(self.surnames)} {self.rng.choice(self.given)} {self.rng.choice(self.given)} phát biểu tại hội nghị"
            )
        paragraphs += [self.paragraph() for _ in range(n_paragraphs - 1)]
        return {
            "id": f"syn-{i:07d}",
            "title": title[0].upper() + title[1:],
            "date": f"{year}-{month:02d}-{day:02d}",
            "text": "\n\n".join(paragraphs),
            "author": "PHÓNG VIÊN",
        }


def write_archive(path: Path, n_passages: int, seed: int, start: int = 0) -> int:
    """About ``n_passages`` passages in articles of 3–5 paragraphs; returns the article count."""
    gen = Generator(seed)
    n = 0
    i = start
    with path.open("w", encoding="utf-8") as fh:
        while n < n_passages:
            k = gen.rng.randint(3, 5)
            fh.write(json.dumps(gen.article(i, k), ensure_ascii=False) + "\n")
            n += k
            i += 1
    return i - start


def make_questions(archive: Path, n: int, seed: int, unaccented_share: float = 0.3) -> list[dict]:
    """Questions made from random passages: an 8–12 syllable stretch of a sentence and a question word.

    Real news questions carry about 10 content syllables (and the question word, which is not scored).
    """
    from retrieval.text.normalize import fold_accents

    rng = random.Random(seed)
    lines = archive.read_text(encoding="utf-8").splitlines()
    out = []
    for qid in range(n):
        art = json.loads(rng.choice(lines))
        para = rng.choice(art["text"].split("\n\n"))
        words = para.replace(",", "").replace(".", "").split()
        if len(words) < 12:
            words = (art["title"] + " " + para).split()
        start = rng.randint(0, max(0, len(words) - 12))
        stretch = " ".join(words[start : start + rng.randint(8, 12)])
        q = rng.choice(["Bao nhiêu {}?", "Ai {}?", "{} khi nào?", "{} ở đâu?", "{} như thế nào?"]).format(stretch)
        if rng.random() < unaccented_share:
            q = fold_accents(q)
        out.append({"id": qid, "question": q, "doc": art["id"]})
    return out


def pyvi_alone(archive: Path, workers: int) -> float:
    """Seconds real pyvi takes to segment every title and passage of the archive on ``workers`` cores."""
    from retrieval.sources.passages import split_passages
    from retrieval.sources.reader import read_sources

    texts = []
    for art in read_sources([archive]).articles:
        texts.append(art.title)
        texts.extend(p.text for p in split_passages(art))
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, initializer=_load_real_pyvi) as pool:
        list(pool.map(_real_pyvi, texts, chunksize=64))
    return time.perf_counter() - t


def _load_real_pyvi() -> None:
    from pyvi import ViTokenizer  # noqa: F401 (load before the clock matters)


def _real_pyvi(text: str) -> str:
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize(text)


def scoring_step(index: Path, questions: list[dict]) -> dict:
    """The exact-scoring step alone (one field: accent-free syllables, top 10) beside a bare compiled loop.

    The bare loop is the issue's reference: CSR rows of int32 passage ids and float32 weights
    (8 bytes a posting), summed into a dense array, then a k-best scan. Ours reads the index as
    stored (4 bytes a posting, float64 weights from idf × saturation; see retrieval/postings.py).
    """
    from numba import njit

    from retrieval.index.kernels import compiled
    from retrieval.index.layout import current_generation, read_params
    from retrieval.index.matrix import FieldMatrix
    from retrieval.index.postings import decode_docs
    from retrieval.text.analyzer import analyze_question

    @njit(cache=False, nogil=True)
    def bare_loop(scores, rows, indptr, docs, weights, k):  # the reference: CSR row sums, then a k-best scan
        for r in rows:
            for j in range(indptr[r], indptr[r + 1]):
                scores[docs[j]] += weights[j]
        out = np.full(k, -1, dtype=np.int64)
        vals = np.full(k, 0.0)
        for i in range(scores.shape[0]):
            s = scores[i]
            if s > vals[k - 1]:
                j = k - 1
                while j > 0 and vals[j - 1] < s:
                    vals[j] = vals[j - 1]
                    out[j] = out[j - 1]
                    j -= 1
                vals[j] = s
                out[j] = i
        return out

    gen = current_generation(index)
    params = read_params(gen)
    m = FieldMatrix.load(gen, "fold1", params["fields"]["fold1"]["avgdl"])
    # the reference layout, materialised from ours
    indptr = np.asarray(m.run_start)[np.asarray(m.run_ptr)]
    docs = decode_docs(m.run_high, m.run_start, m.low)
    weights = (np.repeat(np.asarray(m.idf), np.diff(indptr)) * np.asarray(m.sat)[np.asarray(m.code)]).astype(np.float32)
    rows = [m.rows(analyze_question(q["question"]).terms["fold1"]) for q in questions]
    ours, bare = [], []
    k = compiled()
    scratch = np.zeros(m.n_docs)
    bare_loop(scratch, rows[0], indptr, docs, weights, 10)  # compile
    k.accumulate(scratch, rows[0], np.ones(len(rows[0])), *m.postings)

    def ours_once(r: np.ndarray) -> float:
        t = time.perf_counter()
        scores = np.zeros(m.n_docs)
        k.accumulate(scores, r, np.ones(len(r)), *m.postings)
        k.top_k(scores, 10)
        return (time.perf_counter() - t) * 1000

    def bare_once(r: np.ndarray) -> float:
        t = time.perf_counter()
        bare_loop(np.zeros(m.n_docs), r, indptr, docs, weights, 10)
        return (time.perf_counter() - t) * 1000

    for i, r in enumerate(rows):  # alternate which goes first, best of 3: no cache-order bias
        pair = (ours_once, bare_once) if i % 2 else (bare_once, ours_once)
        best = {f: min(f(r) for _ in range(3)) for f in pair}
        ours.append(best[ours_once])
        bare.append(best[bare_once])
    postings = float(np.mean([int((indptr[r + 1] - indptr[r]).sum()) for r in rows]))
    return {
        "ours_p50": pct(ours, 50),
        "ours_p95": pct(ours, 95),
        "bare_p50": pct(bare, 50),
        "bare_p95": pct(bare, 95),
        "postings": postings,
    }


def rank_bm25_run(archive: Path, questions: list[dict], n_questions: int) -> dict:
    """Plain rank_bm25.BM25Okapi over the same passages' syllables (as the issue's reference figures)."""
    import resource

    from rank_bm25 import BM25Okapi

    from retrieval.sources.passages import split_passages
    from retrieval.sources.reader import read_sources
    from retrieval.text.analyzer import analyze_question, document_terms

    t = time.perf_counter()
    corpus = [document_terms(p.text)["syl"] for a in read_sources([archive]).articles for p in split_passages(a)]
    bm = BM25Okapi(corpus)
    build = time.perf_counter() - t
    times = []
    for q in questions[:n_questions]:
        t = time.perf_counter()
        tokens = analyze_question(q["question"]).terms["syl"]
        scores = bm.get_scores(tokens)
        np.argsort(scores)[::-1][:10]
        times.append((time.perf_counter() - t) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"build_s": build, "p50": pct(times, 50), "p95": pct(times, 95), "n": len(times), "rss_mb": rss}


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_size(work: Path, n_passages: int | None, archive: Path | None, args: argparse.Namespace) -> dict:
    from retrieval.index.layout import current_generation, read_params

    label = archive.name if archive else f"{n_passages:,}"
    if archive is None:
        archive = work / f"archive-{n_passages}.jsonl"
        if not archive.exists():
            write_archive(archive, n_passages, seed=11)
    index = work / f"index-{label}"
    cli = [sys.executable, "-m", "retrieval"]
    if args.reuse_index and (index / "CURRENT").exists():
        print(f"[{label}] reusing the index in {index} (build not measured)", file=sys.stderr, flush=True)
        build = {"wall": float("nan"), "max_rss_kb": float("nan")}
    else:
        for suffix in ("", "-wal", "-shm"):  # measure a cold build: nothing segmented yet
            (index / f"cache.sqlite{suffix}").unlink(missing_ok=True)
        print(f"[{label}] building …", file=sys.stderr, flush=True)
        build = measured([*cli, "index", str(archive), "--index", str(index), "--quiet"])
    gen = current_generation(index)
    params = read_params(gen)
    n = int(params["n_passages"])
    print(f"[{label}] {n:,} passages in {build['wall']:.1f} s; pyvi alone …", file=sys.stderr, flush=True)
    alone = pyvi_alone(archive, os.cpu_count() or 1) if not args.skip_pyvi else float("nan")
    if args.real_questions:
        if not args.real_questions.exists():
            sys.exit(f"Questions not found: {args.real_questions} (the news sets live in ../shared/data, beside the project).")
        # real questions of other articles: only their cost counts (own_doc_first is then not measured)
        questions = [
            {"id": i, "question": json.loads(line)["question"], "doc": None}
            for i, line in enumerate(args.real_questions.read_text(encoding="utf-8").splitlines())
            if line.strip()
        ]
    else:
        questions = make_questions(archive, args.questions, seed=5)
    qfile = work / f"questions-{label}.jsonl"
    qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    serve = measured(
        [sys.executable, "-c", _SERVE, "ask", "--batch", "-", "--json", "--index", str(index), "--no-refresh"], stdin_path=qfile
    )
    memory = json.loads(serve["stderr"].split("MEMORY ", 1)[1].splitlines()[0]) if "MEMORY " in serve["stderr"] else {}
    took = [json.loads(line)["took_ms"] for line in serve["stdout"].splitlines()]
    first_doc = sum(
        1
        for line, q in zip(serve["stdout"].splitlines(), questions, strict=False)
        if (hits := json.loads(line)["hits"]) and hits[0]["doc_id"] == q["doc"]
    )
    colds = []
    for _ in range(3):
        colds.append(measured([*cli, "ask", questions[0]["question"], "--json", "--index", str(index), "--no-refresh"])["wall"])
    step = scoring_step(index, questions[: min(len(questions), 300)])
    extra = work / f"extra-{label}.jsonl"
    gen_extra = Generator(seed=99)
    with extra.open("w", encoding="utf-8") as fh:
        for i in range(100):
            fh.write(json.dumps(gen_extra.article(9_000_000 + i, 4), ensure_ascii=False) + "\n")
    add = measured([*cli, "index", "--add", str(extra), "--index", str(index), "--quiet"])
    row = {
        "size": label,
        "passages": n,
        "articles": int(params["n_articles"]),
        "build_s": build["wall"],
        "passages_per_s": n / build["wall"],
        "pyvi_alone_s": alone,
        "build_vs_pyvi": build["wall"] / alone if alone == alone else float("nan"),
        "build_peak_mb": build["max_rss_kb"] / 1024,
        "serve_peak_mb": serve["max_rss_kb"] / 1024,
        "serve_private_mb": memory.get("anon_kb", float("nan")) / 1024,
        "serve_mapped_mb": memory.get("file_kb", float("nan")) / 1024,
        "index_mb": dir_size(gen) / 1e6,
        "cold_start_s": statistics.median(colds),
        "cold_start_first_s": colds[0],
        "q_p50_ms": pct(took, 50),
        "q_p95_ms": pct(took, 95),
        "q_p99_ms": pct(took, 99),
        "questions": len(took),
        "own_doc_first": first_doc / max(len(took), 1) if not args.real_questions else float("nan"),
        "score_step_p50_ms": step["ours_p50"],
        "score_step_p95_ms": step["ours_p95"],
        "bare_loop_p50_ms": step["bare_p50"],
        "bare_loop_p95_ms": step["bare_p95"],
        "postings_per_q": step["postings"],
        "add100_s": add["wall"],
    }
    if n <= args.bm25_max:
        print(f"[{label}] rank_bm25 …", file=sys.stderr, flush=True)
        ref = rank_bm25_run(archive, questions, args.bm25_questions)
        row.update(
            {
                "bm25_p50_ms": ref["p50"],
                "bm25_p95_ms": ref["p95"],
                "bm25_build_s": ref["build_s"],
                "bm25_rss_mb": ref["rss_mb"],
                "speedup_p50": ref["p50"] / row["q_p50_ms"],
                "speedup_p95": ref["p95"] / row["q_p95_ms"],
            }
        )
    return row


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="bantin at archive scale (2 cores)")
    table.add_column("figure")
    for r in rows:
        table.add_column(r["size"], justify="right")
    spec = [
        ("passages", "{:,}"),
        ("articles", "{:,}"),
        ("build_s", "{:.1f} s"),
        ("passages_per_s", "{:,.0f}"),
        ("pyvi_alone_s", "{:.1f} s"),
        ("build_vs_pyvi", "{:.2f}×"),
        ("build_peak_mb", "{:,.0f} MB"),
        ("serve_peak_mb", "{:,.0f} MB"),
        ("serve_private_mb", "{:,.0f} MB"),
        ("serve_mapped_mb", "{:,.0f} MB"),
        ("index_mb", "{:,.0f} MB"),
        ("cold_start_s", "{:.2f} s"),
        ("cold_start_first_s", "{:.2f} s"),
        ("q_p50_ms", "{:.2f} ms"),
        ("q_p95_ms", "{:.2f} ms"),
        ("q_p99_ms", "{:.2f} ms"),
        ("own_doc_first", "{:.3f}"),
        ("postings_per_q", "{:,.0f}"),
        ("score_step_p50_ms", "{:.2f} ms"),
        ("score_step_p95_ms", "{:.2f} ms"),
        ("bare_loop_p50_ms", "{:.2f} ms"),
        ("bare_loop_p95_ms", "{:.2f} ms"),
        ("add100_s", "{:.1f} s"),
        ("bm25_build_s", "{:.0f} s"),
        ("bm25_p50_ms", "{:,.0f} ms"),
        ("bm25_p95_ms", "{:,.0f} ms"),
        ("bm25_rss_mb", "{:,.0f} MB"),
        ("speedup_p50", "{:,.0f}×"),
        ("speedup_p95", "{:,.0f}×"),
    ]
    for key, fmt in spec:
        table.add_row(key, *[fmt.format(r[key]) if key in r and r[key] == r[key] else "—" for r in rows])
    Console().print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="passage counts, comma-separated (default 10000,100000)")
    ap.add_argument("--archive", type=Path, help="a real JSON Lines archive instead of synthetic text")
    ap.add_argument("--questions", type=int, default=1000, help="questions per size (default 1000)")
    ap.add_argument("--bm25-max", type=int, default=1_000_000, help="largest size to run rank_bm25 at")
    ap.add_argument("--bm25-questions", type=int, default=20, help="questions for rank_bm25 (it takes seconds each at 1M)")
    ap.add_argument("--skip-pyvi", action="store_true", help="skip timing pyvi alone")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--real-questions", type=Path, help='JSON Lines with a "question" field: ask these instead of generated ones')
    ap.add_argument("--reuse-index", action="store_true", help="serve the index already in --work instead of building it again")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bantin-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    if args.archive:
        rows.append(run_size(work, None, args.archive, args))
    else:
        for size in (int(s) for s in args.sizes.split(",")):
            rows.append(run_size(work, size, None, args))
            print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print_table(rows)


if __name__ == "__main__":
    main()
