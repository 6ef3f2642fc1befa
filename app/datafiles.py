"""Reviewed data files shipped inside a domain package (``app/<domain>/data/*.json``), read once per process.

They are package data (``importlib.resources``) so an installed wheel finds them without a source tree.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(package: str, name: str) -> Any:
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)
