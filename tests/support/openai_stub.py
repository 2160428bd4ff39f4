"""A real OpenAI-compatible HTTP server with scripted answers, for tests and the benchmark.

The LLM is the only thing the test-suite replaces, and it is replaced by this server, not by a mock:
the client code path (the `openai` SDK, httpx, JSON over a socket) runs exactly as in production.
It lives in the product package (not under tests/) because `manage.py bench --llm-stub` runs the
pipeline against it too, and the product must not import its tests. Nothing else uses it.

The server listens on 127.0.0.1 on a free port, in a background thread, and speaks:

- ``POST /v1/chat/completions``: answers from a queue of `Reply` objects, then from `handler`
  (a callable taking the request JSON), else an HTTP 500 that says the script ran out;
- ``POST /v1/embeddings``: its own queue, else deterministic hash vectors;
- ``GET /v1/models``.

Fault modes are replies too: `Reply.server_error()` (HTTP 500), `Reply.rate_limited()` (429),
`Reply.client_error()` (4xx), `Reply.slow()` (sleeps before answering, to trip a client timeout),
`Reply.malformed()` (a 200 whose body is not JSON), `Reply.nonsense()` (a valid envelope around
garbage text), `Reply.drop()` (closes the socket without answering). Connection refused is
`stub.stop()`: the listening socket and every kept-alive connection are closed.

Every request is recorded (`stub.requests`, bodies parsed) so tests can assert what left the process
(data egress), and counted (`stub.calls`, `stub.chat_calls`, `stub.embedding_calls`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

DEFAULT_MODEL = "gpt-4o-mini"

NONSENSE = "Sure! Here is what you asked for: lorem ipsum dolor sit amet, the answer is 42."


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class methods rather than by hand."""

    kind: str = "completion"  # completion | error | malformed | drop | embedding
    content: str | None = None
    status: int = 200
    finish_reason: str = "stop"
    prompt_tokens: int | None = None  # None: estimated from the request
    completion_tokens: int | None = None  # None: estimated from the content
    delay_s: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    error_type: str = ""
    model: str | None = None  # None: echo the requested model
    embeddings: tuple[tuple[float, ...], ...] | None = None

    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        """A normal completion whose message content is `content`."""
        return cls(kind="completion", content=content, **kw)

    @classmethod
    def json(cls, payload: Mapping[str, Any] | list[Any], **kw: Any) -> Reply:
        """A normal completion whose message content is `payload` serialised as JSON."""
        return cls(kind="completion", content=json.dumps(payload, ensure_ascii=False), **kw)

    @classmethod
    def nonsense(cls, **kw: Any) -> Reply:
        """A valid envelope around text that is not what was asked for."""
        return cls(kind="completion", content=NONSENSE, **kw)

    @classmethod
    def server_error(cls, status: int = 500, message: str = "The server had an error") -> Reply:
        return cls(kind="error", status=status, content=message, error_type="server_error")

    @classmethod
    def rate_limited(cls, retry_after: float | None = None) -> Reply:
        headers = (("retry-after", f"{retry_after:g}"),) if retry_after is not None else ()
        return cls(
            kind="error",
            status=429,
            content="Rate limit reached",
            error_type="rate_limit_exceeded",
            headers=headers,
        )

    @classmethod
    def client_error(cls, status: int = 400, message: str = "Invalid request") -> Reply:
        return cls(kind="error", status=status, content=message, error_type="invalid_request_error")

    @classmethod
    def slow(cls, seconds: float, then: Reply | None = None) -> Reply:
        """Sleep `seconds` before sending `then` (by default an empty JSON object)."""
        return replace(then or cls.json({}), delay_s=seconds)

    @classmethod
    def malformed(cls) -> Reply:
        """HTTP 200 declared as JSON whose body is not JSON (a broken proxy, a truncated body)."""
        return cls(kind="malformed", content='{"id": "chatcmpl-broken", "choices": [')

    @classmethod
    def drop(cls) -> Reply:
        """Close the connection without answering."""
        return cls(kind="drop")

    @classmethod
    def embedding(cls, *vectors: tuple[float, ...] | list[float]) -> Reply:
        return cls(kind="embedding", embeddings=tuple(tuple(v) for v in vectors))


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or None when the body was not JSON
    raw: str

    def message_text(self) -> str:
        """Every message content of a chat request, joined: what the model would read."""
        if not isinstance(self.body, dict):
            return self.raw
        parts = []
        for message in self.body.get("messages") or []:
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif content is not None:
                parts.append(json.dumps(content, ensure_ascii=False))
        return "\n".join(parts)


def estimate_tokens(text: str) -> int:
    """Rough token count for the usage block: one token per four characters."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


Handler = Callable[[dict[str, Any]], "Reply | str | Mapping[str, Any] | None"]


@dataclass
class _Script:
    queue: deque[Reply] = field(default_factory=deque)
    handler: Handler | None = None


class OpenAIStub:
    """The server. Use as a context manager, or `start()` / `stop()`."""

    def __init__(self, *, model: str = DEFAULT_MODEL, embedding_dim: int = 16) -> None:
        self.model = model
        self.embedding_dim = embedding_dim
        self._chat = _Script()
        self._embeddings = _Script()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self.unscripted = 0  # chat requests that found no scripted reply

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> OpenAIStub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._port = server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections: later requests get 'connection refused'."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        # A kept-alive connection would otherwise go on being served by its handler thread.
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to give the SDK as `base_url` (it appends `/chat/completions`)."""
        if self._port is None:
            raise RuntimeError("the stub was never started")
        return f"http://127.0.0.1:{self._port}/v1"

    # -- script --------------------------------------------------------------------------------
    def enqueue(self, *replies: Reply | str | Mapping[str, Any]) -> None:
        """Queue chat-completion replies, answered in order (a str or dict becomes content)."""
        with self._lock:
            self._chat.queue.extend(_coerce(r) for r in replies)

    def enqueue_embeddings(self, *replies: Reply) -> None:
        with self._lock:
            self._embeddings.queue.extend(replies)

    def set_handler(self, handler: Handler | None) -> None:
        """Answer chat requests the queue does not cover with `handler(request_json)`."""
        with self._lock:
            self._chat.handler = handler

    def set_embedding_handler(self, handler: Handler | None) -> None:
        with self._lock:
            self._embeddings.handler = handler

    def reset(self) -> None:
        """Forget the script and the recorded requests."""
        with self._lock:
            self._chat = _Script()
            self._embeddings = _Script()
            self._requests.clear()
            self.unscripted = 0

    # -- what happened ---------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def chat_calls(self) -> int:
        return sum(1 for r in self.requests if r.path.endswith("/chat/completions"))

    @property
    def embedding_calls(self) -> int:
        return sum(1 for r in self.requests if r.path.endswith("/embeddings"))

    @property
    def pending(self) -> int:
        """Scripted chat replies not consumed yet."""
        with self._lock:
            return len(self._chat.queue)

    def all_sent_text(self) -> str:
        """Every request body as received: the haystack for data-egress assertions."""
        return "\n".join(r.raw for r in self.requests)

    # -- internals used by the request handler ---------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_reply(self, script_name: str, body: Any) -> Reply | None:
        with self._lock:
            script = self._chat if script_name == "chat" else self._embeddings
            if script.queue:
                return script.queue.popleft()
            handler = script.handler
        if handler is not None and isinstance(body, dict):
            answer = handler(body)
            if answer is not None:
                return _coerce(answer)
        return None

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-stub{next(self._ids):06d}"


def _coerce(reply: Reply | str | Mapping[str, Any]) -> Reply:
    if isinstance(reply, Reply):
        return reply
    if isinstance(reply, str):
        return Reply.text(reply)
    return Reply.json(reply)


def _hash_vector(text: str, dim: int) -> list[float]:
    """A deterministic unit vector per text, so equal texts embed equally."""
    digest = b""
    counter = 0
    while len(digest) < dim * 4:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    raw = [int.from_bytes(digest[i * 4 : i * 4 + 4], "big") / 2**32 - 0.5 for i in range(dim)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


def _make_handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 so the SDK's connection pool keeps connections alive, as with a real endpoint.
        protocol_version = "HTTP/1.1"
        server_version = "openai-stub/1"
        # Buffered writes: headers and body leave in one segment (unbuffered, Nagle plus delayed
        # ACK add ~40 ms per response on loopback, which would swamp the latency measurements).
        wbufsize = -1

        def setup(self) -> None:
            super().setup()
            stub._track(self.connection, add=True)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                stub._track(self.connection, add=False)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        # -- verbs -------------------------------------------------------------------------
        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": stub.model, "object": "model", "owned_by": "stub"}],
                    },
                )
            else:
                self._send_error(404, "Not found", "invalid_request_error")

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            path = self.path.split("?", 1)[0].rstrip("/")
            stub._record(
                RecordedRequest(
                    method="POST",
                    path=path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    raw=raw,
                )
            )
            if path.endswith("/chat/completions"):
                self._chat(body)
            elif path.endswith("/embeddings"):
                self._embed(body)
            else:
                self._send_error(404, f"Unknown path {path}", "invalid_request_error")

        # -- endpoints ---------------------------------------------------------------------
        def _chat(self, body: Any) -> None:
            reply = stub._next_reply("chat", body)
            if reply is None:
                with stub._lock:
                    stub.unscripted += 1
                self._send_error(500, "openai_stub: no scripted reply left", "server_error")
                return
            if not self._wait(reply.delay_s):
                return
            if self._send_fault(reply):
                return
            request = body if isinstance(body, dict) else {}
            content = reply.content if reply.content is not None else ""
            prompt_tokens = reply.prompt_tokens
            if prompt_tokens is None:
                prompt_tokens = sum(
                    estimate_tokens(str(m.get("content") or ""))
                    for m in request.get("messages") or []
                )
            completion_tokens = reply.completion_tokens
            if completion_tokens is None:
                completion_tokens = estimate_tokens(content)
            self._send_json(
                200,
                {
                    "id": stub._new_id("chatcmpl"),
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": reply.model or request.get("model") or stub.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "logprobs": None,
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                },
                reply.headers,
            )

        def _embed(self, body: Any) -> None:
            reply = stub._next_reply("embeddings", body)
            if reply is not None:
                if not self._wait(reply.delay_s):
                    return
                if self._send_fault(reply):
                    return
            request = body if isinstance(body, dict) else {}
            inputs = request.get("input")
            texts = [inputs] if isinstance(inputs, str) else [str(t) for t in inputs or []]
            dim = int(request.get("dimensions") or stub.embedding_dim)
            if reply is not None and reply.embeddings is not None:
                vectors = [list(v) for v in reply.embeddings]
            else:
                vectors = [_hash_vector(t, dim) for t in texts]
            tokens = sum(estimate_tokens(t) for t in texts)
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"object": "embedding", "embedding": vec, "index": i}
                        for i, vec in enumerate(vectors)
                    ],
                    "model": request.get("model") or "text-embedding-3-small",
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            )

        # -- plumbing ----------------------------------------------------------------------
        def _wait(self, seconds: float) -> bool:
            """Sleep, but wake up when the stub stops; False means: do not answer."""
            if seconds <= 0:
                return True
            return not stub._stopping.wait(seconds)

        def _send_fault(self, reply: Reply) -> bool:
            if reply.kind == "error":
                self._send_error(
                    reply.status, reply.content or "error", reply.error_type, reply.headers
                )
                return True
            if reply.kind == "malformed":
                self._send_raw(200, (reply.content or "").encode(), "application/json")
                return True
            if reply.kind == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return True
            return False

        def _send_error(
            self,
            status: int,
            message: str,
            error_type: str,
            headers: tuple[tuple[str, str], ...] = (),
        ) -> None:
            payload = {
                "error": {"message": message, "type": error_type, "param": None, "code": None}
            }
            self._send_json(status, payload, headers)

        def _send_json(
            self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()
        ) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self._send_raw(status, data, "application/json", headers)

        def _send_raw(
            self,
            status: int,
            data: bytes,
            content_type: str,
            headers: tuple[tuple[str, str], ...] = (),
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.send_header("x-request-id", stub._new_id("req"))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                # The client gave up (its timeout fired) before we answered: nothing to do.
                self.close_connection = True

    return _Handler
