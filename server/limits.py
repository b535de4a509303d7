"""Request limits as ASGI middleware: body size (413) and a per-client rate limit (429 + Retry-After),
with the client told apart by address (X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Protocol, Sequence

from starlette.concurrency import run_in_threadpool
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


class ClientAddress:
    """Who is asking: the connecting address, or, when that is one of ``trusted_proxies``, the address the
    proxies say they forwarded for (the right-most X-Forwarded-For entry that is not itself a trusted proxy).
    A header from anyone else is ignored, so rotating it buys nothing."""

    def __init__(self, trusted_proxies: Sequence[IPv4Network | IPv6Network | str] = ()):
        self.trusted = [ip_network(str(network), strict=False) for network in trusted_proxies]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def of(self, scope: Scope) -> str:
        peer = (scope.get("client") or ("unknown", 0))[0]
        if not self.trusted or not self._trusted(peer):
            return peer
        forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._trusted(hop):
                try:
                    return str(ip_address(hop))
                except ValueError:
                    return peer  # a proxy passed on garbage: count it against the proxy's own address
        return peer


class RateBuckets(Protocol):
    """Where requests are counted: ``take(client)`` spends one and returns 0, or returns the seconds to wait."""

    blocking: bool  # True: take() waits on a database, so it runs in a worker thread

    def take(self, client: str) -> float: ...


class InProcessBuckets:
    """A token bucket per client in this process: ``burst`` tokens, refilled at ``per_minute``. At most
    ``max_clients`` buckets are kept (least recently seen go first), so a flood of addresses cannot grow
    memory without bound."""

    blocking = False

    def __init__(self, per_minute: int, burst: int, max_clients: int = 10_000):
        self.rate = per_minute / 60.0
        self.capacity = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str) -> float:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            taken = tokens >= 1
            self._buckets[client] = (tokens - 1 if taken else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0 if taken else (1 - tokens) / self.rate


class RateLimit:
    """A per-client rate limit: 429 with Retry-After once the client's bucket is empty.

    Probes, metrics and static files are exempt, so neither orchestrators nor a page's own icons and
    scripts spend a shopper's budget.
    """

    EXEMPT = ("/healthz", "/readyz", "/metrics", "/favicon.ico", "/robots.txt")
    EXEMPT_PREFIXES = ("/static/",)

    def __init__(self, app: ASGIApp, buckets: RateBuckets, clients: ClientAddress | None = None):
        self.app = app
        self.buckets = buckets
        self.clients = clients or ClientAddress()

    def exempt(self, path: str) -> bool:
        return path in self.EXEMPT or path.startswith(self.EXEMPT_PREFIXES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope["path"]):
            return await self.app(scope, receive, send)
        client = self.clients.of(scope)
        wait = await run_in_threadpool(self.buckets.take, client) if self.buckets.blocking else self.buckets.take(client)
        if wait > 0:
            response = error_response(429, "too many requests; please slow down",
                                      headers={"Retry-After": str(math.ceil(wait))})
            return await response(scope, receive, send)
        await self.app(scope, receive, send)
