"""One error model: every 4xx/5xx leaves the service as RFC 9457 ``application/problem+json``.

Domain code raises :class:`AppError` subclasses; the handlers in :mod:`app.main` render them, and also turn
FastAPI's validation errors, Starlette's HTTP errors and database outages into the same shape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://sigap.kaltimprov.go.id/problems/"


class FieldError(BaseModel):
    """One invalid input: where it is (``loc``), what is wrong and a stable ``type``."""

    loc: list[str | int] = Field(examples=[["body", "published_at"]])
    msg: str = Field(examples=["published_at must carry a UTC offset, e.g. 2026-11-27T08:15:00+08:00"])
    type: str = Field(examples=["timezone_aware"])


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable ``code`` and validation ``errors``."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": PROBLEM_TYPE_BASE + "not-found",
                "title": "Not found",
                "status": 404,
                "detail": "Mention 4711 does not exist.",
                "instance": "/v1/mentions/4711",
                "code": "NOT_FOUND",
            }
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    errors: list[FieldError] | None = None
    allowed_actions: list[str] | None = Field(
        default=None, description="With `INVALID_TRANSITION`: the actions the resource allows now."
    )


class AppError(Exception):
    """Base of every error the service means to return; subclasses fix status, code and title."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.extensions = extensions or {}
        self.detail = detail
        self.instance_code = code or self.code
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self, instance: str | None) -> dict[str, Any]:
        return (
            problem_body(
                status=self.status,
                code=self.instance_code,
                title=self.title,
                detail=self.detail,
                instance=instance,
                errors=self.errors,
            )
            | self.extensions
        )


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    instance: str | None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return body


class BadRequest(AppError):
    status = 400
    code = "BAD_REQUEST"
    title = "Bad request"


class Unauthorized(AppError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Authentication required"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(
            detail, code=code, headers={"WWW-Authenticate": 'Bearer realm="sigap", error="invalid_token"'}
        )


class Forbidden(AppError):
    status = 403
    code = "FORBIDDEN"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    code = "NOT_FOUND"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class PreconditionFailed(AppError):
    status = 412
    code = "PRECONDITION_FAILED"
    title = "Precondition failed"


class PreconditionRequired(AppError):
    status = 428
    code = "PRECONDITION_REQUIRED"
    title = "Precondition required"


class PayloadTooLarge(AppError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    title = "Request body too large"


class UnprocessableEntity(AppError):
    status = 422
    code = "VALIDATION_FAILED"
    title = "Unprocessable request"


class ServiceUnavailable(AppError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    title = "Service temporarily unavailable"


def field_errors(raw: Any, prefix: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic's error list in the ``errors[]`` shape of our problems (no input echoed back)."""
    out: list[dict[str, Any]] = []
    for error in raw:
        loc = [*prefix, *error.get("loc", ())]
        out.append({"loc": loc, "msg": error.get("msg", "invalid"), "type": error.get("type", "invalid")})
    return out
