"""Everything a cadre reads from the bot besides quotes: natural, polite Vietnamese."""

from __future__ import annotations

__all__ = [
    "EXAMPLES", "START", "HELP", "EMPTY", "TOO_LONG", "MEDIA_HINT", "NOT_ALLOWED", "ADMIN_ONLY",
    "RATE_LIMITED", "ERROR", "EXPIRED", "THANKS_UP", "THANKS_DOWN", "RELOADING", "RELOAD_BUSY",
    "UNKNOWN_COMMAND", "COMMANDS", "ADMIN_COMMANDS", "MAX_QUESTION",
]

MAX_QUESTION = 1000

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
    "• Có thể gõ không dấu, nhưng gõ có dấu sẽ cho kết quả chính xác hơn.\n\n"
    "<b>Các lệnh</b>\n"
    "/hoi – đặt câu hỏi\n/moi – các bản tin mới nhất\n/help – hướng dẫn này\n\n"
    "Dưới mỗi câu trả lời: <b>Xem thêm</b> để xem các đoạn tiếp theo, <b>Toàn văn</b> để đọc cả bài, "
    "👍/👎 để góp ý giúp bot trả lời tốt hơn."
)

EMPTY = "Bạn vui lòng gõ câu hỏi sau lệnh, ví dụ: <code>/hoi Bao nhiêu đồng chí được nhận kỷ niệm chương?</code>"
TOO_LONG = (
    "Câu hỏi hơi dài ({length} ký tự). Bạn vui lòng rút gọn dưới {limit} ký tự, "
    "chỉ giữ lại ý chính cần tra cứu."
)
MEDIA_HINT = "Hiện tôi chỉ đọc được câu hỏi dạng chữ. Bạn vui lòng gõ câu hỏi bằng tiếng Việt nhé."
NOT_ALLOWED = "Xin lỗi, bot này chỉ phục vụ cán bộ được cấp quyền. Bạn vui lòng liên hệ quản trị viên để được hỗ trợ."
ADMIN_ONLY = "Xin lỗi, lệnh này chỉ dành cho quản trị viên."
RATE_LIMITED = "Bạn đang hỏi hơi nhanh. Vui lòng đợi khoảng {seconds} giây rồi hỏi tiếp nhé."
ERROR = "Xin lỗi, đã có lỗi xảy ra khi xử lý yêu cầu của bạn. Bạn vui lòng thử lại sau ít phút."
EXPIRED = "Câu hỏi này đã cũ, bạn vui lòng hỏi lại."
THANKS_UP = "Cảm ơn bạn đã góp ý!"
THANKS_DOWN = "Cảm ơn bạn! Góp ý này giúp chúng tôi cải thiện câu trả lời."
RELOADING = "Đang cập nhật bản tin, vui lòng đợi trong giây lát…"
RELOAD_BUSY = "Việc cập nhật bản tin đang chạy, bạn vui lòng đợi một chút."
UNKNOWN_COMMAND = "Tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh có thể dùng."

COMMANDS = (
    ("start", "Bắt đầu và xem câu hỏi mẫu"),
    ("hoi", "Đặt câu hỏi: /hoi <câu hỏi>"),
    ("moi", "Các bản tin mới nhất"),
    ("help", "Hướng dẫn cách hỏi"),
)
ADMIN_COMMANDS = (
    ("reload", "Nạp bản tin mới hoặc đã sửa"),
    ("thongke", "Thống kê câu hỏi và góp ý"),
)
