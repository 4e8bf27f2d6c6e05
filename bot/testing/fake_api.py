"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and the load benchmark.

The real python-telegram-bot client talks to it over HTTP. It checks what Telegram checks
(message length after entity parsing, HTML that Telegram would refuse, callback data over
64 bytes) and answers in Telegram's error format, so a bot that passes here does not get
"Bad Request: can't parse entities" in production.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

__all__ = ["BOT_ID", "BOT_USERNAME", "TOKEN", "BadRequest", "FakeTelegram", "check_html"]

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop"
BOT_ID = 123456789
BOT_USERNAME = "bantin_test_bot"

_ALLOWED_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "span": {"class"},
    "tg-spoiler": set(),
    "a": {"href"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class BadRequest(Exception):
    def __init__(self, description: str, code: int = 400, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.parameters = parameters


def _utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def check_html(text: str) -> str:
    """Parse Telegram HTML as Telegram does; return the visible text or raise BadRequest."""
    visible: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "<":
            m = _TAG_RE.match(text, pos)
            if not m:
                raise BadRequest(f"Bad Request: can't parse entities: Unsupported start tag at byte offset {pos}")
            closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if tag not in _ALLOWED_TAGS:
                raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" at byte offset {pos}')
            if closing:
                if not stack or stack[-1] != tag:
                    raise BadRequest(
                        f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {pos}, expected "</{stack[-1] if stack else ""}>", found "</{tag}>"'
                    )
                stack.pop()
            else:
                for attr in _ATTR_RE.findall(attrs):
                    if attr.lower() not in _ALLOWED_TAGS[tag]:
                        raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported attribute "{attr}" of tag "{tag}"')
                if tag == "blockquote" and "blockquote" in stack:
                    raise BadRequest("Bad Request: can't parse entities: blockquote entities can't be nested")
                stack.append(tag)
            pos = m.end()
        elif ch == "&":
            m = _ENTITY_RE.match(text, pos)
            if not m:
                raise BadRequest(f"Bad Request: can't parse entities: Character '&' is reserved and must be escaped at byte offset {pos}")
            visible.append("x")
            pos = m.end()
        elif ch == ">":
            visible.append(ch)
            pos += 1
        else:
            visible.append(ch)
            pos += 1
    if stack:
        raise BadRequest(f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(visible)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """Start with ``with FakeTelegram() as tg:``; the bot's base URL is ``tg.base_url``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.errors: list[tuple[str, dict]] = []  # (method, error) the server answered with
        self._updates: list[dict] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list[BadRequest]] = {}
        self.chats: dict[int, dict] = {}
        self._replies: dict[int, list[Call]] = {}  # message id → successful sendMessage calls replying to it
        self.messages: dict[tuple[int, int], dict] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id → (file_path, bytes), served by getFile and /file/
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)

    # -- lifecycle ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- what tests push --------------------------------------------------------------
    def fail_next(self, method: str, error: BadRequest) -> None:
        with self._cond:
            self._failures.setdefault(method, []).append(error)

    def _push(self, update: dict) -> int:
        with self._cond:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def user(self, user_id: int, name: str = "Cán bộ") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}

    def chat(self, chat_id: int, kind: str = "private") -> dict:
        chat = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "Cán bộ"
        else:
            chat["title"] = "Nhóm cán bộ xã"
        self.chats[chat_id] = chat
        return chat

    def send_text(
        self,
        text: str | None,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: dict | None = None,
        **extra: Any,
    ) -> dict:
        """A user's text message (commands get their bot_command entity, as Telegram sends them)."""
        chat_id = chat_id if chat_id is not None else user_id
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages[(chat_id, message["message_id"])] = message
        self._push({"message": message})
        return message

    def send_sticker(self, user_id: int = 1001) -> dict:
        return self.send_text(
            None,
            user_id,
            sticker={
                "file_id": "CAAC",
                "file_unique_id": "u1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )

    def send_document(
        self, name: str, data: bytes, user_id: int = 1001, mime: str = "application/octet-stream", size: int | None = None, **kw: Any
    ) -> dict:
        """A user's file. ``size`` overrides the size Telegram announces (to test limits without big files)."""
        file_id = f"DOC{len(self.files) + 1}"
        self.files[file_id] = (f"documents/file_{len(self.files) + 1}{Path(name).suffix}", data)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": mime,
            "file_size": size or len(data),
        }
        return self.send_text(None, user_id, document=document, **kw)

    def send_photo(self, data: bytes, width: int, height: int, user_id: int = 1001, **kw: Any) -> dict:
        """A user's photo, as Telegram sends one: several sizes, the largest last (here all the same bytes)."""
        file_id = f"PHOTO{len(self.files) + 1}"
        self.files[file_id] = (f"photos/file_{len(self.files) + 1}.jpg", data)
        sizes = [
            {"file_id": file_id, "file_unique_id": f"u{file_id}-{w}", "width": w, "height": h, "file_size": len(data)}
            for w, h in ((width // 8, height // 8), (width, height))
        ]
        return self.send_text(None, user_id, photo=sizes, **kw)

    def press(self, message: dict, data: str, user_id: int = 1001) -> str:
        qid = str(next(self._message_ids))
        self._push({"callback_query": {"id": qid, "from": self.user(user_id), "chat_instance": "ci", "message": message, "data": data}})
        return qid

    def inline(self, query: str, user_id: int = 1001) -> str:
        qid = str(next(self._message_ids))
        self._push({"inline_query": {"id": qid, "from": self.user(user_id), "query": query, "offset": ""}})
        return qid

    # -- what tests read --------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 15.0) -> Any:
        """Block until ``predicate(calls)`` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(list(self.calls))
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls][-15:]
                    raise AssertionError(f"timed out; last calls: {methods}; errors: {self.errors[-3:]}")
                self._cond.wait(min(left, 0.1))

    def replies_to(self, message: dict, timeout: float = 15.0) -> list[Call]:
        """Successful sendMessage calls that reply to ``message`` (waits for the first)."""
        mid = message["message_id"]
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._replies.get(mid):
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls][-15:]
                    raise AssertionError(f"no reply to {mid}; last calls: {methods}; errors: {self.errors[-3:]}")
                self._cond.wait(min(left, 0.1))
            return list(self._replies[mid])

    def sent_message(self, call: Call) -> dict:
        """The Message object the server returned for a sendMessage call."""
        return call.params["_result"]

    # -- the Bot API ------------------------------------------------------------------
    def _bot_user(self) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Bản tin Lạng Sơn",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _check_text(self, text: str | None, parse_mode: str | None) -> None:
        if text is None or text == "":
            raise BadRequest("Bad Request: message text is empty")
        visible = check_html(text) if parse_mode == "HTML" else text
        if not visible.strip():
            raise BadRequest("Bad Request: message text is empty")
        if _utf16_len(visible) > 4096:
            raise BadRequest("Bad Request: message is too long")

    def _check_markup(self, markup: dict | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (1 <= len(data.encode("utf-8")) <= 64):
                    raise BadRequest("Bad Request: BUTTON_DATA_INVALID")

    def _new_message(self, chat_id: int, text: str, markup: dict | None, reply_to: int | None) -> dict:
        chat = self.chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "?"}
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            "text": text,
        }
        if markup:
            msg["reply_markup"] = markup
        if reply_to and (chat_id, reply_to) in self.messages:
            msg["reply_to_message"] = self.messages[(chat_id, reply_to)]
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        with self._cond:
            queue = self._failures.get(method)
            if queue:
                raise queue.pop(0)
        if method == "getMe":
            return self._bot_user()
        if method in ("deleteWebhook", "setMyCommands", "sendChatAction", "close", "logOut", "setWebhook"):
            if method == "sendChatAction" and params.get("action") not in {"typing", "upload_document"}:
                raise BadRequest("Bad Request: wrong parameter action in request")
            return True
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            timeout = float(params.get("timeout") or 0)
            deadline = time.monotonic() + min(timeout, 5)
            with self._cond:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                while not self._updates and time.monotonic() < deadline:
                    self._cond.wait(deadline - time.monotonic())
                return list(self._updates)
        if method == "sendMessage":
            markup = _json(params.get("reply_markup"))
            self._check_text(params.get("text"), params.get("parse_mode"))
            self._check_markup(markup)
            return self._new_message(int(params["chat_id"]), params["text"], markup, _reply_id(params))
        if method == "editMessageText":
            markup = _json(params.get("reply_markup"))
            self._check_text(params.get("text"), params.get("parse_mode"))
            self._check_markup(markup)
            key = (int(params["chat_id"]), int(params["message_id"]))
            msg = self.messages.get(key)
            if msg is None:
                raise BadRequest("Bad Request: message to edit not found")
            if msg.get("text") == params["text"] and msg.get("reply_markup") == markup:
                raise BadRequest(
                    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"
                )
            msg = {**msg, "text": params["text"], "reply_markup": markup, "edit_date": int(time.time())}
            self.messages[key] = msg
            return msg
        if method == "getFile":
            if params.get("file_id") not in self.files:
                raise BadRequest("Bad Request: invalid file_id")
            path, data = self.files[params["file_id"]]
            if len(data) > 20 * 1024 * 1024:
                raise BadRequest("Bad Request: file is too big")
            return {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"], "file_size": len(data), "file_path": path}
        if method == "answerCallbackQuery":
            if len(params.get("text") or "") > 200:
                raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
            return True
        if method == "answerInlineQuery":
            results = _json(params.get("results")) or []
            if len(results) > 50:
                raise BadRequest("Bad Request: RESULTS_TOO_MUCH")
            for r in results:
                content = r.get("input_message_content") or {}
                self._check_text(content.get("message_text"), content.get("parse_mode"))
            return True
        raise BadRequest("Not Found: method not found", code=404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                if not m:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                token, method = m.groups()
                if token != server.token:
                    return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                params = _parse_body(self.headers.get("Content-Type", ""), body)
                call = Call(method, params)
                try:
                    result = server.handle(method, params)
                except BadRequest as exc:
                    payload = {"ok": False, "error_code": exc.code, "description": exc.description}
                    if exc.parameters:
                        payload["parameters"] = exc.parameters
                    with server._cond:
                        server.errors.append((method, payload))
                        call.params["_error"] = payload
                        server.calls.append(call)
                        server._cond.notify_all()
                    return self._reply(exc.code, payload)
                with server._cond:
                    if method != "getUpdates" or result:
                        call.params["_result"] = result
                        server.calls.append(call)
                        if method == "sendMessage" and (mid := _reply_id(params)) is not None:
                            server._replies.setdefault(mid, []).append(call)
                    server._cond.notify_all()
                self._reply(200, {"ok": True, "result": result})

            def do_GET(self) -> None:
                m = re.fullmatch(r"/file/bot([^/]+)/(.+)", unquote(self.path))  # httpx percent-encodes the token's colon
                if not m:
                    return self.do_POST()
                token, path = m.groups()
                found = [data for p, data in server.files.values() if p == path]
                if token != server.token or not found:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                with server._cond:
                    server.calls.append(Call("download", {"file_path": path}))
                    server._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(found[0])))
                self.end_headers()
                self.wfile.write(found[0])

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode("utf-8")  # ASCII escapes: a fuzzed lone surrogate still travels
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a long poll cut short at shutdown)

        return Handler


def _parse_body(content_type: str, body: str) -> dict[str, Any]:
    if not body:
        return {}
    if "application/json" in content_type:
        return json.loads(body)
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return json.loads(value)


def _reply_id(params: dict) -> int | None:
    if params.get("reply_to_message_id"):
        return int(params["reply_to_message_id"])
    rp = _json(params.get("reply_parameters"))
    return int(rp["message_id"]) if rp and rp.get("message_id") else None
