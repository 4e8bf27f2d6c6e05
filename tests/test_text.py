from retrieval.text import fold_accents, fold_syllable, has_diacritics, is_vietnamese_syllable, normalize_syllable


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
    assert all(is_vietnamese_syllable(w) for w in "nghiêng người quốc khuya trường".split())
    assert not is_vietnamese_syllable("xyz")
