"""Optimistic concurrency for officers' edits: an ETag carries a row's version; writes send it back."""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired


def etag(kind: str, row_id: int | None, version: int) -> str:
    return f'"{kind}-{row_id}-v{version}"'


def check_if_match(current: str, if_match: str | None, *, what: str, required: bool = True) -> None:
    """428 when a required If-Match is missing, 412 when it names another version (``*`` matches any)."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                f"Send the {what}'s ETag in If-Match: read the {what}, then change it.",
                code="IF_MATCH_REQUIRED",
            )
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            f"The {what} changed since you read it (now {current}); read it again, then reapply.",
            code=f"{what.upper().replace(' ', '_')}_CHANGED",
        )
