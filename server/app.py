"""create_app(settings): wires routers, dependencies and error handlers; nothing else."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from rag.settings import Settings
from server.errors import install_error_handlers
from server.handoffs import HandoffService
from server.limits import BodySizeLimit, ClientAddress, RateLimit
from server.observability import Metrics, RequestObserver
from server.reloader import IndexReloader
from server.repositories import open_repositories
from server.routers import (
    admin,
    chat,
    feedback,
    handoffs,
    health,
    openai_compat,
    search,
    sessions,
    web,
)
from server.security import SecurityHeaders
from server.state import ServingState


def create_app(settings: Settings, serving: ServingState | None = None) -> FastAPI:
    """Build the app; pass ``serving`` to reuse an already loaded index (the CLI and tests do)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.serving is None:
            app.state.serving = await run_in_threadpool(ServingState.load, settings)
        watcher = None
        if settings.reload_interval_seconds > 0:
            watcher = asyncio.create_task(app.state.reloader.watch())
        await app.state.handoffs.resume()
        yield
        await app.state.handoffs.shutdown()
        if watcher is not None:
            watcher.cancel()
        app.state.repositories.close()

    app = FastAPI(
        title="ShopAssist",
        version="0.1.0",
        summary="A grounded customer-service assistant: every answer cites the store's own passages.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.serving = serving
    app.state.reloader = IndexReloader(app, settings)
    app.state.repositories = open_repositories(settings)  # SQLite files, or PostgreSQL with database_url
    app.state.sessions = app.state.repositories.sessions
    app.state.handoffs = HandoffService(settings, app.state.sessions, app.state.repositories.handoffs)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit_per_minute:
        app.add_middleware(RateLimit, buckets=app.state.repositories.rate_buckets(settings),
                           clients=ClientAddress(settings.trusted_proxies))
    app.add_middleware(SecurityHeaders, settings=settings)
    if settings.allowed_origins:  # browsers on these sites may call the API (the embedded widget)
        app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-Session-Token", "X-Request-ID"],
                           expose_headers=["Retry-After", "X-Request-ID"], max_age=600)
    app.state.metrics = Metrics()
    app.add_middleware(RequestObserver, metrics=app.state.metrics)  # outermost: sees 413s and 429s too
    app.include_router(web.router)
    app.include_router(web.api)
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(openai_compat.router)
    app.include_router(search.router)
    app.include_router(feedback.router)
    app.include_router(sessions.router)
    app.include_router(handoffs.router)
    app.include_router(admin.router)
    app.include_router(handoffs.admin_router)
    return app
