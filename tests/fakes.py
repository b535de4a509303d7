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
