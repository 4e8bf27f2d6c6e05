"""OCR speed and accuracy on drawn pages: pages a minute on both cores, characters right, at two resolutions.

    python benchmarks/ocr_speed.py [--pages 8] [--dpi 300,200]

Each page is an A4 bulletin page drawn with Pillow (tests/scans.py, text the tests own), turned 0.8°, blurred
and speckled, and scaled to the resolution asked. The pages go into one scanned PDF and one folder of PNGs; both
are indexed by the CLI (`python -m retrieval index`, a real subprocess, so the build around OCR counts) into a
fresh index each time. Reports, per resolution: pages a minute and seconds a page of the whole build, the build's
peak memory (the process tree's RSS, sampled), and characters right (difflib ratio of the text read against the
text drawn), as one JSON object per line. It also times the refusals: a picture claiming 10^10 pixels and a scan
over BANTIN_READ_OCR_PAGES, each beside the seed, named within how many seconds at what peak memory.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_site import tree_rss  # noqa: E402
from retrieval.sources.ocr import ocr_status  # noqa: E402
from tests.scans import bomb_png, draw_page, pdf_of, speckled  # noqa: E402

TEXT = [
    "LSO-Ngày {n}/12, Ban Dân vận Tỉnh ủy tổ chức hội nghị giao ban công tác dân vận khối cơ quan lần thứ {n}.",
    "Tại hội nghị, các đại biểu đã thảo luận về kết quả thực hiện phong trào thi đua dân vận khéo trong năm.",
    "Toàn tỉnh có {m} mô hình dân vận khéo được công nhận ở các cấp, tăng {k} mô hình so với cùng kỳ năm trước.",
    "Hội nghị đề ra nhiệm vụ trọng tâm năm tới: nâng cao chất lượng đối thoại giữa người đứng đầu cấp ủy với nhân dân.",
]


def page_text(n: int) -> tuple[str, list[str]]:
    return f"Bản tin dân vận số {n}", [t.format(n=n + 1, m=100 + 7 * n, k=3 + n) for t in TEXT]


def run(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The command's result, seconds and peak RSS (MB) of its process tree."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(command, proc.returncode, out, err), time.monotonic() - started, peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--dpi", default="300,200")
    args = ap.parse_args()
    usable, line = ocr_status()
    if not usable:
        sys.exit(f"OCR is not available here: {line}")
    env = dict(os.environ)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bantin-ocr-") as tmp:
        work = Path(tmp)
        for dpi in (int(d) for d in args.dpi.split(",")):
            scale = dpi / 300
            drawn, images = [], []
            for n in range(args.pages):
                title, paras = page_text(n)
                page = speckled(draw_page(title, paras), seed=n)
                if scale != 1:
                    page = page.resize((round(page.width * scale), round(page.height * scale)))
                images.append(page)
                drawn.append(" ".join([title, *paras]))
            folder = work / f"png-{dpi}"
            folder.mkdir()
            shutil.copytree(ROOT / "seeds", folder / "seeds")
            for n, image in enumerate(images):
                buf = io.BytesIO()
                image.save(buf, "PNG", dpi=(dpi, dpi))
                (folder / f"trang-{n:02d}.png").write_bytes(buf.getvalue())
            (work / f"scan-{dpi}.pdf").write_bytes(pdf_of(images))
            for kind, target in (("png folder", [str(folder)]), ("scanned pdf", [str(work / f"scan-{dpi}.pdf"), str(ROOT / "seeds")])):
                index = work / f"index-{dpi}-{kind.replace(' ', '-')}"
                done, seconds, peak = run([python, "-m", "retrieval", "index", *target, "--index", str(index), "-q"], env)
                texts = run([python, "-m", "retrieval", "stats", "--index", str(index), "--json"], env)[0]
                read = []
                if kind == "png folder":
                    for n in range(args.pages):
                        shown = run([python, "-m", "retrieval", "show", f"trang-{n:02d}", "--index", str(index), "--json"], env)[0]
                        article = json.loads(shown.stdout)
                        read.append(" ".join([article["title"], *article["text"].split("\n\n")]))
                    right = difflib.SequenceMatcher(None, " ".join(drawn), " ".join(read), autojunk=False).ratio()
                else:
                    right = float("nan")
                row = {
                    "dpi": dpi,
                    "input": kind,
                    "pages": args.pages,
                    "exit": done.returncode,
                    "build_s": round(seconds, 1),
                    "s_per_page": round(seconds / args.pages, 2),
                    "pages_per_minute": round(60 * args.pages / seconds, 1),
                    "peak_rss_mb": round(peak),
                    "chars_right": round(right, 4) if right == right else None,
                    "ocr_articles": json.loads(texts.stdout).get("ocr_articles") if texts.returncode == 0 else None,
                }
                print(json.dumps(row, ensure_ascii=False), flush=True)
        # refusals beside the seed: a pixel bomb, and a scan over its page budget
        for name, data, extra in (
            ("bom.png", bomb_png(), {}),
            ("dai.pdf", pdf_of([draw_page(f"Trang {n}", TEXT[:1]) for n in range(12)]), {"BANTIN_READ_OCR_PAGES": "10"}),
        ):
            folder = work / f"refuse-{name}"
            shutil.copytree(ROOT / "seeds", folder)
            (folder / name).write_bytes(data)
            done, seconds, peak = run(
                [python, "-m", "retrieval", "index", str(folder), "--index", str(work / f"i-{name}"), "-q"], env | extra
            )
            named = next((line for line in done.stderr.splitlines() if name in line), "")
            print(
                json.dumps(
                    {
                        "refused": name,
                        "exit": done.returncode,
                        "named_within_s": round(seconds, 1),
                        "peak_rss_mb": round(peak),
                        "said": named[:160],
                    },
                    ensure_ascii=False,
                )
            )


if __name__ == "__main__":
    main()
