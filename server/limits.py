"""Request limits as ASGI middleware: body size (413) and a per-client rate limit (429 + Retry-After)."""

from __future__ import annotations

import math
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_response


class BodySizeLimit:
    """Refuse bodies over ``max_bytes``, by Content-Length or while streaming, before any handler reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(scope, receive, send)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, f"the request body is larger than {self.max_bytes} bytes")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class RateLimit:
    """A token bucket per client address: ``per_minute`` requests, refilled continuously.

    Health, readiness and metrics are exempt so probes never trip it.
    """

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, per_minute: int, burst: int | None = None):
        self.app = app
        self.rate = per_minute / 60.0
        self.capacity = float(burst or per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self._take(client)
        if wait > 0:
            response = error_response(429, "too many requests; please slow down",
                                      headers={"Retry-After": str(math.ceil(wait))})
            return await response(scope, receive, send)
        await self.app(scope, receive, send)

    def _take(self, client: str) -> float:
        """Seconds to wait before a token is free; 0 when one was taken."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
