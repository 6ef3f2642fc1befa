"""Migrations build the schema the models describe, on both databases, and can be undone."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

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


def test_detected_regions_of_mentions_stored_before_the_column_are_filled_in(
    databases: DatabaseFactory,
) -> None:
    from sqlmodel import select

    from app import demo
    from app.db import Database
    from app.mentions import service as mentions
    from app.mentions.models import MentionRegion
    from app.mentions.schemas import MentionCreate
    from app.reference.service import seed

    url = databases.create()
    engine = build_engine(test_settings(url))
    database = Database(engine)
    item = MentionCreate.model_validate(
        {
            "source_type": "online_news",
            "source_name": "Kaltim Post",
            "title": "Buaya muncul di Sungai Sangatta",
            "text": "Warga Sangatta Utara dan Samarinda diminta waspada.",
            "published_at": "2026-12-07T08:00:00+08:00",
            "region_codes": ["64.72"],
        }
    )
    try:
        with database.session() as session:
            seed(session)
            mention_id = mentions.store(session, principal=demo.loader(session), items=[item])[0].id

        def rows() -> list[tuple[str, bool]]:
            with database.session() as session:
                found = session.exec(select(MentionRegion).where(MentionRegion.mention_id == mention_id))
                return sorted((r.region_code, r.detected) for r in found)

        assert rows() == [("64.04", True), ("64.72", False)]
        config = migrations.alembic_config(url)
        command.downgrade(config, "-1")  # before the column: only the hint is left
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT region_code FROM mention_region WHERE mention_id = :id"), {"id": mention_id}
            ).all()
            assert [code for (code,) in left] == ["64.72"]
        command.upgrade(config, "head")
        assert rows() == [("64.04", True), ("64.72", False)]
    finally:
        engine.dispose()
