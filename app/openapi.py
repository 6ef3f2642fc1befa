"""The published OpenAPI document: problem+json everywhere, required scopes listed per operation.

Error responses are added by rule (who can meet them) rather than by hand in each route, so a new route
is documented correctly without remembering a checklist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from app.auth.deps import ScopeRequirement
from app.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

_DESCRIPTIONS: dict[int, tuple[str, str, str]] = {
    400: ("Malformed request (e.g. invalid JSON, bad cursor).", "MALFORMED_JSON", "Bad request"),
    401: ("Missing, unknown or revoked API key.", "INVALID_API_KEY", "Authentication required"),
    403: ("The API key lacks the scope this operation needs.", "INSUFFICIENT_SCOPE", "Forbidden"),
    404: ("No such resource.", "NOT_FOUND", "Not found"),
    409: ("Conflicts with the current state.", "CONFLICT", "Conflict"),
    412: (
        "`If-Match` does not match the current `ETag`: someone changed it since you read it.",
        "PRECONDITION_FAILED",
        "Precondition failed",
    ),
    413: ("Request body larger than the configured limit.", "PAYLOAD_TOO_LARGE", "Request body too large"),
    415: ("Body is not `application/json`.", "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    428: (
        "This change needs an `If-Match` header with the `ETag` you read.",
        "PRECONDITION_REQUIRED",
        "Precondition required",
    ),
    422: ("Input failed validation; `errors[]` says where.", "VALIDATION_FAILED", "Unprocessable request"),
    429: (
        "This API key used up its requests for the current window; retry after `Retry-After` seconds.",
        "RATE_LIMITED",
        "Too many requests",
    ),
    500: ("Unexpected error; no internals are shown.", "INTERNAL_ERROR", "Internal server error"),
    503: (
        "Database unreachable or busy; retry after `Retry-After` seconds.",
        "SERVICE_UNAVAILABLE",
        "Service temporarily unavailable",
    ),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Route-specific error responses, for ``@router.get(..., responses=problems(404))``."""
    return {status: {"description": _DESCRIPTIONS[status][0]} for status in statuses}


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    default_description, code, title = _DESCRIPTIONS[status]
    example: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": title,
        "status": status,
        "detail": default_description,
        "instance": "/v1/mentions",
        "code": code,
    }
    if status == 422:
        example["errors"] = [
            {
                "loc": ["body", "published_at"],
                "msg": "published_at must carry a UTC offset, e.g. 2026-11-27T08:15:00+08:00",
                "type": "timezone_required",
            }
        ]
    response: dict[str, Any] = {
        "description": description or default_description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF, "example": example}},
    }
    headers = {
        401: {"WWW-Authenticate": "Bearer challenge."},
        429: {
            "Retry-After": "Seconds until the window ends.",
            "RateLimit-Policy": 'The client\'s quota policy, e.g. `"default";q=600;w=60`.',
            "RateLimit": 'Requests left and seconds to the window\'s end, e.g. `"default";r=0;t=42`.',
        },
        503: {"Retry-After": "Seconds to wait before retrying."},
    }.get(status)
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()
        }
    return response


def _required_scope(dependant: Dependant) -> str | None:
    # Depth-first through sub-dependencies: a scope may be required by a dependency of a dependency.
    for dep in dependant.dependencies:
        if isinstance(dep.call, ScopeRequirement):
            return str(dep.call.scope)
        found = _required_scope(dep)
        if found:
            return found
    return None


def route_scopes(app: FastAPI) -> dict[tuple[str, str], str | None]:
    """(method, path) → required scope for every API route; None for public routes."""
    table: dict[tuple[str, str], str | None] = {}
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, routing.APIRoute) and route.include_in_schema:
            for method in sorted(context.methods or ()):
                table[(method, str(context.path_format))] = _required_scope(context.dependant)
    return table


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        contact=app.contact,
        license_info=app.license_info,
    )
    scopes = route_scopes(app)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            _finish_operation(operation, scopes.get((method.upper(), path)))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    schema["components"]["schemas"] = dict(sorted(components.items()))
    app.openapi_schema = schema
    return schema


def _finish_operation(operation: dict[str, Any], scope: str | None) -> None:
    # The docstring's first line is the summary, the rest the description (STYLE.md).
    summary, _, rest = operation.get("description", "").partition("\n")
    if summary.strip():
        operation["summary"] = summary.strip()
        operation["description"] = rest.strip()
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # 429: every request made with an API key is counted (app.ratelimit), on public operations too.
    wanted = {429, 500, 503}
    if operation.get("security"):
        wanted |= {401, 403}
    if "requestBody" in operation:
        wanted |= {400, 413, 415, 422}
    if operation.get("parameters"):
        wanted |= {400, 422}
    for status in wanted | {int(s) for s in responses if s.isdigit() and int(s) >= 400}:
        existing = responses.get(str(status), {})
        own = existing.get("description")
        if own in (None, "Validation Error", "Unprocessable Entity"):
            own = None
        responses[str(status)] = _problem_response(status, own)
    if scope is not None:
        operation["x-required-scope"] = scope
        note = f"**Required scope:** `{scope}`" + (" (or `admin`)." if scope != "admin" else ".")
        operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()
    operation["responses"] = dict(sorted(responses.items()))
