"""Word lists the analyzer and the answer marker share: abbreviations, question words, titles."""

from __future__ import annotations

__all__ = [
    "ABBREVIATIONS",
    "ANSWER_TYPE_PHRASES",
    "COUNT_STOPWORDS",
    "FOLDED_QUESTION_PHRASES",
    "PERCENT_PHRASES",
    "QUESTION_PHRASES",
    "SURNAMES",
    "TITLE_PHRASES",
    "TITLE_WORDS",
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
    "như thế nào", "bao nhiêu", "bao giờ", "bao lâu", "khi nào", "lúc nào", "hồi nào", "thế nào", "tại sao", "vì sao",
    "ở đâu", "là gì", "là ai", "mấy", "ai", "gì", "nào", "đâu", "hả", "nhỉ", "vậy", "ạ",
)
# Unaccented typing: only phrases whose folded form is not also a common content word.
FOLDED_QUESTION_PHRASES: tuple[str, ...] = (
    "nhu the nao", "bao nhieu", "bao gio", "bao lau", "khi nao", "luc nao", "the nao", "tai sao", "vi sao",
    "o dau", "la gi", "la ai", "ai", "gi", "nao",
)

# What kind of answer a question asks for, by the phrases that say so, typed without accents
# (questions are matched in that form, so accented and accent-free typing agree). Tried in
# this order: "năm nào" asks for a year before "nào" could mean anything else.
ANSWER_TYPE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("year", ("nam nao", "nam bao nhieu", "nam may", "sinh nam", "tu nam nao")),
    ("date", ("khi nao", "bao gio", "ngay nao", "thang nao", "luc nao", "hom nao", "thoi gian nao", "thoi diem nao",
              "dip nao", "ngay bao nhieu", "ngay may")),
    ("place", ("o dau", "tai dau", "noi nao", "dia diem nao", "dia ban nao", "tinh nao", "huyen nao", "xa nao",
               "nuoc nao", "thanh pho nao", "o nao")),
    ("number", ("bao nhieu", "may", "so luong", "ty le", "ti le", "phan tram")),
    ("person", ("ai", "nguoi nao", "vi nao", "dong chi nao", "ong nao", "ba nao")),
)
# A question for a share wants a percentage ("tỷ lệ … là bao nhiêu").
PERCENT_PHRASES: tuple[str, ...] = ("ty le", "ti le", "phan tram")
# Words after "bao nhiêu"/"mấy" that end the counted noun ("bao nhiêu đồng chí được …" → "đồng chí").
COUNT_STOPWORDS = frozenset("duoc da la co se dang thi va cua tai o trong nam vao".split())

# Titles and forms of address that precede names: not part of a person's name.
TITLE_WORDS = frozenset(
    """đồng chí ông bà anh chị cô chú bác em cháu ngài giáo sư tiến sĩ thạc sĩ bác sĩ kỹ sư nhà văn
    nghệ sĩ nhân dân ưu tú thượng tướng trung tướng thiếu tướng đại tá thượng tá trung tá thiếu tá
    đại úy thượng úy trung úy thiếu úy phó chủ tịch bí thư thường trực trưởng ban giám đốc tổng
    thủ tướng bộ trưởng thứ trưởng tỉnh ủy thành ủy huyện ủy đảng ủy ủy viên đại biểu quốc hội
    hđnd ubnd mttq ban dân vận tuyên giáo tổ chức kiểm tra nội chính chánh văn phòng cục vụ sở
    viện trường khoa học kỷ niệm chương huân huy hội nghị lso tp tt tỉnh huyện xã phường thị trấn
    thành phố nhà nước trung ương chính phủ mặt trận tổ quốc công an quân đội biên phòng""".split()
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
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý lí lương lã la
    đinh đào trịnh mai tô cao lâm triệu hà chu tạ mạc nông vi lục hứa quan thân kiều
    đoàn tăng thái lưu phùng chế khúc hầu""".split()
)
