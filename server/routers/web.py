"""GET /: the shoppers' chat page, one static file with no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)
PAGE = Path(__file__).resolve().parent.parent / "static" / "index.html"


@router.get("/")
async def chat_page() -> FileResponse:
    # Content-Security-Policy and the other security headers come from server.security.SecurityHeaders.
    return FileResponse(PAGE, media_type="text/html")
