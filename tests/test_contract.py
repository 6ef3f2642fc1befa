"""The published schema states the rules the validators enforce: the same strings pass both or neither."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
from pydantic import StringConstraints, TypeAdapter, ValidationError

from app.contract import HTTP_URL, WHITESPACE, WHITESPACE_CHARS, solid_span
from app.issues.schemas import Reason, Title
from app.mentions.schemas import MentionCreate
from app.monitoring.schemas import Term

STRIPPED = TypeAdapter(Annotated[str, StringConstraints(strip_whitespace=True)])


def test_the_whitespace_class_is_what_pydantic_trims() -> None:
    trimmed = {chr(c) for c in range(0x3001) if STRIPPED.validate_python(f"{chr(c)}x") == "x"}
    assert trimmed == set(WHITESPACE_CHARS)
    assert {c for c in map(chr, range(0x3001)) if re.fullmatch(f"[{WHITESPACE}]", c)} == trimmed


def _accepts(adapter: TypeAdapter[Any], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


SAMPLES = [
    "Banjir Samarinda",
    "  ab  ",
    " a ",
    "a\x00bcdef",
    "\x1cabcd",
    "ab\u3000\u3000\u3000",
    "\u00a0\u00a0abcde\u2028",
    "\u200bab",
    "abcd",
    "abcde",
    "a   e",
    "\t\n",
    "a" * 99 + "  ",  # within a term's 100 once trimmed, not as sent
    " " + "b" * 100,
]


@pytest.mark.parametrize(("kind", "minimum"), [(Reason, 5), (Title, 3), (Term, 2)])
def test_a_trimmed_minimum_is_in_the_pattern(kind: Any, minimum: int) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    schema = adapter.json_schema()
    assert schema["pattern"] == solid_span(minimum)
    for value in SAMPLES:
        in_schema = re.search(schema["pattern"], value) is not None and (
            schema["minLength"] <= len(value) <= schema["maxLength"]
        )
        assert in_schema == _accepts(adapter, value), (value, in_schema)


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://kaltim.example.id/berita/banjir-samarinda?id=7#atas", True),
        ("HTTP://Kaltim.Example.id", True),
        ("  https://kaltim.example.id/a  ", True),
        ("https://[2001:db8::1]:8443/x", True),
        ("https://redaksi:rahasia@kaltim.example.id/", True),
        ("https://kaltim.example.id:65535/", True),
        ("https://kaltim.example.id:65536/", False),
        ("https://kaltim.example.id:0/", False),
        ("https://kaltim.example.id/cari?kata=banjir samarinda", True),
        ("https://kaltim.example.id/a\u00a0b", False),
        ("https://kaltim example.id/", False),
        ("https://kaltim.example.id/\x07", False),
        ("ftp://kaltim.example.id/", False),
        ("kaltim.example.id/berita", False),
        ("https://", False),
        ("https://[kaltim]/", False),
    ],
)
def test_a_mention_url_passes_the_pattern_exactly_when_it_is_accepted(url: str, valid: bool) -> None:
    body = {"source_type": "online_news", "title": "Banjir", "published_at": "2026-11-27T07:45:00+08:00"}
    accepted = _accepts(TypeAdapter(MentionCreate), {**body, "url": url})  # type: ignore[arg-type]
    assert (re.match(HTTP_URL, url) is not None, accepted) == (valid, valid)
    assert MentionCreate.model_json_schema()["properties"]["url"]["pattern"] == HTTP_URL


@pytest.mark.parametrize(
    ("reach", "accepted"), [(48000, True), (48000.0, True), (True, False), ("48000", False)]
)
def test_a_count_is_a_json_integer(reach: Any, accepted: bool) -> None:
    # JSON Schema's integer: 5.0 is one; `true` and "5" are not, though pydantic's lax mode takes them.
    body = {"source_type": "x", "text": "Banjir", "published_at": "2026-11-27T07:45:00+08:00"}
    adapter: TypeAdapter[Any] = TypeAdapter(MentionCreate)
    assert _accepts(adapter, {**body, "metrics": {"reach": reach}}) == accepted  # type: ignore[arg-type]
    assert MentionCreate.model_json_schema()["$defs"]["MentionMetrics"]["properties"]["reach"]["anyOf"][
        0
    ] == {
        "maximum": 10**15,
        "minimum": 0,
        "type": "integer",
    }
