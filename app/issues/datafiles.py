"""The clustering's reviewed word lists in ``app/issues/data/*.json``."""

from __future__ import annotations

from typing import Any

from app.datafiles import load_json


def load(name: str) -> Any:
    return load_json("app.issues", name)
