"""Dependencies that routers declare; the app wires them in create_app."""

from __future__ import annotations

from fastapi import HTTPException, Request

from rag.settings import Settings
from server.handoffs import HandoffService
from server.observability import Metrics
from server.repositories import SessionStore
from server.state import ServingState


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def get_sessions(request: Request) -> SessionStore:
    return request.app.state.sessions


def get_serving(request: Request) -> ServingState:
    serving = getattr(request.app.state, "serving", None)
    if serving is None:
        raise HTTPException(503, "the assistant is still loading")
    return serving


def get_handoffs(request: Request) -> HandoffService:
    return request.app.state.handoffs
