"""pyvi's word segmenter, loaded in milliseconds instead of a second.

``pyvi.ViTokenizer`` unpickles a scikit-learn CRF object at import, which pulls in all of
scikit-learn (~0.75 s). Inside that object is a plain CRFsuite model file. The first time
pyvi is loaded here we copy that file out (to ``$BANTIN_CACHE_DIR``, default
``~/.cache/bantin``); afterwards the same model runs through python-crfsuite directly, with
pyvi's own feature functions and dictionary below, reproduced line for line (pyvi is MIT
licensed, (c) trungtv). Tests check the output equals ``ViTokenizer.tokenize`` on every
seed and dev-set passage. Any problem with the cached file falls back to real pyvi.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import string
import tempfile
import unicodedata as ud
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

__all__ = ["FastPyvi", "export_model", "get_tokenizer", "model_cache_path"]

# The pyvi release whose model file and feature functions are reproduced here (pinned in pyproject.toml).
PYVI_VERSION = "0.1.1"
_PUNCT = string.punctuation  # a str: pyvi tests membership as a substring, and so do we


def _pyvi_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pyvi is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def model_cache_path() -> Path:
    base = Path(os.environ.get("BANTIN_CACHE_DIR") or Path.home() / ".cache" / "bantin")
    version = importlib.metadata.version("pyvi")
    size = (_pyvi_dir() / "models" / "pyvi3.pkl").stat().st_size
    return base / f"pyvi-{version}-{size}.crfsuite"


def export_model(target: Path) -> None:
    """Copy the CRFsuite model out of pyvi's pickled estimator (imports real pyvi once)."""
    from pyvi import ViTokenizer

    source = ViTokenizer.ViTokenizer.model.modelfile.name
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".pyvi-")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


_SPECIALS = ["==>", "->", r"\.\.\.", ">>", "\n"]
_DIGIT = r"\d+([\.,_]\d+)+"
_EMAIL = r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)"
_WEB = r"\w+://[^\s]+"
_WORD = r"\w+"
_NON_WORD = r"[^\w\s]"
_ABBREVIATIONS = [r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
_PATTERN = re.compile("(" + "|".join(_ABBREVIATIONS + _SPECIALS + [_WEB, _EMAIL] + [_DIGIT, _NON_WORD, _WORD]) + ")", re.UNICODE)


class FastPyvi:
    """``tokenize`` gives exactly ``ViTokenizer.tokenize``'s output; the model loads in milliseconds."""

    def __init__(self, model_path: Path) -> None:
        import pycrfsuite

        self.bi_grams: set[str] = set()
        self.tri_grams: set[str] = set()
        with open(_pyvi_dir() / "models" / "words.txt", encoding="utf-8") as fin:
            for token in fin.read().split("\n"):
                tmp = token.split(" ")
                if len(tmp) == 2:
                    self.bi_grams.add(token)
                elif len(tmp) == 3:
                    self.tri_grams.add(token)
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model_path))

    def _features(self, sent: list[str]) -> list[list[str]]:
        """pyvi's word2features for every position, in CRFsuite's own terms.

        pyvi hands python-crfsuite dicts such as {"word.lower()": "x", "word.isupper()": False};
        python-crfsuite turns a string value into the attribute "name:value" with weight 1 and
        a boolean into weight 1.0 or 0.0. We build those attributes directly, leave out the
        0.0 ones (they add nothing to any score) and compute each token's properties once.
        """
        n = len(sent)
        lower = [w.lower() for w in sent]
        title = [w.istitle() for w in sent]
        upper = [w.isupper() for w in sent]
        bi = [f"{lower[i]} {lower[i + 1]}" in self.bi_grams for i in range(n - 1)]  # pair (i, i+1)
        tri = [f"{lower[i]} {lower[i + 1]} {lower[i + 2]}" in self.tri_grams for i in range(n - 2)]
        out = []
        for i in range(n):
            # attribute names, each with weight 1.0 (python-crfsuite's list form)
            f = ["bias", "word.lower():" + lower[i]]
            if upper[i]:
                f.append("word.isupper()")
            if title[i]:
                f.append("word.istitle()")
            if sent[i].isdigit():
                f.append("word.isdigit()")
            if i > 0:
                f.append("-1:word.lower():" + lower[i - 1])
                if title[i - 1]:
                    f.append("-1:word.istitle()")
                if upper[i - 1]:
                    f.append("-1:word.isupper()")
                if bi[i - 1]:
                    f.append("-1:word.bi_gram()")
                if i > 1 and tri[i - 2]:
                    f.append("-2:word.tri_gram()")
            if i < n - 1:
                f.append("+1:word.lower():" + lower[i + 1])
                if title[i + 1]:
                    f.append("+1:word.istitle()")
                if upper[i + 1]:
                    f.append("+1:word.isupper()")
                if bi[i]:
                    f.append("+1:word.bi_gram()")
                if i < n - 2 and tri[i]:
                    f.append("+2:word.tri_gram()")
            out.append(f)
        return out

    def tokenize(self, text: str) -> str:
        tmp = [t[0] for t in _PATTERN.findall(ud.normalize("NFC", text))]
        if len(tmp) == 0:
            return text
        labels = self.tagger.tag(self._features(tmp))
        output = [tmp[0]]  # pyvi concatenates strings; a join gives the same text in linear time
        for i in range(1, len(labels)):
            if (
                labels[i] == "I_W"
                and tmp[i] not in _PUNCT
                and tmp[i - 1] not in _PUNCT
                and not tmp[i][0].isdigit()
                and not tmp[i - 1][0].isdigit()
                and not (tmp[i][0].istitle() and not tmp[i - 1][0].istitle())
            ):
                output.append("_")
            else:
                output.append(" ")
            output.append(tmp[i])
        return "".join(output)


@lru_cache(maxsize=1)
def get_tokenizer() -> Callable[[str], str]:
    """The fastest faithful pyvi available: the cached CRF model, else real pyvi (exporting the model)."""
    if os.environ.get("BANTIN_REAL_PYVI") != "1":
        path = model_cache_path()
        try:
            if not path.exists():
                export_model(path)
            return FastPyvi(path).tokenize
        except Exception:
            pass
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize
