"""Outbound-request safety: client-given URLs never make Sigap call an internal address."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.outbound.safety import (
    Target,
    UnsafeUrl,
    check_url,
    is_public_address,
    parse_allow_list,
    pinned_request,
    pinned_stream,
)

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


def fake_resolver(table: dict[str, Sequence[str]]) -> Callable[[str, int], Sequence[str]]:
    def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def no_resolver(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"a literal address must not be resolved, got {host}")


def refused(url: str, **kwargs: Any) -> UnsafeUrl:
    with pytest.raises(UnsafeUrl) as caught:
        check_url(url, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.1.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.9",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "ff0e::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
    ],
)
def test_a_name_resolving_to_an_internal_address_is_refused(address: str) -> None:
    error = refused("https://hooks.example.org/x", resolve=fake_resolver({"hooks.example.org": [address]}))

    assert error.code == "ADDRESS_NOT_GLOBAL"
    assert f"hooks.example.org resolves to {address}" in str(error)
    assert not is_public_address(address)


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    resolve = fake_resolver({"mixed.example.org": [PUBLIC_V4, "10.1.2.3", PUBLIC_V6]})

    error = refused("https://mixed.example.org/", resolve=resolve)

    assert error.code == "ADDRESS_NOT_GLOBAL"
    assert "10.1.2.3" in str(error)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://127.0.0.1/", "127.0.0.1"),
        ("https://2130706433/", "127.0.0.1"),
        ("https://0177.0.0.1/", "127.0.0.1"),
        ("https://0x7f.0.0.1/", "127.0.0.1"),
        ("https://0x7f000001/", "127.0.0.1"),
        ("https://0X7F.1/", "127.0.0.1"),
        ("https://127.1/", "127.0.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),  # noqa: S104
        ("https://0/", "0.0.0.0"),  # noqa: S104
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://2852039166/", "169.254.169.254"),
        ("https://100.64.1.1/", "100.64.1.1"),
        ("https://10.0.0.1:8443/", "10.0.0.1"),
        ("https://[::1]/", "::1"),
        ("https://[fc00::1]/", "fc00::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://[::ffff:127.0.0.1]/", "127.0.0.1"),
        ("https://[::ffff:7f00:1]:8443/", "127.0.0.1"),
    ],
)
def test_literal_internal_addresses_in_any_spelling_are_refused(url: str, shown: str) -> None:
    error = refused(url, resolve=no_resolver)

    assert error.code == "ADDRESS_NOT_GLOBAL"
    assert shown in str(error)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("localhost", "127.0.0.1"),
        ("api.localhost", "::1"),
        ("metadata.google.internal", "169.254.169.254"),
    ],
)
def test_internal_names_are_refused_by_what_they_resolve_to(host: str, address: str) -> None:
    error = refused(f"https://{host}/", resolve=fake_resolver({host: [address]}))

    assert error.code == "ADDRESS_NOT_GLOBAL"
    assert address in str(error)


def test_an_unresolvable_host_is_refused() -> None:
    error = refused("https://nowhere.invalid/", resolve=fake_resolver({}))

    assert error.code == "UNRESOLVABLE"
    assert "nowhere.invalid" in str(error)


def test_a_host_resolving_to_nothing_is_refused() -> None:
    assert (
        refused("https://empty.example/", resolve=fake_resolver({"empty.example": []})).code == "UNRESOLVABLE"
    )


@pytest.mark.parametrize(
    "url", ["http://feeds.example.org/rss", "ftp://feeds.example.org/rss", "ws://feeds.example.org/rss"]
)
def test_only_https_is_allowed_by_default(url: str) -> None:
    resolve = fake_resolver({"feeds.example.org": [PUBLIC_V4]})

    assert refused(url, resolve=resolve).code == "HTTPS_REQUIRED"
    assert refused(url, resolve=resolve, allow_http_hosts={"other.example.org"}).code == "HTTPS_REQUIRED"
    assert check_url(url.replace(url.split(":")[0], "https", 1), resolve=resolve).scheme == "https"


def test_an_allow_listed_host_may_use_http_but_no_other_scheme() -> None:
    resolve = fake_resolver({"feeds.test": ["127.0.0.1"]})

    assert check_url("HTTP://feeds.test/", allow_http_hosts={"feeds.test"}, resolve=resolve).scheme == "http"
    assert (
        refused("ftp://feeds.test/", allow_http_hosts={"feeds.test"}, resolve=resolve).code
        == "HTTPS_REQUIRED"
    )


def test_an_allow_listed_host_may_use_http_whatever_its_case_and_port() -> None:
    allow = parse_allow_list(" Feeds.Test:8080 , other.test ")

    target = check_url(
        "http://FEEDS.test:9000/rss?x=1",
        allow_http_hosts=allow,
        resolve=fake_resolver({"feeds.test": [PUBLIC_V4]}),
    )

    assert allow == frozenset({"feeds.test", "other.test"})
    assert (target.scheme, target.host, target.port, target.target) == (
        "http",
        "feeds.test",
        9000,
        "/rss?x=1",
    )
    assert target.exempt


def test_an_allow_listed_host_is_exempt_from_the_address_check() -> None:
    resolve = fake_resolver({"localhost": ["127.0.0.1"]})

    target = check_url(
        "http://localhost:8000/hook", allow_http_hosts=parse_allow_list("localhost"), resolve=resolve
    )

    assert target.addresses == ("127.0.0.1",)
    assert target.exempt
    assert target.port == 8000
    assert refused("http://localhost:8000/hook", resolve=resolve).code == "HTTPS_REQUIRED"
    assert refused("https://localhost:8000/hook", resolve=resolve).code == "ADDRESS_NOT_GLOBAL"


def test_a_raw_allow_list_is_matched_the_same_way() -> None:
    resolve = fake_resolver({"feeds.test": ["127.0.0.1"]})

    assert check_url("http://feeds.test:81/", allow_http_hosts=["FEEDS.TEST:8080"], resolve=resolve).exempt


def test_parse_allow_list_accepts_nothing_lists_and_ip_literals() -> None:
    assert parse_allow_list(None) == frozenset()
    assert parse_allow_list("") == frozenset()
    assert parse_allow_list(["A.test", " "]) == frozenset({"a.test"})
    assert parse_allow_list("[::1]:8000, 127.1") == frozenset({"::1", "127.0.0.1"})


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.example.org/",
        "https://user@hooks.example.org/",
        "https://:secret@hooks.example.org/",
        "https://hooks.example.org@127.0.0.1/",
    ],
)
def test_userinfo_is_refused(url: str) -> None:
    resolve = fake_resolver({"hooks.example.org": [PUBLIC_V4]})

    assert refused(url, resolve=resolve).code == "USERINFO_NOT_ALLOWED"
    assert (
        refused(url, resolve=resolve, allow_http_hosts={"hooks.example.org"}).code == "USERINFO_NOT_ALLOWED"
    )


@pytest.mark.parametrize(
    "url", ["https://", "https:///path", "https://:443/", "hooks.example.org/path", "file:///etc/passwd"]
)
def test_a_url_without_host_is_refused(url: str) -> None:
    assert refused(url, resolve=no_resolver).code == "HOST_REQUIRED"
    assert refused(url, resolve=no_resolver, allow_http_hosts=parse_allow_list(",")).code == "HOST_REQUIRED"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org:99999/",
        "https://hooks.example.org:abc/",
        "https://bad host/",
        "https://[::1/",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    assert refused(url, resolve=fake_resolver({"hooks.example.org": [PUBLIC_V4]})).code == "URL_INVALID"


def test_a_good_url_gives_the_checked_target() -> None:
    url = "https://Hooks.Example.ORG/kominfo/webhook?opd=diskominfo&lang=id#ignored"
    seen: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        seen.append((host, port))
        return [PUBLIC_V6, PUBLIC_V4, PUBLIC_V6]

    target = check_url(url, resolve=resolve)

    assert target == Target(
        url=url,
        scheme="https",
        host="hooks.example.org",
        port=443,
        target="/kominfo/webhook?opd=diskominfo&lang=id",
        addresses=(PUBLIC_V6, PUBLIC_V4),
        exempt=False,
    )
    assert seen == [("hooks.example.org", 443)]
    assert check_url("https://hooks.example.org", resolve=resolve).target == "/"


def test_international_host_names_are_idna_encoded() -> None:
    resolve = fake_resolver({"xn--bcher-kva.example": [PUBLIC_V4]})

    assert check_url("https://Bücher.example/", resolve=resolve).host == "xn--bcher-kva.example"


def test_a_public_literal_address_is_accepted_without_resolving() -> None:
    assert check_url("https://8.8.8.8/", resolve=no_resolver).addresses == ("8.8.8.8",)
    assert check_url("https://134744072/", resolve=no_resolver).host == "8.8.8.8"
    assert check_url(f"https://[{PUBLIC_V6}]/", resolve=no_resolver).addresses == (PUBLIC_V6,)


@pytest.mark.parametrize(
    "address", [PUBLIC_V4, "8.8.8.8", "1.1.1.1", PUBLIC_V6, "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize("address", ["", "not-an-ip", "1.2.3", "fe80::1%eth0"])
def test_anything_that_is_not_a_plain_address_is_not_public(address: str) -> None:
    assert not is_public_address(address)


# --- pinned requests against a real loopback server ---


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.server.seen.append({"path": self.path, "host": self.headers["Host"]})  # type: ignore[attr-defined]
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<rss>" + b"x" * 10_000 + b"</rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(context: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []  # type: ignore[attr-defined]
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    with serving() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as running:
        yield running


def test_pinned_request_sends_the_original_host_and_path_to_the_checked_address(
    server: ThreadingHTTPServer, client: httpx.Client
) -> None:
    port = server.server_address[1]
    target = check_url(
        f"http://feeds.test:{port}/rss/banjir?kab=samarinda&page=2",
        allow_http_hosts=parse_allow_list("feeds.test"),
        resolve=fake_resolver({"feeds.test": ["127.0.0.1"]}),
    )

    response = pinned_request(
        client, "GET", target, headers={"Host": "evil.test", "Accept": "application/xml"}
    )

    assert response.status_code == 200
    assert response.content.startswith(b"<rss>")
    assert server.seen == [{"path": "/rss/banjir?kab=samarinda&page=2", "host": f"feeds.test:{port}"}]  # type: ignore[attr-defined]


def test_pinned_request_returns_a_redirect_without_following_it(
    server: ThreadingHTTPServer, client: httpx.Client
) -> None:
    port = server.server_address[1]
    target = check_url(
        f"http://feeds.test:{port}/redirect",
        allow_http_hosts={"feeds.test"},
        resolve=fake_resolver({"feeds.test": ["127.0.0.1"]}),
    )

    response = pinned_request(httpx.Client(trust_env=False, follow_redirects=True), "GET", target)

    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:1/elsewhere"
    assert len(server.seen) == 1  # type: ignore[attr-defined]


def test_pinned_request_never_resolves_the_host_again(
    server: ThreadingHTTPServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server.server_address[1]
    calls: list[str] = []

    def counting(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    target = check_url(f"http://feeds.test:{port}/rss", allow_http_hosts={"feeds.test"}, resolve=counting)
    assert calls == ["feeds.test"]

    looked_up: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def watching(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", watching)
    response = pinned_request(client, "GET", target)

    assert response.status_code == 200
    assert calls == ["feeds.test"]
    assert "feeds.test" not in looked_up
    assert b"feeds.test" not in looked_up


def test_pinned_stream_leaves_the_body_to_the_caller(
    server: ThreadingHTTPServer, client: httpx.Client
) -> None:
    port = server.server_address[1]
    target = check_url(
        f"http://feeds.test:{port}/rss",
        allow_http_hosts={"feeds.test"},
        resolve=fake_resolver({"feeds.test": ["127.0.0.1"]}),
    )

    with pinned_stream(client, "GET", target) as response:
        first = next(response.iter_bytes(chunk_size=1024))
        assert not response.is_closed
    assert response.is_closed
    assert response.status_code == 200
    assert first.startswith(b"<rss>")
    assert len(first) <= 1024


def test_https_is_sent_to_the_address_with_sni_and_host_of_the_name() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == PUBLIC_V4:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(204)

    target = check_url(
        "https://hooks.example.org:8443/in?opd=1",
        resolve=fake_resolver({"hooks.example.org": [PUBLIC_V4, PUBLIC_V6]}),
    )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        response = pinned_request(
            client, "POST", target, content=b"{}", headers={"Content-Type": "application/json"}
        )

    assert response.status_code == 204
    assert [str(r.url) for r in seen] == [
        f"https://{PUBLIC_V4}:8443/in?opd=1",
        f"https://[{PUBLIC_V6}]:8443/in?opd=1",
    ]
    assert all(r.headers["Host"] == "hooks.example.org:8443" for r in seen)
    assert all(r.extensions["sni_hostname"] == "hooks.example.org" for r in seen)
    assert seen[-1].content == b"{}"


def test_the_default_port_is_left_out_of_the_host_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    target = check_url(
        "https://hooks.example.org/in", resolve=fake_resolver({"hooks.example.org": [PUBLIC_V4]})
    )
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        pinned_request(client, "GET", target)

    assert seen[0].headers["Host"] == "hooks.example.org"
    assert str(seen[0].url) == f"https://{PUBLIC_V4}/in"


# --- TLS: the certificate is verified against the original host name ---


def _certificates(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Sigap test CA", ca_key, "Sigap test CA", ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, key, "Sigap test CA", ca_key, ca=False)
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ThreadingHTTPServer, list[str | None], ssl.SSLContext]]:
    ca, cert, key = _certificates(tmp_path, "feeds.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    with serving(context) as running:
        yield running, names, ssl.create_default_context(cafile=str(ca))


def test_tls_names_and_verifies_the_original_host(
    tls_server: tuple[ThreadingHTTPServer, list[str | None], ssl.SSLContext],
) -> None:
    server, names, trust = tls_server
    port = server.server_address[1]
    target = check_url(
        f"https://feeds.test:{port}/cap?area=kaltim",
        allow_http_hosts={"feeds.test"},
        resolve=fake_resolver({"feeds.test": ["127.0.0.1"]}),
    )

    with httpx.Client(verify=trust, trust_env=False) as client:
        response = pinned_request(client, "GET", target)

    assert response.status_code == 200
    assert names == ["feeds.test"]
    assert server.seen == [{"path": "/cap?area=kaltim", "host": f"feeds.test:{port}"}]  # type: ignore[attr-defined]


def test_tls_refuses_a_certificate_for_another_name(
    tls_server: tuple[ThreadingHTTPServer, list[str | None], ssl.SSLContext],
) -> None:
    server, names, trust = tls_server
    port = server.server_address[1]
    target = check_url(
        f"https://other.test:{port}/cap",
        allow_http_hosts={"other.test"},
        resolve=fake_resolver({"other.test": ["127.0.0.1"]}),
    )

    with httpx.Client(verify=trust, trust_env=False) as client, pytest.raises(httpx.ConnectError):
        pinned_request(client, "GET", target)

    assert names == ["other.test"]
    assert server.seen == []  # type: ignore[attr-defined]
