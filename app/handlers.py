"""Render every error as problem+json; the one place errors turn into responses."""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request, routing
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    ServiceUnavailable,
    UnprocessableEntity,
    field_errors,
    problem_body,
)
from app.middleware import security_headers

logger = logging.getLogger("sigap.errors")

_HTTP_CODES = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Authentication required"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    406: ("NOT_ACCEPTABLE", "Not acceptable"),
    409: ("CONFLICT", "Conflict"),
    413: ("PAYLOAD_TOO_LARGE", "Request body too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
}


def _problem(request: Request, error: AppError) -> JSONResponse:
    return JSONResponse(
        error.to_problem(request.url.path),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers,
    )


async def app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _problem(request, exc)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        body = problem_body(
            status=400,
            code="MALFORMED_JSON",
            title="Malformed JSON",
            detail="The request body is not valid JSON: " + "; ".join(str(e.get("msg")) for e in errors),
            instance=request.url.path,
        )
        return JSONResponse(body, status_code=400, media_type=PROBLEM_MEDIA_TYPE)
    body = problem_body(
        status=422,
        code="VALIDATION_FAILED",
        title="Unprocessable request",
        detail=f"{len(errors)} invalid input(s); see errors.",
        instance=request.url.path,
        errors=field_errors(errors),
    )
    return JSONResponse(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if exc.status_code == 404 and detail in (None, "Not Found"):
        detail = f"No route {request.url.path}."
        if request.app.state.settings.docs_enabled:
            detail = f"No route {request.url.path}; see /docs for the API."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first route that matched the path; list every method the path accepts.
        headers["Allow"] = ", ".join(_allowed_methods(request))
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}."
    body = problem_body(
        status=exc.status_code, code=code, title=title, detail=detail, instance=request.url.path
    )
    return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for context in routing.iter_route_contexts(request.app.routes):
        route = context.original_route
        if isinstance(route, routing.APIRoute) and route.path_regex.match(request.url.path):
            methods |= set(context.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Only outages reach here: connection refused or lost, pool exhausted, SQLite locked past busy_timeout.
    detail = describe_database_error(exc) if isinstance(exc, DBAPIError) else exc.__class__.__name__
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, detail)
    retry_after = str(request.app.state.settings.db_retry_after_seconds)
    error = ServiceUnavailable(
        "The database is unreachable or busy. Retry after the number of seconds in Retry-After.",
        code="DATABASE_UNAVAILABLE",
        headers={"Retry-After": retry_after},
    )
    return _problem(request, error)


async def dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:
        return await database_unavailable(request, exc)
    sqlstate = getattr(getattr(exc.orig, "diag", None), "sqlstate", None)
    if isinstance(exc, DataError) or (sqlstate and sqlstate.startswith("22")):
        # PostgreSQL refused a value the request carried (a NUL character, a number out of range): the
        # client's input, not our failure. Nothing was stored.
        logger.warning(
            "invalid data on %s %s: %s", request.method, request.url.path, describe_database_error(exc)
        )
        error = UnprocessableEntity(
            "A value in the request cannot be stored (e.g. a NUL character or a number out of range).",
            code="INVALID_DATA",
        )
        return _problem(request, error)
    return await unexpected_error(request, exc)


def describe_database_error(exc: DBAPIError) -> str:
    """What went wrong in the database, without the values involved.

    PostgreSQL's DETAIL quotes them ("Failing row contains (...)", "Key (...)=(...) already exists"), and
    those may be webhook secrets or personal data; the statement's parameters are hidden by the engine.
    """
    original = exc.orig
    diag = getattr(original, "diag", None)
    sqlstate = getattr(diag, "sqlstate", None)
    if diag is None:  # SQLite names the constraint or table, never the values
        message = str(original)
    elif sqlstate and sqlstate.startswith("22"):  # data exceptions quote the offending input
        message = "invalid data"
    else:
        message = diag.message_primary or ""
    state = f" [{sqlstate}]" if sqlstate else ""
    return f"{original.__class__.__name__}{state}: {message} [SQL: {exc.statement}]"


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DBAPIError):
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error(
            "unhandled error on %s %s: %s\nTraceback (most recent call last):\n%s",
            request.method,
            request.url.path,
            describe_database_error(exc),
            frames,
        )
    else:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Starlette answers this one from its outermost middleware, outside SecurityHeadersMiddleware.
    headers = security_headers(request.scope["headers"])
    body = problem_body(
        status=500,
        code="INTERNAL_ERROR",
        title="Internal server error",
        detail="Something went wrong on our side; it has been logged. Nothing was stored.",
        instance=request.url.path,
    )
    return JSONResponse(body, status_code=500, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)
    app.add_exception_handler(DBAPIError, dbapi_error)
    app.add_exception_handler(Exception, unexpected_error)
