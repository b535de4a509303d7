"""Operations: Prometheus metrics, a request id on every request, and JSON log lines."""

from __future__ import annotations

import json
import logging
import secrets
import time
from contextvars import ContextVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.models import Answer
from rag.privacy import MaskingFilter

request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("shopassist.access")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """One registry per app, so several apps (tests, workers) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("shopassist_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.errors = Counter("shopassist_errors_total", "HTTP responses with status >= 500", ["route"],
                              registry=self.registry)
        self.latency = Histogram("shopassist_request_seconds", "HTTP request latency", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.stage = Histogram("shopassist_stage_seconds", "Time per answer stage", ["stage"],
                               buckets=LATENCY_BUCKETS, registry=self.registry)
        self.refusals = Counter("shopassist_refusals_total", "Refused answers", ["handoff"], registry=self.registry)
        self.llm_failures = Counter("shopassist_llm_failures_total",
                                    "LLM calls that gave no usable draft (the extractive answer was given)", ["kind"],
                                    registry=self.registry)
        self.index_version = Gauge("shopassist_index_info", "The served index version (value 1)", ["version"],
                                   registry=self.registry)

    def observe_answer(self, answer: Answer) -> None:
        for stage, ms in answer.timings_ms.items():
            self.stage.labels(stage).observe(ms / 1000)
        if answer.refused:
            self.refusals.labels(str(answer.handoff).lower()).inc()
        if answer.grounding is not None and answer.grounding.generation_error:
            self.llm_failures.labels(answer.grounding.generation_error).inc()

    def set_index_version(self, version: str) -> None:
        self.index_version.clear()
        self.index_version.labels(version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestObserver:
    """Gives each request an id (X-Request-ID, kept if the caller sent a sane one), counts and times it, logs it."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if given.isascii() and 0 < len(given) <= 64 and given.replace("-", "").isalnum() else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route").path if scope.get("route") is not None else "unmatched"
            seconds = time.perf_counter() - started
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(route).observe(seconds)
            if status >= 500:
                self.metrics.errors.labels(route).inc()
            log.info("request", extra={"method": scope["method"], "route": route, "status": status,
                                       "ms": round(seconds * 1000, 1)})
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id; personal data is masked by MaskingFilter."""

    FIELDS = ("method", "route", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "request_id": request_id.get(), "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def json_log_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    return handler
