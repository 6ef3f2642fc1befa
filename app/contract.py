"""Rules the validators enforce, stated in the published JSON Schema as well.

A model validator that refuses a body for a rule the schema does not show leaves integrators (and generated
clients and schema-driven tests) to meet an undocumented 422. The fragments here put such rules into the
schema (``json_schema_extra``) or build types whose schema and validation say the same thing. Each must
describe exactly what its validator checks.

`present` means "sent and not null": pydantic treats an explicit null like an absent field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import GroupedMetadata
from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

Schema = dict[str, Any]

# What pydantic's `strip_whitespace` trims (Unicode White_Space); written out because regular-expression
# engines disagree on `\s` (Python's includes U+001C..U+001F, which are not trimmed).
WHITESPACE = r"\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE_CHARS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# One character that is neither whitespace nor NUL (no database text column holds a NUL).
SOLID = rf"[^{WHITESPACE}\u0000]"
NO_NUL = r"^[^\u0000]*$"


def present(name: str, **constraints: Any) -> Schema:
    # No `type` of its own: the field's schema already bounds it, and this only adds "not null".
    return {"required": [name], "properties": {name: {"not": {"type": "null"}, **constraints}}}


def absent_or_null(name: str) -> Schema:
    # `properties` applies only to what is sent, so this holds for a missing field too.
    return {"properties": {name: {"type": "null"}}}


def any_of(*branches: Schema) -> Schema:
    return {"anyOf": list(branches)}


def exactly_one_of(*branches: Schema) -> Schema:
    return {"oneOf": list(branches)}


def requires(field: Schema, *, when: str) -> Schema:
    """``field`` must be present whenever ``when`` is."""
    return any_of(absent_or_null(when), field)


def text_present(*names: str) -> Schema:
    """At least one of the string fields ``names`` holds more than whitespace."""
    return any_of(*(present(name, pattern=SOLID) for name in names))


def solid_span(min_length: int) -> str:
    """The pattern of a string that keeps ``min_length`` characters once trimmed and holds no NUL: two solid
    characters at least ``min_length - 2`` apart (one, for a minimum of 1). For ``StringConstraints`` with
    ``strip_whitespace``, whose schema otherwise states the minimum only of the untrimmed string."""
    if min_length <= 1:
        return rf"^[^\u0000]*{SOLID}[^\u0000]*$"
    return rf"^[^\u0000]*{SOLID}[^\u0000]{{{min_length - 2},}}{SOLID}[^\u0000]*$"


# A TCP port, 1..65535, without leading zeros.
PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
# Neither a control character nor whitespace: what may stand in a URL as sent.
_URL_CHAR = rf"[^\u0000-\u0020\u007f-\u009f{WHITESPACE}]"
# An absolute http(s) URL as a source links to it: scheme, optional user info, a host name or bracketed IPv6
# literal, an optional port, then a path, query or fragment (where scraped links keep raw spaces);
# surrounding whitespace is trimmed.
HTTP_URL = (
    rf"^[{WHITESPACE}]*[Hh][Tt][Tt][Pp][Ss]?://(?:[^/?#@\[\]\u0000-\u0020\u007f-\u009f{WHITESPACE}]*@)?"
    rf"(?:\[[0-9A-Fa-f:.]+\]|[^/?#:@\[\]\u0000-\u0020\u007f-\u009f{WHITESPACE}]+)(?::{PORT})?"
    rf"(?:[/?#](?: |{_URL_CHAR})*)?[{WHITESPACE}]*$"
)


def _json_integer(value: object) -> object:
    # JSON Schema's integer is a number without a fraction (5 and 5.0 alike); `true` and "5" are not one,
    # though pydantic's lax mode would take them.
    if isinstance(value, (bool, str, bytes)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# Last in `Annotated[int, Field(ge=..., le=...), JSON_INTEGER]`: an integer in a JSON body exactly as the
# schema's `integer` says. (Put first, it would hide the bounds from the schema.)
JSON_INTEGER = BeforeValidator(_json_integer)


def _at_most(max_length: int) -> BeforeValidator:
    # The untrimmed text is bounded too, as the schema's `maxLength` says (`strip_whitespace` alone bounds
    # only what is left after trimming).
    def bounded(value: object) -> object:
        if isinstance(value, str) and len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        return value

    return BeforeValidator(bounded)


@dataclass(frozen=True)
class Trimmed(GroupedMetadata):
    """``Annotated[str, Trimmed(min, max)]``: text stored without surrounding whitespace, ``min``..``max``
    characters once trimmed and at most ``max`` as sent, without NUL — and a schema that says all of it."""

    min_length: int
    max_length: int

    def __iter__(self) -> Iterator[object]:
        pattern = solid_span(self.min_length) if self.min_length else NO_NUL
        yield StringConstraints(
            strip_whitespace=True, min_length=self.min_length, max_length=self.max_length, pattern=pattern
        )
        yield _at_most(self.max_length)
