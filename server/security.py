"""Admin authentication, access to operational pages, and the browser-facing security headers."""

from __future__ import annotations

import secrets

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.settings import Settings
from server.dependencies import get_settings
from server.errors import error_response

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An admin API key from settings.")

DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")


def is_admin_key(key: str | None, settings: Settings) -> bool:
    return bool(key) and any(
        secrets.compare_digest(key.encode(), k.get_secret_value().encode()) for k in settings.admin_api_keys
    )


def require_admin(key: str | None = Security(_api_key), settings: Settings = Depends(get_settings)) -> None:
    if not key:
        raise HTTPException(401, "an admin API key is required (X-API-Key header)", headers={"WWW-Authenticate": "APIKey"})
    if not is_admin_key(key, settings):
        raise HTTPException(403, "that API key is not an admin key")


def guard_access(access: str, request: Request, settings: Settings) -> None:
    """``access`` is "public", "admin" or "off" (then the page does not exist: 404)."""
    if access == "off":
        raise HTTPException(404, "not found")
    if access == "admin":
        require_admin(request.headers.get("X-API-Key"), settings)


def metrics_access(request: Request, settings: Settings = Depends(get_settings)) -> None:
    guard_access(settings.metrics_access, request, settings)


def content_security_policy(allowed_origins: list[str]) -> str:
    """Scripts, styles and everything else from our own files only (no inline code); framing only by the
    sites in ``allowed_origins`` (none by default)."""
    frames = " ".join(allowed_origins) if allowed_origins else "'none'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frames}"
    )


class SecurityHeaders:
    """Adds the Content-Security-Policy and related headers to every response, and keeps the API docs
    public, behind the admin key, or off (``docs_access``). The docs page is Swagger UI, which needs its
    inline bootstrap script and CDN assets, so it alone gets a looser policy."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings
        self.headers = [
            (b"content-security-policy", content_security_policy(settings.allowed_origins).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if not settings.allowed_origins:
            self.headers.append((b"x-frame-options", b"DENY"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        docs = scope["path"] in DOCS_PATHS
        if docs:
            refusal = self._docs_refusal(scope)
            if refusal is not None:
                return await refusal(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present and not (docs and k == b"content-security-policy")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _docs_refusal(self, scope: Scope):
        access = self.settings.docs_access
        if access == "public":
            return None
        if access == "off":
            return error_response(404, "not found")
        key = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1")
        if not key:
            return error_response(401, "an admin API key is required (X-API-Key header)",
                                  headers={"WWW-Authenticate": "APIKey"})
        return None if is_admin_key(key, self.settings) else error_response(403, "that API key is not an admin key")
