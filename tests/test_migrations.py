"""Migrations build the schema the models describe, on both databases, and can be undone."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from alembic import command
from app import migrations
from app.all_models import metadata
from app.db import build_engine
from tests.conftest import DatabaseFactory, test_settings


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_base_and_upgrade_again(databases: DatabaseFactory) -> None:
    url = databases.create()
    config = migrations.alembic_config(url)
    command.downgrade(config, "base")
    engine = build_engine(test_settings(url))
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert migrations.at_head(engine, url)
    assert {"mention", "mention_region", "api_client", "idempotency_record", "region", "agency"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()
