"""The classifier's reviewed word lists in ``app/classification/data/*.json``."""

from __future__ import annotations

from typing import Any

from app.datafiles import load_json


def load(name: str) -> Any:
    return load_json("app.classification", name)
