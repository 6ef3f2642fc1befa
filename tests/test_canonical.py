"""Canonical URLs: tracking variants of one article link are one mention."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.mentions.canonical import canonical_url
from tests.factories import mention_payload

ARTICLE = "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "HTTPS://Kaltim.Example.ID/berita/2026/11/27/Banjir-Samarinda-Utara",
            ARTICLE,
            id="scheme-and-host-lower-cased-path-case-kept",
        ),
        pytest.param(
            "https://kaltim.example.id:443/berita/2026/11/27/Banjir-Samarinda-Utara",
            ARTICLE,
            id="https-default-port",
        ),
        pytest.param(
            "http://kaltim.example.id:80/berita/jalan-amblas", "http://kaltim.example.id/berita/jalan-amblas"
        ),
        pytest.param(
            "https://kaltim.example.id:8443/berita/jalan-amblas",
            "https://kaltim.example.id:8443/berita/jalan-amblas",
            id="non-default-port-kept",
        ),
        pytest.param(
            "http://kaltim.example.id:443/berita/jalan-amblas",
            "http://kaltim.example.id:443/berita/jalan-amblas",
            id="https-port-on-http-kept",
        ),
        pytest.param(
            "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara#komentar",
            ARTICLE,
            id="fragment",
        ),
        pytest.param(
            "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara/",
            ARTICLE,
            id="trailing-slash",
        ),
        pytest.param(
            "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara"
            "?utm_source=whatsapp&utm_medium=share&UTM_Campaign=banjir&fbclid=IwAR0x&GCLID=Cj0K&FbClId=x",
            ARTICLE,
            id="tracking-params-any-case",
        ),
        pytest.param(
            "https://kaltim.example.id/baca?page=2&id=4711&utm_source=fb",
            "https://kaltim.example.id/baca?id=4711&page=2",
            id="other-params-kept-and-sorted",
        ),
        pytest.param(
            "https://kaltim.example.id/baca/?ID=7&id=4711",
            "https://kaltim.example.id/baca?ID=7&id=4711",
            id="param-names-keep-their-case",
        ),
        pytest.param("https://kaltim.example.id/", "https://kaltim.example.id", id="root"),
        pytest.param(
            "  https://kaltim.example.id/berita/a  ", "https://kaltim.example.id/berita/a", id="whitespace"
        ),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_a_bracketed_host_that_is_no_address_is_its_own_key() -> None:
    # urlsplit refuses it; the link is still stored, and a second copy is still a duplicate.
    assert canonical_url(" HTTP://[::::]/Berita ") == "http://[::::]/berita"


def test_path_case_is_kept() -> None:
    assert canonical_url("https://kaltim.example.id/Berita/A") != canonical_url(
        "https://kaltim.example.id/berita/a"
    )


def test_param_values_are_kept() -> None:
    assert canonical_url("https://kaltim.example.id/baca?id=4711") != canonical_url(
        "https://kaltim.example.id/baca?id=4712"
    )


def test_tracking_like_names_that_are_not_tracking_are_kept() -> None:
    url = "https://kaltim.example.id/baca?utm=1&fbclid_lama=2&source=wa"

    assert canonical_url(url) == "https://kaltim.example.id/baca?fbclid_lama=2&source=wa&utm=1"


VARIANTS = [
    "HTTPS://KALTIM.EXAMPLE.ID/berita/2026/11/27/Banjir-Samarinda-Utara",
    "https://kaltim.example.id:443/berita/2026/11/27/Banjir-Samarinda-Utara",
    "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara#komentar",
    "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara/",
    "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara?utm_source=whatsapp&utm_medium=share",
    "https://kaltim.example.id/berita/2026/11/27/Banjir-Samarinda-Utara?fbclid=IwAR2xYz&GCLID=Cj0KCQ",
]


def test_each_variant_of_a_stored_url_is_a_duplicate(
    client: TestClient, writer_headers: dict[str, str]
) -> None:
    first = client.post("/v1/mentions", json=mention_payload(url=ARTICLE), headers=writer_headers)
    assert first.status_code == 201

    for url in VARIANTS:
        response = client.post("/v1/mentions", json=mention_payload(url=url), headers=writer_headers)

        assert response.status_code == 200, url
        assert response.json()["duplicate"] is True
        assert response.json()["id"] == first.json()["id"]
        assert response.json()["url"] == ARTICLE  # the stored mention, as first sent

    other_article = mention_payload(url=ARTICLE.replace("Banjir", "banjir"))
    assert client.post("/v1/mentions", json=other_article, headers=writer_headers).status_code == 201


def test_url_key_is_the_canonical_url_or_a_digest_of_a_very_long_one() -> None:
    from app.mentions.canonical import URL_KEY_MAX_BYTES, url_key

    short = "https://Kaltim.example.id/berita/banjir-samarinda/?utm_source=wa"
    assert url_key(short) == "https://kaltim.example.id/berita/banjir-samarinda"
    long = "https://kaltim.example.id/cari?kata=" + "banjir é " * 209 + "banjir"
    key = url_key(long)
    assert key.startswith("sha256:") and len(key) == 7 + 64
    assert key == url_key(long + "#hasil")  # still canonical before hashing
    assert (
        len(url_key("https://kaltim.example.id/" + "a" * (URL_KEY_MAX_BYTES - 26)).encode())
        <= URL_KEY_MAX_BYTES
    )
