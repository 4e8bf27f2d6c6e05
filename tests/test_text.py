from retrieval.text.normalize import fold_accents, fold_syllable, has_diacritics, is_vietnamese_syllable, normalize_syllable


def test_tone_placement_old_and_new_style_are_one_spelling():
    for a, b in [("hoà", "hòa"), ("uỷ", "ủy"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("toả", "tỏa"), ("hoá", "hóa")]:
        assert normalize_syllable(a) == normalize_syllable(b), (a, b)


def test_tone_placement_keeps_distinct_words_distinct():
    assert normalize_syllable("hòa") != normalize_syllable("hóa")
    assert normalize_syllable("người") == "người"
    assert normalize_syllable("quốc") == "quốc"
    assert normalize_syllable("giữa") == "giữa"


def test_toned_final_y_after_consonant_is_i():
    assert normalize_syllable("kỷ") == normalize_syllable("kỉ")
    assert normalize_syllable("lý") == normalize_syllable("lí")
    assert fold_syllable("ky") == fold_syllable("kỉ") == "ki"
    assert fold_syllable("hay") == "hay"  # a vowel before y: not touched


def test_nfd_input_is_normalised():
    import unicodedata

    assert normalize_syllable(unicodedata.normalize("NFD", "Tỉnh")) == "Tỉnh"


def test_fold_accents_and_diacritic_detection():
    assert fold_accents("Đồng chí Hoàng Văn Nghiệm") == "Dong chi Hoang Van Nghiem"
    assert has_diacritics("bao nhiêu") and not has_diacritics("bao nhieu dong chi")


def test_vietnamese_syllable_shape():
    assert all(is_vietnamese_syllable(w) for w in ["nghiêng", "người", "quốc", "khuya", "trường"])
    assert not is_vietnamese_syllable("xyz")


def test_normalizing_shortcut_agrees_with_the_full_rule_on_every_vietnamese_word():
    import importlib.util
    import json
    import re
    from pathlib import Path

    from retrieval.text.analyzer import _normalize_words
    from retrieval.text.normalize import is_vietnamese_syllable

    root = Path(__file__).resolve().parent.parent
    pyvi_dir = Path(importlib.util.find_spec("pyvi").submodule_search_locations[0])
    texts = [(pyvi_dir / "models" / "words.txt").read_text(encoding="utf-8")]
    for name in ("mlqa_vi", "xquad_vi"):
        texts += [json.loads(line)["text"] for line in (root / "data" / name / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    lexicon = {s for line in texts[0].splitlines() for s in line.lower().split()}  # pyvi's dictionary syllables
    words = {w for t in texts for w in re.findall(r"[^\W\d_]+", t) if is_vietnamese_syllable(w) and w.lower() in lexicon}
    words |= {"hoà", "Hoà", "uỷ", "Uỷ", "kỷ", "Kỷ", "quý", "thuỷ", "khoẻ", "hiêụ", "ngòai"}
    wrong = [w for w in words if _normalize_words(w) != normalize_syllable(w)]
    assert len(words) > 5000 and not wrong, wrong[:10]


def test_folded_text_keys_each_syllable_as_the_index_does_and_keeps_offsets():
    """fold_text (the sentence step's one pass over a passage) gives every syllable fold_syllable's key."""
    import re

    from retrieval.text.normalize import fold_text

    text = "Kỷ niệm chương, quy định; Quy hoạch tỷ lệ, xy_y, hay, Mỹ Tho, lý do: quý khách ở Quy Nhơn (y tế)."
    folded = fold_text(text)
    assert len(folded) == len(text)
    for match in re.finditer(r"[^\W_]+", text):
        assert folded[match.start() : match.end()] == fold_syllable(match.group().lower()), match.group()
