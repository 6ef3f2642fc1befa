"""Annotated dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.config import Settings
from app.db_types import MAX_ID


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_now(request: Request) -> datetime:
    """The service's clock (``app.state.clock``): UTC now, replaceable by tests that walk through time."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


NowDep = Annotated[datetime, Depends(get_now)]


# Ids in paths and queries, as both databases store them (see MAX_ID).
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="The resource's id.")]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
