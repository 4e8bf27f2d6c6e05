"""Word lists the analyzer and the answer marker share: abbreviations, question words, titles."""

from __future__ import annotations

__all__ = [
    "ABBREVIATIONS",
    "ANSWER_TYPE_PHRASES",
    "CLAUSE_AGENT_VERBS",
    "CLAUSE_ANSWERS",
    "CLAUSE_NOT_OPENERS",
    "CLAUSE_WORD_BEFORE",
    "CONDITION_WORDS",
    "CONTINUATION_OPENERS",
    "CONTRAST_CLOSERS",
    "CONTRAST_OPENERS",
    "CONTRAST_OPENERS_FOLDED",
    "COUNT_STOPWORDS",
    "COUNT_UNITS",
    "DURATION_PHRASES",
    "DURATION_UNITS",
    "FOLDED_QUESTION_PHRASES",
    "FOLLOW_UP_WORDS",
    "FOLLOW_UP_WORDS_FOLDED",
    "FORMS_OF_ADDRESS",
    "NOT_QUESTION_WORDS",
    "PERCENT_PHRASES",
    "PLACE_AND_BODY_NOUNS",
    "QUESTION_PHRASES",
    "SURNAMES",
    "TITLE_PHRASES",
    "TITLE_WORDS",
    "UNTYPED_PHRASES",
]

# Administrative abbreviations in provincial news and their full forms. Both sides are
# rewritten to the abbreviation, so "HĐND" and "Hội đồng nhân dân" are one term.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "UBND": ("Ủy ban nhân dân",),
    "HĐND": ("Hội đồng nhân dân",),
    "MTTQ": ("Mặt trận Tổ quốc",),
    "BCH": ("Ban Chấp hành", "Bộ Chỉ huy"),
    "TW": ("Trung ương",),
    "ĐBQH": ("Đại biểu Quốc hội",),
    "LĐLĐ": ("Liên đoàn Lao động",),
    "THPT": ("Trung học phổ thông",),
    "THCS": ("Trung học cơ sở",),
    "BHXH": ("Bảo hiểm xã hội",),
    "BHYT": ("Bảo hiểm y tế",),
    "CCB": ("Cựu chiến binh",),
    "HLHPN": ("Hội Liên hiệp Phụ nữ",),
    "KTXH": ("Kinh tế - xã hội", "Kinh tế xã hội", "KT-XH"),
    "PCCC": ("Phòng cháy chữa cháy", "Phòng cháy, chữa cháy"),
    "ATGT": ("An toàn giao thông",),
    "CCHC": ("Cải cách hành chính",),
    "NNPTNT": ("Nông nghiệp và Phát triển nông thôn", "NN&PTNT", "NN và PTNT"),
    "TNCS": ("Thanh niên Cộng sản",),
    "HTX": ("Hợp tác xã",),
    "GDĐT": ("Giáo dục và Đào tạo", "GD&ĐT", "GD-ĐT"),
    "VHTTDL": ("Văn hóa, Thể thao và Du lịch", "Văn hóa Thể thao và Du lịch", "VH-TT&DL", "VHTT&DL"),
    "TTTT": ("Thông tin và Truyền thông", "TT&TT"),
    "KHĐT": ("Kế hoạch và Đầu tư", "KH&ĐT"),
    "TNMT": ("Tài nguyên và Môi trường", "TN&MT"),
    "LĐTBXH": ("Lao động - Thương binh và Xã hội", "Lao động, Thương binh và Xã hội", "LĐ-TB&XH"),
    "CSGT": ("Cảnh sát giao thông",),
    "QĐND": ("Quân đội nhân dân",),
    "CAND": ("Công an nhân dân",),
}

# Question words pick the answer type; they are not evidence and do not score.
# Longest first, so "như thế nào" is taken before "thế nào" and "nào".
QUESTION_PHRASES: tuple[str, ...] = (
    "như thế nào",
    "bao nhiêu",
    "bao giờ",
    "bao lâu",
    "khi nào",
    "lúc nào",
    "hồi nào",
    "thế nào",
    "tại sao",
    "vì sao",
    "ở đâu",
    "là gì",
    "là ai",
    "mấy",
    "ai",
    "gì",
    "nào",
    "đâu",
    "hả",
    "nhỉ",
    "vậy",
    "ạ",
)
# Unaccented typing: only phrases whose folded form is not also a common content word.
FOLDED_QUESTION_PHRASES: tuple[str, ...] = (
    "nhu the nao",
    "bao nhieu",
    "bao gio",
    "bao lau",
    "khi nao",
    "luc nao",
    "the nao",
    "tai sao",
    "vi sao",
    "o dau",
    "la gi",
    "la ai",
    "ai",
    "gi",
    "nao",
)

# What kind of answer a question asks for, by the phrases that say so. Accented questions are matched
# accented ("động lực nào" is not "lúc nào"), accent-free ones folded. Tried in this order: "năm nào"
# asks for a year before "nào" could mean anything else.
ANSWER_TYPE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("year", ("năm nào", "năm bao nhiêu", "năm mấy", "sinh năm", "từ năm nào")),
    (
        "date",
        (
            "khi nào",
            "bao giờ",
            "ngày nào",
            "tháng nào",
            "lúc nào",
            "hôm nào",
            "thời gian nào",
            "thời điểm nào",
            "dịp nào",
            "ngày bao nhiêu",
            "ngày mấy",
        ),
    ),
    (
        "place",
        (
            "ở đâu",
            "tại đâu",
            "nơi nào",
            "địa điểm nào",
            "địa bàn nào",
            "tỉnh nào",
            "huyện nào",
            "xã nào",
            "nước nào",
            "thành phố nào",
            "ở nào",
        ),
    ),
    ("number", ("bao nhiêu", "mấy", "số lượng", "tỷ lệ", "tỉ lệ", "phần trăm", "bao lâu")),
    ("person", ("ai", "người nào", "vị nào", "đồng chí nào", "ông nào", "bà nào")),
)
# Questions these phrases are in ask for a cause, a source or a group, not for a name, place or date ("do đâu",
# "năng lượng … đến từ đâu", "những ai", "nhóm người nào"): no typed span is marked for them.
UNTYPED_PHRASES: tuple[str, ...] = (
    "do đâu", "nhờ đâu", "vì đâu", "bởi đâu", "từ đâu", "nguyên nhân", "lý do", "nguồn gốc",
    "những ai", "những người nào", "nhóm người nào", "đối tượng nào",
)  # fmt: skip
# Questions answered by a clause, not a name or a number ("Vì sao hộ nghèo giảm?" → "nhờ các chương trình hỗ
# trợ sinh kế"): (kind, the question's phrases, the cue words that open the answering clause in a bulletin's sentence).
CLAUSE_ANSWERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("reason", ("vì sao", "tại sao", "nguyên nhân", "lý do", "lí do", "do đâu", "vì đâu", "nhờ đâu", "bởi đâu"),
     ("bởi vì", "tại vì", "nguyên nhân là", "lý do là", "vì", "do", "bởi", "nhờ")),
    ("purpose", ("mục đích", "để làm gì", "nhằm mục đích"), ("nhằm", "để")),
    ("means", ("bằng cách nào", "cách nào", "biện pháp nào"), ("bằng cách", "bằng")),
)  # fmt: skip
# Cue words that open no answer here: "do đó"/"vì vậy" say "so" (the answer is the sentence before), "do nhiều
# nguyên nhân" says nothing; "lý do", "tự do" and "vì sao" are words, not cues.
CLAUSE_NOT_OPENERS: tuple[str, ...] = (
    "do đó", "do vậy", "do thế", "vì vậy", "vì thế", "bởi vậy", "bởi thế", "nhờ vậy", "nhờ đó", "nhờ thế", "vì sao",
    "tại sao", "do đâu", "vì đâu", "nhờ đâu", "do nhiều", "vì nhiều", "bởi nhiều", "để lại", "để ý", "bằng nhau",
)  # fmt: skip
# "do" before a named body and one of these verbs says who did it, not why ("Hội nghị do Ban Dân vận Tỉnh ủy tổ
# chức", "Kế hoạch do UBND tỉnh ban hành").
CLAUSE_AGENT_VERBS: tuple[str, ...] = (
    "tổ chức", "chủ trì", "thực hiện", "ban hành", "phát động", "triển khai", "tài trợ", "trao", "trao tặng",
    "biên soạn", "phụ trách", "đảm nhiệm", "thi công", "cấp", "phát hành", "sản xuất", "làm chủ đầu tư", "chỉ đạo",
)  # fmt: skip
# Syllables that make a cue word after them part of one word ("lý do", "tự do", "công bằng", "cân bằng"), or of
# an award's name ("kỷ niệm chương vì sự nghiệp dân vận", "huy chương vì thế hệ trẻ").
CLAUSE_WORD_BEFORE: tuple[str, ...] = ("lý", "lí", "tự", "công", "cân", "văn", "thăng", "san", "chương")
# Words holding a question word that ask nothing ("Ai Cập" is a country, "ai đó" anyone): read past them.
NOT_QUESTION_WORDS: tuple[str, ...] = ("ai cập", "ai đó", "bất kỳ ai", "bất cứ ai")
# "khi nào" / "bao giờ" in a question about what usually happens or should be done asks for a condition
# ("Bệnh thường tái phát khi nào?", "Nên tiêm nhắc lại khi nào?"), not a date; "lúc nào" stays a time.
CONDITION_WORDS: tuple[str, ...] = ("thường", "nên", "cần", "có thể", "tốt nhất")
# A question for a share wants a percentage ("tỷ lệ … là bao nhiêu").
PERCENT_PHRASES: tuple[str, ...] = ("tỷ lệ", "tỉ lệ", "phần trăm")
# A question for a length of time wants a count of time units ("… trong bao lâu?" → "36 năm").
DURATION_PHRASES: tuple[str, ...] = ("bao lâu",)
AGE_PHRASES: tuple[str, ...] = ("bao nhiêu tuổi", "mấy tuổi")
# What a number measures, by the question's words (folded: a measure noun anywhere, or the word right before
# "bao nhiêu"), and the units that answer it: "nặng bao nhiêu" is answered in kg, not in cm.
MEASURES: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("can nang", "trong luong", "khoi luong", "nang"), frozenset(["kg", "g", "gram", "tấn", "tạ", "yến", "lạng", "mg"])),
    (("chieu cao", "chieu dai", "do dai", "khoang cach", "duong kinh", "cao", "dai", "rong", "sau", "cach"),
     frozenset(["m", "cm", "mm", "km", "mét", "met"])),
    (("nhiet do",), frozenset(["độ", "°c"])),
    (("chi phi", "kinh phi", "gia", "tri gia", "so tien", "muc luong"),
     frozenset(["đồng", "usd", "euro", "yen", "nhân dân tệ", "bảng", "đô", "won", "baht", "ringgit"])),
    (("nang luong", "calo"), frozenset(["kcal", "calo", "calories", "calorie"])),
    (("dien tich",), frozenset(["m2", "m²", "ha", "héc", "km2", "km²", "sào", "mẫu"])),
)  # fmt: skip
DURATION_UNITS = frozenset(["năm", "tháng", "tuần", "ngày", "giờ", "tiếng", "phút", "giây", "thập kỷ", "thế kỷ"])
# Words after "bao nhiêu"/"mấy" that end the counted noun ("bao nhiêu đồng chí được …" → "đồng chí").
COUNT_STOPWORDS = frozenset(["duoc", "da", "la", "co", "se", "dang", "thi", "va", "cua", "tai", "o", "trong", "nam", "vao"])

# Titles and forms of address that precede names: not part of a person's name.
TITLE_WORDS = frozenset(
    [
        "đồng",
        "chí",
        "ông",
        "bà",
        "anh",
        "chị",
        "cô",
        "chú",
        "bác",
        "em",
        "cháu",
        "ngài",
        "giáo",
        "sư",
        "tiến",
        "sĩ",
        "thạc",
        "sĩ",
        "bác",
        "sĩ",
        "kỹ",
        "sư",
        "nhà",
        "văn",
        "nghệ",
        "sĩ",
        "nhân",
        "dân",
        "ưu",
        "tú",
        "thượng",
        "tướng",
        "trung",
        "tướng",
        "thiếu",
        "tướng",
        "đại",
        "tá",
        "thượng",
        "tá",
        "trung",
        "tá",
        "thiếu",
        "tá",
        "đại",
        "úy",
        "thượng",
        "úy",
        "trung",
        "úy",
        "thiếu",
        "úy",
        "phó",
        "chủ",
        "tịch",
        "bí",
        "thư",
        "thường",
        "trực",
        "trưởng",
        "ban",
        "giám",
        "đốc",
        "tổng",
        "thủ",
        "tướng",
        "bộ",
        "trưởng",
        "thứ",
        "trưởng",
        "tỉnh",
        "ủy",
        "thành",
        "ủy",
        "huyện",
        "ủy",
        "đảng",
        "ủy",
        "ủy",
        "viên",
        "đại",
        "biểu",
        "quốc",
        "hội",
        "hđnd",
        "ubnd",
        "mttq",
        "ban",
        "dân",
        "vận",
        "tuyên",
        "giáo",
        "tổ",
        "chức",
        "kiểm",
        "tra",
        "nội",
        "chính",
        "chánh",
        "văn",
        "phòng",
        "cục",
        "vụ",
        "sở",
        "viện",
        "trường",
        "khoa",
        "học",
        "kỷ",
        "niệm",
        "chương",
        "huân",
        "huy",
        "hội",
        "nghị",
        "lso",
        "tp",
        "tt",
        "tỉnh",
        "huyện",
        "xã",
        "phường",
        "thị",
        "trấn",
        "thành",
        "phố",
        "nhà",
        "nước",
        "trung",
        "ương",
        "chính",
        "phủ",
        "mặt",
        "trận",
        "tổ",
        "quốc",
        "công",
        "an",
        "quân",
        "đội",
        "biên",
        "phòng",
    ]
)

# Multi-word titles (lower case, one tone placement): "Hoàng tử" is a title though "Hoàng" is a surname.
TITLE_PHRASES = frozenset(
    """đồng chí|ông|bà|anh|chị|ngài|giáo sư|tiến sĩ|thạc sĩ|bác sĩ|phó giáo sư|nhà văn|nhà thơ|nghệ sĩ|nghệ nhân|
    đại tướng|thượng tướng|trung tướng|thiếu tướng|đại tá|thượng tá|trung tá|thiếu tá|đại úy|
    phó|bí thư|phó bí thư|thường trực|chủ tịch|phó chủ tịch|trưởng ban|phó trưởng ban|giám đốc|phó giám đốc|
    tổng bí thư|thủ tướng|phó thủ tướng|bộ trưởng|thứ trưởng|chủ nhiệm|đại biểu|ủy viên|trưởng|
    hoàng tử|thái tử|công chúa|hoàng hậu|thái hậu|nữ hoàng|hoàng đế|hoàng thân|thân vương|vua|chúa|
    nam tước|bá tước|công tước|hầu tước|tử tước|tổng thống|phó tổng thống|giáo hoàng|đức|thánh|đại sứ|
    tỉnh ủy|thành ủy|huyện ủy|đảng ủy|ban|sở|bộ|cục|vụ|viện|hội|nhà|tòa|trường|công ty|tập đoàn""".replace("\n", "").split("|")
)
TITLE_PHRASES = frozenset(p.strip() for p in TITLE_PHRASES if p.strip())

# The commonest Vietnamese family names: a capitalised run that starts with one is very
# likely a person.
SURNAMES = frozenset(
    [
        "nguyễn",
        "trần",
        "lê",
        "phạm",
        "hoàng",
        "huỳnh",
        "phan",
        "vũ",
        "võ",
        "đặng",
        "bùi",
        "đỗ",
        "hồ",
        "ngô",
        "dương",
        "lý",
        "lí",
        "lương",
        "lã",
        "la",
        "đinh",
        "đào",
        "trịnh",
        "mai",
        "tô",
        "cao",
        "lâm",
        "triệu",
        "hà",
        "chu",
        "tạ",
        "mạc",
        "nông",
        "vi",
        "lục",
        "hứa",
        "quan",
        "thân",
        "kiều",
        "đoàn",
        "tăng",
        "thái",
        "lưu",
        "phùng",
        "chế",
        "khúc",
        "hầu",
    ]
)


# Words before a number that belong to the answer: "hơn 100.000 ca" is not "100.000 ca", and "thứ 4" is a
# rank. Longest first, so that "khoảng hơn" wins over "hơn".
NUMBER_QUALIFIERS = (
    "khoảng hơn", "lên tới gần", "lên tới", "lên đến", "gần như", "ít nhất", "tối thiểu", "tối đa", "xấp xỉ",
    "khoảng", "hơn", "gần", "chừng", "tầm", "trên", "dưới", "thứ", "hàng",
)  # fmt: skip


# A sentence opening with one of these goes on with the one before ("Đây là…", "Chúng tiết ra…",
# "Ông cho biết…"): the answer to a question about the earlier sentence's subject is often there.
CONTINUATION_OPENERS = (
    "điều này", "điều đó", "theo đó", "vì vậy", "do đó", "nguyên nhân", "đây", "đó", "chúng", "nó", "họ", "bởi",
    "ông", "bà", "anh", "chị", "cô", "em",
)  # fmt: skip

# How a person is named in the text just before the name; the answer keeps it ("Bác sĩ Lê Minh Hoan",
# "ông Trần Thế Hiển", "đồng chí Hoàng Văn Nghiệm"): it says who the person is.
FORMS_OF_ADDRESS = frozenset(
    ["bác sĩ", "ông", "bà", "anh", "chị", "đồng chí", "giáo sư", "phó giáo sư", "tiến sĩ", "thạc sĩ", "nhà văn",
     "nhà thơ", "nghệ sĩ", "nghệ nhân", "cô", "chú", "em", "cụ", "bé", "cháu", "luật sư", "dược sĩ", "y tá"]
)  # fmt: skip

# Nouns that make the capitalised name after them a place or an organisation, not a person
# ("Bệnh viện Từ Dũ", "xã Kim Thượng", "Công ty Phú Hải").
PLACE_AND_BODY_NOUNS = frozenset(
    ["bệnh viện", "trường", "đại học", "học viện", "viện", "trung tâm", "công ty", "tập đoàn", "hãng", "tổ chức",
     "sở", "bộ", "khoa", "ban", "hội", "xã", "phường", "thị trấn", "huyện", "quận", "tỉnh", "thành phố", "thôn",
     "bản", "làng", "nước", "sông", "núi", "đèo", "hồ", "đường", "phố", "chợ", "cầu", "cửa khẩu", "khu", "vùng"]
)  # fmt: skip

# Units and counted nouns that follow a number and belong to the answer ("34 đồng chí", "350 ml", "62 triệu
# đồng"): one word or a two-syllable compound.
COUNT_UNITS = frozenset(
    [
    "buổi", "bài", "bàn", "bản", "ca", "calo", "chiếc", "cm", "con", "db", "cuốn", "cuộc", "cây", "căn", "euro", "g",
    "giây", "giường", "giờ", "ha", "huyện", "hộ", "kcal", "kg", "km", "km2", "loài", "lít", "lượt", "lần", "lớp", "m",
    "mg", "ml", "mm", "mmhg", "mét", "ngày", "ngôi", "người", "nhà", "năm", "nước", "phòng", "phút", "phường", "phần",
    "quyển", "suất", "tháng", "thôn", "trường", "trận", "trẻ", "tuần", "tuổi", "tàu", "tạ", "tấn", "tập", "tỉnh",
    "tổ", "usd", "viên", "xe", "xã", "điểm", "đồng", "độ", "đội", "bảng anh", "bệnh nhân", "bệnh viện", "chi bộ",
    "cá nhân", "cán bộ", "công trình", "cơ sở", "doanh nghiệp", "dân tộc", "dự án", "gia đình", "giường bệnh",
    "héc ta", "học sinh", "hội viên", "mô hình", "nghìn đồng", "ngôn ngữ", "phần trăm", "quốc gia", "sinh viên",
    "thành phố", "thành viên", "thị trấn", "triệu đồng", "trẻ em", "tập thể", "tổ chức", "tỷ đồng", "đô la", "đơn vị",
    "đảng viên", "đồng chí", "độ c",
    ]
)  # fmt: skip


# A question holding one of these points back at the conversation ("Ông ấy nói gì?", "Việc đó bắt đầu
# khi nào?"): it leans on the earlier answer whatever its length. Typed without diacritics only the
# unambiguous ones count ("do" is "đó" and "do", "nay" is "này" and "nay", "ho" is "họ" and "hộ").
FOLLOW_UP_WORDS = (
    "đó", "này", "ấy", "kia", "họ", "nơi này", "nơi đó", "ở đó", "ở đây", "việc này", "việc đó", "vụ này", "vụ việc này",
    "trường hợp này", "trường hợp đó", "chuyện này", "chuyện đó", "người này", "người đó",
)  # fmt: skip
FOLLOW_UP_WORDS_FOLDED = ("ay", "noi nay", "noi do", "o day", "viec nay", "vu nay", "truong hop nay", "chuyen nay", "nguoi nay")

# "Còn ở Đồng Nai thì sao?", "Vậy còn năm 2019?": the earlier question again, about something else.
# The question takes the earlier question's words, not its articles.
# Typed without diacritics "con …" is also a child ("con bao nhieu tuoi"): there only the closer, or
# "vay con"/"the con", says it.
CONTRAST_OPENERS = ("còn", "vậy còn", "thế còn")
CONTRAST_OPENERS_FOLDED = ("vay con", "the con")
CONTRAST_CLOSERS = ("thì sao", "thì thế nào", "thì như thế nào", "thì ra sao")
