"""Admin authentication, as a dependency routers declare."""

from __future__ import annotations

import secrets

from fastapi import Depends, HTTPException, Security
from fastapi.security import APIKeyHeader

from rag.settings import Settings
from server.dependencies import get_settings

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An admin API key from settings.")


def require_admin(key: str | None = Security(_api_key), settings: Settings = Depends(get_settings)) -> None:
    if not key:
        raise HTTPException(401, "an admin API key is required (X-API-Key header)", headers={"WWW-Authenticate": "APIKey"})
    if not any(secrets.compare_digest(key.encode(), k.get_secret_value().encode()) for k in settings.admin_api_keys):
        raise HTTPException(403, "that API key is not an admin key")
