"""An unsafe URL given by a client, as the 422 problem it answers (webhook receivers, polled sources)."""

from __future__ import annotations

from app.errors import UnprocessableEntity
from app.outbound.safety import UnsafeUrl, check_url


def require_safe_url(url: str, allow_http_hosts: frozenset[str], *, code: str, action: str) -> str:
    """``url`` when Sigap may call it; otherwise a 422 ``code`` saying why (``action``: "deliver to", ...)."""
    try:
        check_url(url, allow_http_hosts=allow_http_hosts)
    except UnsafeUrl as exc:
        raise UnprocessableEntity(
            f"Sigap will not {action} {url!r}: {exc}",
            code=code,
            errors=[{"loc": ["body", "url"], "msg": str(exc), "type": exc.code.lower()}],
        ) from None
    return url
