"""JSON answers serialised inside the endpoint.

A sync endpoint's return value is validated by FastAPI in a *second* worker thread, and the request's
transaction commits only after that (app.db.get_session). An endpoint holding row locks would then wait for a
free thread while other requests, blocked on those very locks, hold every thread: a burst of writes to one
issue or plan would hang the process. Endpoints that lock rows answer with :func:`model_response`, serialised
in their own thread; the route's ``response_model`` still documents the body.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

_BODY_HEADERS = {"content-length", "content-type"}


def model_response(model: BaseModel, response: Response | None = None, *, status_code: int = 200) -> Response:
    """``model`` as JSON, with the headers the endpoint set on its injected ``response``."""
    headers = {k: v for k, v in (response.headers.items() if response else []) if k not in _BODY_HEADERS}
    return Response(
        content=model.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
