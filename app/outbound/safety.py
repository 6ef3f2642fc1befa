"""Refuse client-supplied URLs that would make Sigap call an internal address (SSRF).

``check_url`` runs when a webhook or feed is subscribed and again before every request. It resolves the host
once; ``pinned_request``/``pinned_stream`` then connect to exactly the addresses that were checked, so a DNS
answer that changes between the check and the request (DNS rebinding) cannot redirect the call. TLS still
names and verifies the original host through httpx's ``sni_hostname`` request extension.

Use a client with ``trust_env=False`` (a proxy would do its own resolution and, for https, verification
would fail against the bare address) and ``limits=httpx.Limits(max_keepalive_connections=0)``: httpx pools
connections by address, so a kept-alive connection verified for one host could otherwise carry a request
for another host that shares its address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import idna

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
# Only such hosts can be an IPv4 literal in a legacy form (2130706433, 0177.0.0.1, 0x7f.1, 127.1).
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$")
_HOST_NAME = re.compile(r"^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*\.?$")

# Python 3.11's ``is_global`` misses these (fixed only in later releases), so they are refused explicitly.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in ("::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrl(ValueError):
    """A URL Sigap must not call; ``code`` is a stable UPPER_SNAKE reason for API errors."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    target: str
    addresses: tuple[str, ...]
    exempt: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_allow_list(value: str | Iterable[str] | None) -> frozenset[str]:
    """Host names from ``allow_http_hosts``: comma-separated, case-insensitive, any port."""
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    hosts: set[str] = set()
    for item in items:
        host = item.strip().lower()
        if host.startswith("[") and "]" in host:  # [::1] or [::1]:8080
            host = host[1 : host.index("]")]
        elif host.count(":") == 1:
            host = host.split(":", 1)[0]
        if host:
            try:
                hosts.add(_normal_host(host)[0])
            except UnsafeUrl:
                hosts.add(host)
    return frozenset(hosts)


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast address Sigap may connect to."""
    try:
        ip: IPAddress = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (_embedded_nat64(ip) if ip in _NAT64 else None)
        if embedded is not None:
            return is_public_address(str(embedded))
        if ip.teredo or any(ip in net for net in _BLOCKED_V6):
            return False
    elif any(ip in net for net in _BLOCKED_V4):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(
    url: str, *, allow_http_hosts: Collection[str] = (), resolve: Resolver = system_resolver
) -> Target:
    """Resolve ``url``'s host and return where to connect, or raise ``UnsafeUrl``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeUrl("URL_INVALID", f"{url!r} is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if "@" in parts.netloc:
        raise UnsafeUrl("USERINFO_NOT_ALLOWED", "URLs with a user name or password are not allowed.")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise UnsafeUrl("HOST_REQUIRED", f"The URL {url!r} names no host.")
    host, literal = _normal_host(raw_host)
    exempt = host in parse_allow_list(allow_http_hosts)
    if scheme != "https" and not (scheme == "http" and exempt):
        raise UnsafeUrl("HTTPS_REQUIRED", f"Only https URLs are allowed, not {scheme or 'no'} scheme.")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise UnsafeUrl("URL_INVALID", f"The URL {url!r} has an invalid port.") from None

    if literal is not None:
        addresses: tuple[str, ...] = (host,)
    else:
        try:
            addresses = tuple(dict.fromkeys(str(a) for a in resolve(host, port)))
        except (OSError, UnicodeError) as exc:
            raise UnsafeUrl("UNRESOLVABLE", f"The host {host} could not be resolved ({exc}).") from None
        if not addresses:
            raise UnsafeUrl("UNRESOLVABLE", f"The host {host} resolves to no address.")
    if not exempt:
        for address in addresses:
            if not is_public_address(address):
                where = "" if address == host else f"{host} resolves to "
                raise UnsafeUrl(
                    "ADDRESS_NOT_GLOBAL",
                    f"{where}{_describe(address)}, which is not a public internet address.",
                )
    path = parts.path or "/"
    target = f"{path}?{parts.query}" if parts.query else path
    return Target(url, scheme, host, port, target, addresses, exempt)


def pinned_request(
    client: httpx.Client,
    method: str,
    target: Target,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    timeout: float = 15.0,
) -> httpx.Response:
    """Send the request to the checked addresses only; redirects are returned, never followed."""
    with pinned_stream(client, method, target, headers=headers, content=content, timeout=timeout) as response:
        response.read()
        return response


@contextmanager
def pinned_stream(
    client: httpx.Client,
    method: str,
    target: Target,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    timeout: float = 15.0,
) -> Iterator[httpx.Response]:
    """Like ``pinned_request`` but the body is left unread, so the caller can cap how much it reads."""
    response = _send(client, method, target, headers=headers, content=content, timeout=timeout)
    try:
        yield response
    finally:
        response.close()


def _send(
    client: httpx.Client,
    method: str,
    target: Target,
    *,
    headers: Mapping[str, str] | None,
    content: bytes | None,
    timeout: float,
) -> httpx.Response:
    sent_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    sent_headers["Host"] = target.host_header
    extensions: dict[str, str] = {}
    if target.scheme == "https" and _ip_literal(target.host) is None:
        extensions["sni_hostname"] = target.host
    last_error: httpx.ConnectError | None = None
    # Each address was checked; moving to the next one only when the connection could not be made at all
    # means nothing was sent twice.
    for address in target.addresses:
        ip_host = f"[{address}]" if ":" in address else address
        request = client.build_request(
            method,
            f"{target.scheme}://{ip_host}:{target.port}{target.target}",
            headers=sent_headers,
            content=content,
            timeout=timeout,
            extensions=extensions,
        )
        try:
            return client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            last_error = exc
    if last_error is None:  # only a Target built by hand can have no addresses
        raise UnsafeUrl("UNRESOLVABLE", f"No checked address to call for {target.host}.")
    raise last_error


def _normal_host(raw: str) -> tuple[str, IPAddress | None]:
    """The host as Sigap names it (lower-case, IDNA, canonical IP) and the IP when it is a literal."""
    literal = _ip_literal(raw)
    if literal is not None:
        return str(literal), literal
    host = _encode_host(raw)
    if host is None:
        raise UnsafeUrl("URL_INVALID", f"{raw!r} is not a valid host name.")
    return host, None


def _ip_literal(host: str) -> IPAddress | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeUrl("URL_INVALID", f"{host!r} is not a valid IPv6 address.") from None
    if _LEGACY_IPV4.match(host.lower()):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _encode_host(host: str) -> str | None:
    host = host.lower()
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    return host if _HOST_NAME.match(host) else None


def _describe(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return repr(address)
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return f"{address} (IPv4 {mapped})" if mapped is not None else address


def _embedded_nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
