"""Fakes: a large LLM (cannot run here), and an embedder that makes pure-logic tests fast. Small and scripted."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

# The fake embedder's registered name: Settings(embedding_model=FAKE_EMBEDDER, multilingual_model=None).
FAKE_EMBEDDER = "fake-word-length"


class WordLengthEmbedder:
    """A deterministic fake (after simonw/llm's EmbedDemo): a text's vector counts its words by length.

    Registered in rag.embedding like any model (tests/conftest.py), so indexes, retrievers, the reader and
    the evaluation runs use it where the real models would take seconds to load.
    """

    name = FAKE_EMBEDDER
    dimension = 16

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, min(len(word), self.dimension - 1)] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


class FakeOpenAIServer:
    """An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that replies from a script."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                reply = fake.replies.pop(0) if fake.replies else "NO_ANSWER"
                if body.get("stream"):
                    return self._stream(reply)
                payload = json.dumps({
                    "id": "fake-1", "object": "chat.completion", "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply}}],
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in [reply[i:i + 7] for i in range(0, len(reply), 7)]:
                    chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FailingOpenAIServer:
    """An OpenAI-compatible endpoint that fails in one way, for every request:
    ``http_400``, ``http_500``, ``malformed`` (200 with a body that is not a chat completion), ``slow``
    (answers after ``delay`` seconds), ``silent`` (accepts the connection, never answers), ``empty``
    (an empty message) or ``truncated`` (cut off at max_tokens)."""

    KINDS = ("http_400", "http_500", "malformed", "slow", "silent", "empty", "truncated")

    def __init__(self, kind: str, delay: float = 30.0):
        assert kind in self.KINDS, kind
        self.kind = kind
        self.calls = 0
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                self.rfile.read(int(self.headers["Content-Length"]))
                fake.calls += 1
                if fake.kind == "silent":
                    fake._release.wait()
                    return
                if fake.kind == "slow":
                    fake._release.wait(delay)
                status, payload = fake._reply()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _reply(self) -> tuple[int, bytes]:
        def completion(content: str, finish: str) -> bytes:
            return json.dumps({"id": "fake", "object": "chat.completion", "choices": [
                {"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}]}).encode()

        if self.kind == "http_400":
            return 400, b'{"error": {"message": "context length exceeded"}}'
        if self.kind == "http_500":
            return 500, b'{"error": {"message": "internal error"}}'
        if self.kind == "malformed":
            return 200, b'{"choices": [{"text": "not a chat message"'
        if self.kind == "empty":
            return 200, completion("", "stop")
        if self.kind == "truncated":
            return 200, completion("Returns are accepted within 30 days of deliv", "length")
        return 200, completion("Returns are accepted within 30 days of delivery [1].", "stop")

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
