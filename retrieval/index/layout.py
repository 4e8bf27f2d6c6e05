"""The index folder on disk: generations, an atomic CURRENT pointer, and freshness checks.

    index/
      CURRENT          name of the live generation (replaced atomically)
      gen-<id>/        params.json, store.sqlite, <field>.<array>.npy
      cache.sqlite     segmented passages by content hash (survives rebuilds)

A build writes a new generation and only then swaps CURRENT, so a crash while
writing leaves the previous index usable and readers never see half an index.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.lib.format as npformat

__all__ = [
    "FORMAT_VERSION",
    "MAPPED_BUDGET_MB",
    "READABLE_FORMATS",
    "IndexBusy",
    "IndexMissing",
    "IndexOutdated",
    "Maps",
    "build_lock",
    "current_generation",
    "drop_cached",
    "load_array",
    "new_generation",
    "publish",
    "read_params",
    "remove_orphans",
    "source_state",
    "write_params",
]

PARAMS = "params.json"
CURRENT = "CURRENT"
# Bump when the files of a generation change: older generations are then rebuilt, not opened.
FORMAT_VERSION = 7
# Formats this version opens: 7 added tail segments (``index --add``); a format-6 generation is a 7 without tails,
# and a version that reads only 6 refuses a 7 instead of missing the tails' passages.
READABLE_FORMATS = (6, 7)


class IndexMissing(FileNotFoundError):
    """No usable index in the folder."""


class IndexBusy(RuntimeError):
    """Another build holds the index folder's lock."""

    def __init__(self, index_dir: Path, pid: str) -> None:
        super().__init__(f"another build (pid {pid or '?'}) is writing {index_dir}/")
        self.pid = pid


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the folder's build lock: one build or merge at a time (readers never need it).

    The lock is the kernel's (flock), so a killed build releases it by dying; the file keeps the
    holder's pid for the message.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".build.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(index_dir, os.pread(fd, 32, 0).decode(errors="replace").strip()) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


class IndexOutdated(IndexMissing):
    """The index was written by an older version of this program (its files are laid out differently)."""


def current_generation(index_dir: Path) -> Path:
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index in {index_dir}") from None
    gen = index_dir / name
    if not (gen / PARAMS).is_file():
        raise IndexMissing(f"index in {index_dir} is incomplete (generation {name} missing)")
    return gen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_orphans(index_dir: Path) -> None:
    """Delete the tmp-* folders of builds whose process is gone (killed, or the machine restarted)."""
    for stale in index_dir.glob("tmp-*"):
        parts = stale.name.split("-")
        pid = int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else None
        orphan = not _alive(pid) if pid is not None else time.time() - stale.stat().st_mtime > 3600
        if stale.is_dir() and orphan and pid != os.getpid():
            shutil.rmtree(stale, ignore_errors=True)


def new_generation(index_dir: Path) -> Path:
    """A fresh, private folder for a build, named with the building process's id so orphans are recognisable."""
    index_dir.mkdir(parents=True, exist_ok=True)
    remove_orphans(index_dir)
    gen = index_dir / f"tmp-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    gen.mkdir()
    return gen


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, prefix: str) -> None:
    """Write ``data`` to ``path`` whole or not at all: a hidden temporary file (``prefix``) in the same folder,
    synced, then renamed over ``path``; a failure or a kill leaves no temporary file behind it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def drop_cached(fd: int) -> None:
    """Drop a synced file's pages from the kernel's cache (a hint; pages some process maps stay).

    A build writes each array in large writes, and the kernel may keep what it wrote in large folios (ext4 on
    Linux 6.16 and later): a server that maps the file is then charged up to 2 MB of resident memory for
    every posting list it reads, however short (measured on 6.18: one byte read, 2,048 kB resident). Read
    back on demand, the file comes into the cache page by page and a fault maps 64 kB around it, so the
    memory a server holds is what its questions read. The first questions after a build read from disk.
    """
    if hasattr(os, "posix_fadvise"):  # not on macOS: nothing to drop there
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def publish(index_dir: Path, tmp_gen: Path, keep: int = 2) -> Path:
    """Make ``tmp_gen`` the live generation; delete all but the newest ``keep`` generations."""
    for f in tmp_gen.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
            if f.suffix == ".npy" and os.fstat(fh.fileno()).st_nlink == 1:  # a link (`--add`) was dropped when first published
                drop_cached(fh.fileno())
    final = index_dir / ("gen-" + tmp_gen.name[len("tmp-") :])
    os.rename(tmp_gen, final)
    _fsync_dir(index_dir)
    tmp_pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    tmp_pointer.write_text(final.name + "\n", encoding="utf-8")
    with open(tmp_pointer, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp_pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    # Old generations: keep the previous one for readers that still have it open.
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name)
    for old in gens[:-keep]:
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    remove_orphans(index_dir)  # left by builds that were killed; never a running one's
    return final


def read_params(gen: Path) -> dict:
    return json.loads((gen / PARAMS).read_text(encoding="utf-8"))


def write_params(gen: Path, params: dict) -> None:
    (gen / PARAMS).write_text(json.dumps(params, ensure_ascii=False, indent=2), encoding="utf-8")


def source_state(path: Path) -> tuple[int, int]:
    """(size, mtime_ns): a cheap fingerprint; content hashes decide when it moves."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


# numpy reads a .npy header with ast.literal_eval, and CPython 3.11 before 3.11.9 can fail with
# "SystemError: AST constructor recursion depth mismatch" when two threads do that at once
# (gh-106905): the bot's scheduled sync may open an index while /reload or an upload opens one.
_NPY_LOCK = threading.Lock()


# A server's file pages (the index's, and the libraries' it loaded after opening it): once they pass this,
# windows of a sweep over the postings are given back (layout.Maps) until they are under three quarters of
# it, and the questions after fault back in what they use from the kernel's cache. Without a limit a
# long-running process ends up holding most of the index (4,496 news questions on 1.5M passages: 1.88 GB
# in all; with 768, 0.93 GB, at p50 +5-12 % and p95 +24-30 % in alternating runs; with 640, 0.81 GB at
# p95 +27-40 %). Until 2026-12 a fixed quarter of the budget was swept each time: with 2 MB folios (see
# drop_cached) that freed less than a question touched, and memory crept to 1.2 GB.
MAPPED_BUDGET_MB = 768
_WINDOW = 8 << 20  # bytes released by one madvise call (page-aligned)


class Maps:
    """The memory maps behind an open generation's arrays, so that a server can give back the pages it touched.

    A mapped page a search touched stays in the process's resident set until the process ends: over
    thousands of questions that is most of the index. ``release_until`` drops mapped pages from this
    process (``MADV_DONTNEED``; the file's pages stay in the kernel's cache, so touching one again is a
    minor fault, not a disk read), which keeps a server's memory near what recent questions touch.
    """

    def __init__(self) -> None:
        self._maps: list[mmap.mmap] = []
        self._lock = threading.Lock()
        self._sweep_map = 0  # where the sweep of ``release_until`` goes on from
        self._sweep_at = 0

    def add(self, mapped: mmap.mmap) -> None:
        with self._lock:
            self._maps.append(mapped)

    @property
    def size(self) -> int:
        """Bytes mapped."""
        return sum(len(m) for m in self._maps)

    def release_until(self, done: Callable[[], bool], check_every: int = 4) -> None:
        """Drop mapped pages window by window, in a sweep that goes round the mappings in turn (what was released
        longest ago goes next, so pages in use come back and cold ones stay out), until ``done()`` (asked every
        ``check_every`` windows) or one whole round. Stopping on what is resident, not after a fixed number of
        bytes, matters: a sweep meets windows that hold no pages, and the kernel may map a 2 MB folio for a
        one-byte read (large folios on ext4, Linux 6.18), so a question's touches are far from a fixed size.
        Safe while other threads read the pages: they fault them back in. ``lambda: False`` drops every page."""
        with self._lock:
            total = self.size
            swept = 0
            while swept < total:
                for _ in range(check_every):
                    swept += self._release_window()
                if done():
                    return

    def _release_window(self) -> int:
        """madvise(DONTNEED) the sweep's next window (page-aligned: it starts a mapping or follows a whole window);
        the bytes it covered."""
        mapped = self._maps[self._sweep_map % len(self._maps)]
        length = min(_WINDOW, len(mapped) - self._sweep_at)
        if length > 0:
            mapped.madvise(mmap.MADV_DONTNEED, self._sweep_at, length)
            self._sweep_at += length
        if self._sweep_at >= len(mapped):
            self._sweep_map, self._sweep_at = self._sweep_map + 1, 0
        return max(length, 0)


def _mapped(path: Path, maps: Maps | None) -> np.ndarray:
    """A read-only memory map of a .npy file as an ndarray (no pickle: object arrays are refused)."""
    with open(path, "rb") as fh:
        with _NPY_LOCK:
            version = npformat.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npformat.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npformat.read_array_header_2_0(fh)
            else:
                raise ValueError(f"{path.name}: .npy format {version} is not supported")
        if dtype.hasobject:
            raise ValueError(f"{path.name} holds Python objects; an index never does (no pickle)")
        offset = fh.tell()
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.zeros(shape, dtype=dtype)
        if offset + count * dtype.itemsize > os.fstat(fh.fileno()).st_size:
            raise ValueError(f"{path.name} is truncated: it holds less than its header announces")
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if maps is not None:
        maps.add(mapped)
    return np.ndarray(shape, dtype=dtype, buffer=mapped, offset=offset, order="F" if fortran else "C")


def load_array(path: Path, mmap_mode: Literal["r", "r+", "c"] | None = "r", maps: Maps | None = None) -> np.ndarray:
    """A .npy array without pickle: memory-mapped read-only (registered in ``maps`` when given), or read whole
    (``mmap_mode=None``)."""
    if mmap_mode == "r":
        return _mapped(path, maps)
    with _NPY_LOCK:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
