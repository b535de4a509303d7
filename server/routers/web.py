"""The shoppers' chat: the widget's files (one script tag embeds it on any page), the full-page chat at /
that runs the same widget, and the widget's configuration from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel

from rag.settings import Settings
from server.dependencies import get_settings

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/v1", tags=["widget"])
STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = {  # path: (file, media type); nothing else in static/ is served
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),
}


class WidgetConfig(BaseModel):
    store_name: str
    greeting: dict[str, str]
    suggestions: dict[str, list[str]]
    max_message_chars: int


@router.get("/")
async def chat_page() -> FileResponse:
    # Content-Security-Policy and the other security headers come from server.security.SecurityHeaders.
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


def _asset_route(path: str, name: str, media_type: str) -> None:
    async def asset() -> FileResponse:
        # Cross-origin: a store's pages load the widget from here (a script tag and its stylesheet need no CORS).
        return FileResponse(STATIC / name, media_type=media_type, headers={
            "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
        })

    router.add_api_route(path, asset, methods=["GET"], name=f"asset:{path}")


for _path, (_name, _media_type) in ASSETS.items():
    _asset_route(_path, _name, _media_type)


@api.get("/widget/config", response_model=WidgetConfig)
async def widget_config(settings: Settings = Depends(get_settings)) -> WidgetConfig:
    """What the widget opens with: the store's name, greeting and suggested questions per language."""
    return WidgetConfig(store_name=settings.store_name, greeting=settings.widget_greeting,
                        suggestions=settings.widget_suggestions, max_message_chars=settings.max_message_chars)
