"""Everything a cadre reads from the bot besides quotes: natural, polite Vietnamese."""

from __future__ import annotations

from retrieval import MAX_QUESTION_CHARS

# The bot takes the library's limit: a question is cleaned and bounded in one place.
MAX_QUESTION = MAX_QUESTION_CHARS

EXAMPLES = (
    "Bao nhiêu đồng chí được nhận kỷ niệm chương?",
    "Tỷ lệ xã, phường, thị trấn tổ chức đối thoại trực tiếp là bao nhiêu?",
    "Ai phát biểu tại hội nghị tổng kết công tác dân vận?",
)

START = (
    "Xin chào {name}! Tôi là trợ lý tra cứu bản tin của tỉnh Lạng Sơn.\n"
    "Bạn cứ gõ câu hỏi bằng tiếng Việt (có dấu hoặc không dấu đều được), tôi sẽ trích nguyên văn "
    "đoạn bản tin có câu trả lời, kèm tên bài và ngày đăng.\n\n"
    "<b>Ví dụ:</b>\n" + "\n".join(f"• {q}" for q in EXAMPLES) + "\n\n"
    "Gõ /help để xem hướng dẫn chi tiết."
)

HELP = (
    "<b>Cách hỏi</b>\n"
    "• <b>Nhắn riêng với bot:</b> gõ thẳng câu hỏi, ví dụ: <i>Bao nhiêu đồng chí được nhận kỷ niệm chương?</i>\n"
    "• <b>Trong nhóm:</b> gõ <code>/hoi câu hỏi của bạn</code>, hoặc trả lời (reply) một tin nhắn của bot.\n"
    "• <b>Ở bất kỳ cuộc trò chuyện nào:</b> gõ <code>@{username} câu hỏi</code> rồi chọn đoạn trích để gửi.\n\n"
    "<b>Mẹo</b>\n"
    "• Hỏi ngắn gọn, nêu rõ tên người, địa danh, sự kiện.\n"
    "• Viết tắt quen thuộc như UBND, HĐND, MTTQ đều hiểu được.\n"
    "• Có thể gõ không dấu, nhưng gõ có dấu sẽ cho kết quả chính xác hơn.\n"
    "• Trong đoạn trích, câu in đậm là câu trả lời; phần gạch chân là con số, tên, ngày, nơi chốn, hoặc lý do, "
    "mục đích, cách làm mà bạn hỏi (ví dụ: <i>Vì sao…?</i>, <i>… để làm gì?</i>). "
    "Khi bot chưa chắc chắn, bot chỉ in đậm và không gạch chân.\n\n"
    "<b>Các lệnh</b>\n"
    "/hoi – đặt câu hỏi\n/moi – các bản tin mới nhất\n/chudemoi – bắt đầu chủ đề mới\n/help – hướng dẫn này\n\n"
    "<b>Hỏi tiếp</b>\n"
    "{follow_up}"
    "• Trả lời (reply) một câu trả lời của bot để hỏi tiếp về đúng câu trả lời ấy, kể cả trong nhóm.\n"
    "• Gõ /chudemoi để hỏi sang chủ đề khác từ đầu.\n\n"
    "Dưới mỗi câu trả lời: <b>Xem thêm</b> để xem các đoạn tiếp theo, <b>Toàn văn</b> để đọc cả bài, "
    "👍/👎 để góp ý giúp bot trả lời tốt hơn."
)


def follow_up_help(context_minutes: float) -> str:
    """The help line on follow-ups in a private chat (none when CONTEXT_MINUTES is 0)."""
    if context_minutes <= 0:
        return ""
    minutes = f"{context_minutes:g}".replace(".", ",")
    return (
        f"• Nhắn riêng: câu hỏi gửi trong vòng {minutes} phút sau câu trước được hiểu là hỏi tiếp, "
        "ví dụ: <i>Các bác sĩ khuyến cáo gì?</i>, <i>Còn năm 2019 thì sao?</i>\n"
    )


UPGRADED = "Bot vừa được nâng cấp và đã xây dựng lại chỉ mục tìm kiếm từ các bản tin ({articles} bài). Bot đã sẵn sàng trả lời."
UPDATING = "Bot đang cập nhật dữ liệu bản tin, bạn vui lòng hỏi lại sau ít phút nhé. Xin cảm ơn!"
UPDATING_WAIT = (
    "Bot đang cập nhật dữ liệu bản tin. Câu hỏi của bạn sẽ được trả lời ngay khi cập nhật xong, bạn vui lòng đợi trong giây lát."
)
FRESH_START = "Đã bắt đầu chủ đề mới. Câu hỏi tiếp theo của bạn sẽ được tìm độc lập, không dựa vào các câu hỏi trước."
CONTEXT_LINE = "↪ {line}"

EMPTY = "Bạn vui lòng gõ câu hỏi sau lệnh, ví dụ: <code>/hoi Bao nhiêu đồng chí được nhận kỷ niệm chương?</code>"
TOO_LONG = "Câu hỏi hơi dài ({length} ký tự). Bạn vui lòng rút gọn dưới {limit} ký tự, chỉ giữ lại ý chính cần tra cứu."
MEDIA_HINT = "Hiện tôi chỉ đọc được câu hỏi dạng chữ. Bạn vui lòng gõ câu hỏi bằng tiếng Việt nhé."
NOT_ALLOWED = "Xin lỗi, bot này chỉ phục vụ cán bộ được cấp quyền. Bạn vui lòng liên hệ quản trị viên để được hỗ trợ."
ADMIN_ONLY = "Xin lỗi, lệnh này chỉ dành cho quản trị viên."
RATE_LIMITED = "Bạn đang hỏi hơi nhanh. Vui lòng đợi khoảng {seconds} giây rồi hỏi tiếp nhé."
ERROR = "Xin lỗi, đã có lỗi xảy ra khi xử lý yêu cầu của bạn. Bạn vui lòng thử lại sau ít phút."
EXPIRED = "Câu hỏi này đã cũ, bạn vui lòng hỏi lại."
ARTICLE_GONE = "Bài này không còn trong kho bản tin (kho vừa được cập nhật). Bạn vui lòng hỏi lại để xem các bài hiện có."
THANKS_UP = "Cảm ơn bạn đã góp ý!"
THANKS_DOWN = "Cảm ơn bạn! Góp ý này giúp chúng tôi cải thiện câu trả lời."
NOT_FOUND = "Xin lỗi, tôi chưa tìm thấy thông tin phù hợp trong các bản tin hiện có."
TRY = "Bạn có thể thử:"


def not_found_tips(accented: bool) -> list[str]:
    """Hints after "not found": typing with accents first when the question had none."""
    tips = ["dùng ít từ hơn, giữ lại từ khóa chính (tên người, địa danh, sự kiện)", "kiểm tra lại chính tả"]
    if not accented:
        tips.insert(0, "gõ có dấu, ví dụ «kỷ niệm chương» thay vì «ky niem chuong»")
    else:
        tips.append("hỏi về nội dung có trong các bản tin (gõ /moi để xem bản tin mới nhất)")
    return tips


BUTTON_UP = "👍 Hữu ích"
BUTTON_DOWN = "👎 Chưa đúng"
BUTTON_ARTICLE = "📄 Toàn văn"
BUTTON_ARTICLE_N = "📄 Toàn văn bài {n}"
BUTTON_PREVIOUS = "◀ Trước"
BUTTON_MORE = "Xem thêm ▶"
SOURCE_LINK = "Nguồn"
NO_BULLETINS = "Chưa có bản tin nào được nạp."
LATEST_TITLE = "Các bản tin mới nhất"
INLINE_TITLE = "{title} ({date})"

STATS_TITLE = "Thống kê 7 ngày gần nhất"
STATS_DAY = "{day}: {count} câu hỏi, {not_found} không tìm thấy"
STATS_NONE = "Chưa có câu hỏi nào."
STATS_TOTAL = "Tổng cộng: {total} câu hỏi, tỷ lệ không tìm thấy {rate}%"
STATS_FEEDBACK = "Góp ý: 👍 {up} · 👎 {down}"
STATS_ARCHIVE = "Kho bản tin: {articles} bài, {passages} đoạn"
STATS_SYNC = "Cập nhật tin gần nhất: {when} — {feeds} nguồn, thêm {added} bài, sửa {updated} bài, {problems} lỗi"
STATS_SYNC_NEVER = "Chưa cập nhật tin từ nguồn RSS lần nào."
STATS_SYNC_EVERY = "Tự động cập nhật mỗi {minutes} phút."

SYNC_NO_FEEDS = (
    "Chưa có nguồn tin nào được cấu hình. Quản trị viên vui lòng thêm địa chỉ trang báo vào mục SITES "
    "(hoặc nguồn RSS vào mục FEEDS) trong tệp .env."
)
SYNC_RUNNING = "Đang cập nhật tin từ {n} nguồn, vui lòng đợi trong giây lát…"
SYNC_DONE = "Đã cập nhật tin từ {feeds} nguồn: {what}."
SYNC_ADDED = "thêm <b>{n}</b> bài mới"
SYNC_UPDATED = "{n} bài được sửa"
SYNC_NOTHING = "Đã kiểm tra {feeds} nguồn: chưa có bài mới."
SYNC_PROBLEMS = "{n} nguồn hoặc trang chưa đọc được (sẽ thử lại ở lần cập nhật sau):"
# The sync's reasons (English, for maintainers) said to an admin: first matching prefix wins.
SYNC_REASONS = (
    ("HTTP 5", "máy chủ của nguồn tin đang báo lỗi"),
    ("HTTP 404", "không tìm thấy địa chỉ (có thể nguồn đã đổi đường dẫn)"),
    ("HTTP 4", "máy chủ từ chối yêu cầu"),
    ("no answer within", "máy chủ không trả lời kịp"),
    ("cannot connect", "không kết nối được tới máy chủ"),
    ("larger than the limit", "trang quá lớn nên không tải"),
    ("a redirect loop", "địa chỉ chuyển hướng vòng quanh"),
    ("more than 5 redirects", "địa chỉ chuyển hướng quá nhiều lần"),
    ("cannot reach the site", "không kết nối được tới trang báo"),
    ("robots.txt answers", "trang báo đang báo lỗi nên chưa được phép tải"),
    ("not a news site", "địa chỉ không phải trang báo (không có sơ đồ trang, nguồn RSS hay bài viết)"),
    ("sitemap not read", "sơ đồ trang (sitemap) bị lỗi hoặc quá lớn"),
    ("not a web page", "địa chỉ không phải trang bài viết"),
    ("redirects off the site", "địa chỉ chuyển sang trang web khác"),
    ("the address returns a web page", "địa chỉ là một trang web, không phải nguồn RSS"),
    ("not a readable RSS", "nội dung nguồn RSS bị lỗi"),
    ("entry without a link", "một mục tin không có đường dẫn"),
    ("web page without article text", "trang không có nội dung bài viết"),
)
SYNC_REASON_OTHER = "không đọc được nội dung"

RELOADING = "Đang cập nhật bản tin, vui lòng đợi trong giây lát…"
RELOAD_NOTHING = "Không có bản tin mới hay thay đổi nào. Hiện có {articles} bản tin."
RELOAD_DONE = "Đã cập nhật xong: thêm <b>{added}</b> bản tin mới, {changed} bản tin được sửa, {removed} bản tin bị gỡ."
RELOAD_SIZE = "Hiện có {articles} bản tin, {passages} đoạn trích."
RELOAD_SKIPPED = "{n} tệp không đọc được:"
RELOAD_FAILED = "Chưa cập nhật được bản tin: {reason}. Bản tin cũ vẫn được dùng."
UPLOAD_NOT_ADMIN = "Xin lỗi, chỉ quản trị viên mới gửi được tệp bản tin để đưa vào kho. Nếu bạn muốn hỏi, vui lòng gõ câu hỏi bằng chữ nhé."
UPLOAD_TOO_BIG = (
    "Tệp {name} nặng {size} MB, vượt giới hạn {limit} MB nên chưa được tải về. Bạn vui lòng tách tệp thành các phần nhỏ hơn rồi gửi lại."
)
UPLOAD_UNSUPPORTED = (
    "Tôi chưa đọc được loại tệp {name}. Bot nhận: PDF (cả bản quét), Word (.docx), trang web đã lưu (.html), văn bản (.txt), "
    "kho .jsonl và ảnh chụp trang văn bản (.jpg, .png, .tif, .webp)."
)
UPLOAD_READING = "Đang đọc tệp {name}, vui lòng đợi trong giây lát…"
UPLOAD_QUEUED = "Đã nhận tệp {name}. Bot sẽ đọc tệp ngay khi xong việc cập nhật đang chạy, bạn vui lòng đợi trong giây lát…"
UPLOAD_DOWNLOAD_FAILED = "Chưa tải được tệp {name} từ Telegram. Bạn vui lòng gửi lại sau ít phút."
UPLOAD_ADDED = "Đã thêm <b>{n}</b> bài từ {name}:"
UPLOAD_SCANNED = "Đã nhận dạng chữ từ bản quét: {pages} trang, {chars} ký tự, độ tin cậy {confidence}%. Tiêu đề nhận được: «{title}»."
UPLOAD_DUPLICATE = "Tệp {name} đã có trong kho ({n} bài), không cần thêm lại."
UPLOAD_FAILED = "Không đọc được tệp {name}: {reason}."
UPLOAD_PARTLY = "Một số phần không đọc được:"
# The readers' reasons (English, for maintainers) said to a cadre: first matching prefix wins.
UPLOAD_REASONS = (
    (
        "scanned PDF from which OCR read no text",
        "không nhận dạng được chữ nào trong bản chụp (ảnh mờ, quá nhạt hoặc không có chữ); bạn vui lòng chụp hoặc quét lại rõ hơn",
    ),
    (
        "no text could be read from the picture",
        "không nhận dạng được chữ nào trong ảnh (ảnh mờ hoặc không phải trang văn bản); bạn vui lòng chụp lại rõ hơn",
    ),
    (
        "scanned PDF",
        "đây là bản chụp (PDF không có lớp chữ), cần nhận dạng chữ (OCR) nhưng máy chủ chưa cài Tesseract; quản trị viên vui lòng cài đặt theo hướng dẫn",
    ),
    (
        "a picture or scan needs OCR",
        "đây là ảnh chụp, cần nhận dạng chữ (OCR) nhưng máy chủ chưa cài Tesseract; quản trị viên vui lòng cài đặt theo hướng dẫn",
    ),
    ("damaged picture", "tệp ảnh bị hỏng; bạn vui lòng chụp hoặc lưu lại ảnh"),
    ("password-protected PDF", "tệp PDF có đặt mật khẩu; bạn vui lòng gửi bản không đặt mật khẩu"),
    ("damaged Word", "tệp Word bị hỏng hoặc tải về chưa trọn vẹn; bạn vui lòng gửi lại tệp gốc"),
    ("damaged PDF", "tệp PDF bị hỏng; bạn vui lòng xuất lại tệp PDF"),
    ("named .", "tên tệp và nội dung không khớp (ví dụ đuôi .pdf nhưng bên trong là trang web); bạn vui lòng tải lại tệp gốc"),
    ("an old Word .doc", "đây là tệp Word đời cũ (.doc); bạn vui lòng mở bằng Word và lưu lại dạng .docx"),
    ("a ZIP archive", "đây là tệp nén; bạn vui lòng giải nén rồi gửi từng tệp"),
    ("empty file", "tệp rỗng"),
    ("empty text", "bản ghi không có nội dung"),
    ("web page without", "trang web không có nội dung bài viết"),
    ("Word document without text", "tệp Word không có chữ (chỉ có ảnh?)"),
    ("Word document with a title but no text", "tệp Word chỉ có tiêu đề, không có nội dung"),
    ("binary file", "không phải tệp văn bản"),
    ("missing field", "bản ghi thiếu trường bắt buộc (id, text)"),
    ("malformed JSON", "dòng JSON bị lỗi cú pháp"),
    ("no text, only runs", "tệp chỉ có các ký hiệu hoặc một ký tự lặp đi lặp lại, không có nội dung chữ nên không phải bản tin"),
    ("could not be read (", "tệp có cấu trúc lạ mà bot chưa đọc được; quản trị viên vui lòng gửi tệp này cho nhóm kỹ thuật"),
)
# A file over a reading budget (retrieval/sources/budget.py), by budget; {limit} is written the Vietnamese way.
_HARMFUL = "có thể tệp bị hỏng hoặc được tạo để gây hại"
UPLOAD_OVER_BUDGET = {
    "unzipped": "tệp giải nén ra quá lớn (hơn {limit} MB); " + _HARMFUL,
    "stream": "tệp PDF giải nén ra quá lớn (hơn {limit} MB); " + _HARMFUL,
    "pages": "tệp PDF có quá nhiều trang (hơn {limit} trang); bạn vui lòng tách thành các tệp nhỏ hơn",
    "page_chars": "một trang của tệp PDF chứa quá nhiều chữ (hơn {limit} ký tự); " + _HARMFUL,
    "html": "trang web quá lớn (hơn {limit} MB); " + _HARMFUL,
    "article": "bài viết quá dài (hơn {limit} ký tự); bạn vui lòng tách thành nhiều bài",
    "memory": "đọc tệp cần quá nhiều bộ nhớ (hơn {limit} MB); " + _HARMFUL,
    "time": "đọc tệp mất quá nhiều thời gian (hơn {limit} giây); " + _HARMFUL,
    "pixels": "ảnh quá lớn (hơn {limit} điểm ảnh); " + _HARMFUL,
    "ocr_pages": "bản chụp có quá nhiều trang (hơn {limit} trang); bạn vui lòng tách thành các tệp nhỏ hơn",
    "ocr_seconds": "nhận dạng chữ bản chụp mất quá nhiều thời gian (hơn {limit} giây); bạn vui lòng tách thành các tệp nhỏ hơn",
}
UPLOAD_REASON_OTHER = "không nhận ra định dạng hoặc bảng mã của tệp; bạn vui lòng lưu lại dạng PDF, Word (.docx) hoặc văn bản Unicode"
RELOAD_BUSY = "Việc cập nhật bản tin đang chạy, bạn vui lòng đợi một chút."
UNKNOWN_COMMAND = "Tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh có thể dùng."

COMMANDS = (
    ("start", "Bắt đầu và xem câu hỏi mẫu"),
    ("hoi", "Đặt câu hỏi: /hoi <câu hỏi>"),
    ("moi", "Các bản tin mới nhất"),
    ("chudemoi", "Bắt đầu chủ đề mới (không hỏi tiếp câu trước)"),
    ("help", "Hướng dẫn cách hỏi"),
)
ADMIN_COMMANDS = (
    ("reload", "Nạp bản tin mới hoặc đã sửa"),
    ("capnhat", "Cập nhật tin mới từ các nguồn RSS ngay"),
    ("thongke", "Thống kê câu hỏi và góp ý"),
)
