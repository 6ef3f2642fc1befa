"""``openapi.yaml``: the published contract, generated from the code and checked for drift by a test."""

from __future__ import annotations

import yaml

from app.config import Environment, Settings


def render() -> str:
    from app.db import Database, build_engine
    from app.main import create_app

    # The document must not depend on the machine: fixed settings, an engine that is never connected.
    settings = Settings(env=Environment.test, database_url="sqlite://")
    app = create_app(settings, Database(build_engine(settings)))
    return yaml.dump(app.openapi(), Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=110)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared objects out in full: YAML anchors (&id001) confuse readers and some tools."""

    def ignore_aliases(self, data: object) -> bool:
        return True
