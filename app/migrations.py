"""Running and checking the Alembic migrations from inside the application."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from alembic import command
from app.db import normalise_url


def _project_dir() -> Path:
    """Where ``alembic/`` lives: ``SIGAP_ALEMBIC_DIR`` (the container sets it), else beside the package."""
    configured = os.environ.get("SIGAP_ALEMBIC_DIR")
    if configured:
        return Path(configured).resolve().parent
    return Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    root = _project_dir()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


@cache
def head_revisions(database_url: str) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def at_head(engine: Engine, database_url: str) -> bool:
    return current_revisions(engine) == head_revisions(database_url)
