"""An unsafe URL given by a client, as the 422 problem it answers (webhook receivers, polled sources)."""

from __future__ import annotations

import re

from app.contract import PORT
from app.errors import UnprocessableEntity
from app.outbound.safety import UnsafeUrl, check_url

# What the published schema promises for a URL Sigap will call: https, a DNS host name (IDN as punycode,
# no IP literal: receivers are named, and their certificates name them), an optional port, then printable
# ASCII. The safety check still decides where the name may point. Hosts on the operator's http allow-list
# (development receivers) are exempt.
PUBLIC_URL = (
    r"^https://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    rf"(?::{PORT})?"
    r"(?:[/?#][!-~]*)?$"
)
_PUBLIC_URL = re.compile(PUBLIC_URL)


def require_safe_url(url: str, allow_http_hosts: frozenset[str], *, code: str, action: str) -> str:
    """``url`` when Sigap may call it; otherwise a 422 ``code`` saying why (``action``: "deliver to", ...)."""
    try:
        target = check_url(url, allow_http_hosts=allow_http_hosts)
        if not target.exempt and not _PUBLIC_URL.match(url):
            raise UnsafeUrl(
                "HOST_NAME_REQUIRED",
                "Name the receiver by its DNS host name (punycode for an IDN) in an https URL, not by IP.",
            )
    except UnsafeUrl as exc:
        raise UnprocessableEntity(
            f"Sigap will not {action} {url!r}: {exc}",
            code=code,
            errors=[{"loc": ["body", "url"], "msg": str(exc), "type": exc.code.lower()}],
        ) from None
    return url
