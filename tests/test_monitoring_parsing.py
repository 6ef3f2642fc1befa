"""Feed and CAP parsing, mention payloads and watchlists: pure, no database. Fixtures in tests/data/feeds."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.mentions.schemas import MentionCreate
from app.monitoring.parsing import TEXT_MAX, FeedError, FeedItem, parse_cap, parse_feed, to_mention
from app.monitoring.watchlist import compile_watchlist, load_default

FEEDS = Path(__file__).parent / "data" / "feeds"
KALTIM_KEYS = {
    "warta-etam-2026-11-27-0012",
    "warta-etam-2026-11-26-0031",
    "https://warta-etam.example/kesehatan/2026/11/26/dinkes-kaltim-imbau-waspada-dbd",
}
UNRELATED_KEYS = {"warta-etam-2026-11-27-0011", "warta-etam-2026-11-26-0027", "warta-etam-2026-11-25-0044"}


def read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def by_key(items: list[FeedItem]) -> dict[str, FeedItem]:
    return {item.key: item for item in items}


def valid(payload: dict[str, object]) -> MentionCreate:
    """What the intake API would accept."""
    return MentionCreate.model_validate(payload)


def dated(**fields: Any) -> FeedItem:
    base = FeedItem(
        key="k",
        url=None,
        title="Banjir",
        text="",
        published_at=datetime(2026, 11, 1, tzinfo=UTC),
        author=None,
    )
    return replace(base, **fields)


# --- RSS and Atom -----------------------------------------------------------------------------------------


def test_rss_items_keep_document_order_with_guid_keys_and_link_fallback() -> None:
    items = parse_feed(read("berita.rss"), content_type="application/rss+xml; charset=utf-8")

    assert [item.key for item in items] == [
        "warta-etam-2026-11-27-0012",
        "warta-etam-2026-11-27-0011",
        "warta-etam-2026-11-26-0031",
        "warta-etam-2026-11-26-0027",
        # no <guid>: the link is the key
        "https://warta-etam.example/kesehatan/2026/11/26/dinkes-kaltim-imbau-waspada-dbd",
        "warta-etam-2026-11-25-0044",
    ]
    assert (
        items[0].url == "https://warta-etam.example/daerah/2026/11/27/pemprov-kaltim-siaga-banjir-samarinda"
    )


def test_rss_text_is_plain_with_collapsed_whitespace_from_the_longest_body() -> None:
    first = parse_feed(read("berita.rss"))[0]

    # content:encoded is longer than the description, so it is the text
    assert "Kepala BPBD Kaltim meminta warga" in first.text
    assert first.text.startswith("SAMARINDA \u2013 Pemerintah Provinsi Kalimantan Timur menetapkan status")
    assert "Sungai Pinang dan Samarinda Utara terendam & warga mulai mengungsi." in first.text
    assert "<" not in first.text and "&amp;" not in first.text and "trackView" not in first.text
    assert "  " not in first.text and "\n\n" not in first.text
    # paragraph and line breaks stay clause ends
    assert "tetap waspada.\nPosko pengungsian dibuka" in first.text
    assert first.title == "Pemprov Kaltim Tetapkan Status Siaga Banjir untuk Samarinda"


def test_rss_dates_are_aware_utc_from_wita_offsets() -> None:
    items = parse_feed(read("berita.rss"))

    assert items[0].published_at == datetime(2026, 11, 27, 1, 40, tzinfo=UTC)  # 09:40 +0800
    assert items[5].published_at == datetime(2026, 11, 25, 15, 10, tzinfo=UTC)  # 23:10 +0800
    assert all(item.published_at is not None and item.published_at.tzinfo is UTC for item in items)


def test_rss_authors_from_dc_creator_and_rss_author_with_email() -> None:
    items = by_key(parse_feed(read("berita.rss")))

    assert items["warta-etam-2026-11-27-0012"].author == "Redaksi Warta Etam"
    # <author>email (Name)</author>: the name, not a mangled split of the address
    assert items["warta-etam-2026-11-26-0031"].author == "Redaksi Warta Etam"
    assert items["warta-etam-2026-11-27-0011"].author is None


def test_update_feed_yields_exactly_the_two_new_keys() -> None:
    before = {item.key for item in parse_feed(read("berita.rss"))}
    after = {item.key for item in parse_feed(read("berita_update.rss"))}

    assert before < after
    assert after - before == {"warta-etam-2026-11-27-0019", "warta-etam-2026-11-27-0017"}


def test_atom_entries_with_ids_xml_base_links_and_html_or_xhtml_bodies() -> None:
    items = parse_feed(read("rilis.atom"), content_type="application/atom+xml")

    assert len(items) == 4
    first = items[0]
    assert first.key == "tag:diskominfo.kaltimprov.example,2026:rilis/2026-0451"
    # relative href resolved against xml:base
    assert first.url == "https://diskominfo.kaltimprov.example/rilis/2026/11/27/rakor-penanganan-banjir"
    assert first.published_at == datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
    assert first.author == "Biro Adpim"
    # the xhtml content is longer than the summary and loses its markup
    assert first.text.startswith("Sekretaris Daerah Provinsi Kalimantan Timur memimpin rapat")
    assert "<b>" not in first.text and "DPUPR-PERA Kaltim" in first.text
    # type="html" title stripped; no <published>: <updated> is the date
    assert items[1].title == "Diskominfo Kaltim Luncurkan Kanal Aduan Sigap"
    assert items[1].published_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_base_url_resolves_relative_links() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Banjir</title><link>/berita/1</link><guid>b-1</guid></item></channel></rss>"
    )

    assert parse_feed(feed)[0].url is None  # not an absolute http(s) URL: no url at all
    assert parse_feed(feed, base_url="https://warta-etam.example/rss")[0].url == (
        "https://warta-etam.example/berita/1"
    )


def test_cap_feed_entries_link_to_their_cap_documents() -> None:
    items = parse_feed(read("bmkg_feed.atom"))

    assert [item.url for item in items] == [
        "https://nowcasting.bmkg.example/cap/BMKG-PDC-64-20261127-0930.xml",
        "https://nowcasting.bmkg.example/cap/BMKG-PDC-64-20261127-0610.xml",
    ]


def test_items_without_guid_or_link_get_a_stable_digest_key() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Jalan Amblas di Balikpapan</title><pubDate>Thu, 26 Nov 2026 07:00:00 +0800</pubDate>"
        b"</item><item><title>Jalan Amblas di Bontang</title></item></channel></rss>"
    )

    first, second = parse_feed(feed)

    assert first.key.startswith("sha256:") and second.key.startswith("sha256:")
    assert first.key != second.key
    assert [item.key for item in parse_feed(feed)] == [first.key, second.key]


def test_long_text_is_cut_to_the_limit() -> None:
    body = ("Banjir merendam permukiman warga. " * 1000).encode()
    feed = (
        b'<rss version="2.0"><channel><title>T</title><item><guid>x</guid><description>%s</description>'
        % body
    )

    (item,) = parse_feed(feed + b"</item></channel></rss>")

    assert len(item.text) == TEXT_MAX
    assert item.text.startswith("Banjir merendam") and item.text.endswith("Banjir m")


def test_empty_but_valid_feed_has_no_items() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'

    assert parse_feed(empty, content_type="text/xml; charset=iso-8859-1") == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (read("rusak.rss"), "not a well-formed feed"),
        (
            b"<!DOCTYPE html><html><body><p>Halaman tidak ditemukan</p></body></html>",
            "not an RSS or Atom feed",
        ),
        (b"", "not an RSS or Atom feed"),
        (b'{"items": []}', "not"),
    ],
    ids=["malformed", "html-page", "empty", "json"],
)
def test_what_is_not_a_feed_raises_feed_error(content: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_feed(content)


def test_bytes_naming_a_file_are_parsed_as_content_not_opened(tmp_path: Path) -> None:
    # feedparser opens a bytes value that is an existing path; parse_feed must never read local files.
    path = tmp_path / "feed.rss"
    path.write_bytes(read("berita.rss"))

    with pytest.raises(FeedError):
        parse_feed(str(path).encode())


def test_entity_expansion_in_a_feed_is_not_performed() -> None:
    feed = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
        + b"".join(
            b'<!ENTITY a%d "%s">\n' % (n, (b"&a%d;" % (n - 1) if n else b"&a;") * 10) for n in range(9)
        )
        + b'<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        b'<rss version="2.0"><channel><title>T</title><item><guid>x</guid><title>&a8;</title>'
        b"<description>&xxe;</description></item></channel></rss>"
    )
    started = time.monotonic()

    items = parse_feed(feed)

    assert time.monotonic() - started < 2
    assert all(len(item.title) < 100 and "root:" not in item.text for item in items)


# --- CAP --------------------------------------------------------------------------------------------------


def test_cap_alert_gives_one_item_from_the_indonesian_info() -> None:
    (item,) = parse_cap(read("bmkg_peringatan.xml"))

    assert item.key == "BMKG-PDC-64-20261127-0930"
    assert item.title == "Peringatan Dini Cuaca Kalimantan Timur"
    assert item.url == "https://nowcasting.bmkg.example/peringatan/BMKG-PDC-64-20261127-0930"
    assert item.published_at == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert item.author == "BMKG Stasiun Meteorologi Aji Pangeran Tumenggung Pranoto Samarinda"
    assert item.text.startswith("Berpotensi terjadi hujan dengan intensitas sedang hingga lebat")
    assert item.text.endswith("Hindari berteduh di bawah pohon dan papan reklame.")
    cap = item.cap
    assert cap is not None
    assert (cap.identifier, cap.sender, cap.msg_type) == (
        "BMKG-PDC-64-20261127-0930",
        "stamet.samarinda@bmkg.example",
        "Alert",
    )
    assert (cap.urgency, cap.severity, cap.certainty) == ("Immediate", "Severe", "Likely")
    assert cap.event == "Hujan Lebat disertai Petir dan Angin Kencang"
    assert cap.area_desc == ("Kota Samarinda, Kabupaten Kutai Kartanegara",)
    assert cap.geocodes == (("KEMENDAGRI", "64.72"), ("KEMENDAGRI", "64.03"))
    assert cap.expires == datetime(2026, 11, 27, 4, 30, tzinfo=UTC)


def test_cap_without_indonesian_info_falls_back_to_the_first() -> None:
    content = read("bmkg_peringatan.xml").replace(
        b"<language>id-ID</language>", b"<language>en-GB</language>"
    )

    (item,) = parse_cap(content)

    assert item.title == "Weather Early Warning for East Kalimantan"
    assert item.cap is not None and item.cap.area_desc == ("Samarinda City, Kutai Kartanegara Regency",)


def test_cap_with_two_indonesian_infos_gives_two_distinct_keys() -> None:
    content = read("bmkg_peringatan.xml").replace(b"<language>en-US</language>", b"<language>id</language>")

    items = parse_cap(content)

    assert [item.key for item in items] == ["BMKG-PDC-64-20261127-0930#0", "BMKG-PDC-64-20261127-0930#1"]


@pytest.mark.parametrize("status", ["Test", "Exercise", "System", "Draft"])
def test_cap_alerts_that_are_not_actual_give_no_items(status: str) -> None:
    content = read("bmkg_peringatan.xml").replace(
        b"<status>Actual</status>", f"<status>{status}</status>".encode()
    )

    assert parse_cap(content) == []


@pytest.mark.parametrize(
    "declaration",
    [
        b'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE alert [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
        b'<!DOCTYPE alert SYSTEM "http://bmkg.example/cap.dtd">',
        b"<!DOCTYPE alert>",
    ],
    ids=["xxe", "entity-expansion", "external-dtd", "bare-doctype"],
)
def test_cap_with_a_doctype_or_entity_is_refused(declaration: bytes) -> None:
    content = read("bmkg_peringatan.xml").replace(b"\n<!--", b"\n" + declaration + b"\n<!--", 1)
    content = content.replace(b"<event>Hujan Lebat", b"<event>&xxe;&lol2;Hujan Lebat")
    assert declaration in content

    with pytest.raises(FeedError, match="DOCTYPE"):
        parse_cap(content)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (read("rusak.rss"), "not well-formed"),
        (read("berita.rss"), "not a CAP 1.2 alert"),
        (
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><sender>x</sender></alert>',
            "CAP 1.2",
        ),
        (
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><sender>x</sender></alert>',
            "required",
        ),
        (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&undefined;</alert>', "not well-formed"),
    ],
    ids=["malformed", "rss", "cap-1.1", "incomplete", "undefined-entity"],
)
def test_what_is_not_a_cap_alert_raises_feed_error(content: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_cap(content)


# --- mention payloads -------------------------------------------------------------------------------------


def test_rss_item_becomes_a_valid_mention() -> None:
    item = parse_feed(read("berita.rss"))[0]

    payload = to_mention(
        item,
        source_name="Warta Etam",
        source_type="online_news",
        region_hints=["64.72", "64"],
        matched_terms=["Pemprov Kaltim", "Samarinda", "Samarinda"],
    )
    mention = valid(payload)

    assert mention.watchlist_terms == ["Pemprov Kaltim", "Samarinda"]
    assert mention.external_id == "warta-etam-2026-11-27-0012"
    assert mention.source_type == "online_news" and mention.source_name == "Warta Etam"
    assert mention.url == item.url and mention.title == item.title and mention.text == item.text
    assert mention.author == "Redaksi Warta Etam"
    assert mention.published_at == datetime(2026, 11, 27, 1, 40, tzinfo=UTC)
    assert mention.region_codes == ["64", "64.72"]


def test_every_fixture_item_becomes_a_valid_mention() -> None:
    items = [
        *parse_feed(read("berita_update.rss")),
        *parse_feed(read("rilis.atom")),
        *parse_feed(read("bmkg_feed.atom")),
    ]

    for item in items:
        valid(to_mention(item, source_name="Fixture", source_type="online_news"))


def test_cap_item_mention_states_the_official_warning() -> None:
    (item,) = parse_cap(read("bmkg_peringatan.xml"))

    payload = to_mention(item, source_name="BMKG", source_type="bmkg_cap")
    mention = valid(payload)

    assert mention.source_type == "bmkg_cap"
    assert mention.external_id == "BMKG-PDC-64-20261127-0930"
    text = mention.text or ""
    assert text.startswith(
        "Peringatan resmi dari BMKG Stasiun Meteorologi Aji Pangeran Tumenggung Pranoto Samarinda: "
        "Hujan Lebat disertai Petir dan Angin Kencang."
    )
    assert "Tingkat keparahan: Severe (parah). Urgensi: Immediate (segera)." in text
    assert "Kepastian: Likely (kemungkinan besar)." in text
    assert "Wilayah: Kota Samarinda, Kabupaten Kutai Kartanegara." in text
    assert "Berlaku hingga 27-11-2026 12.30 WITA." in text
    assert text.endswith(item.text)
    # the KEMENDAGRI geocodes become region codes
    assert mention.region_codes == ["64.03", "64.72"]


def test_missing_date_is_left_to_the_caller() -> None:
    item = FeedItem(key="k", url=None, title="Banjir di Berau", text="", published_at=None, author=None)

    payload = to_mention(item, source_name="X", source_type="online_news")

    assert payload["published_at"] is None
    assert payload["text"] is None and payload["url"] is None


def test_overlong_or_unprintable_keys_become_digests_within_the_schema_limit() -> None:
    long_key = "https://warta-etam.example/" + "a" * 300
    for key in (long_key, "guid\twith\ttabs"):
        mention = valid(to_mention(dated(key=key), source_name="X", source_type="online_news"))

        assert mention.external_id is not None
        assert mention.external_id.startswith("sha256:") and len(mention.external_id) == 71


def test_key_prefix_keeps_feeds_apart_without_truncating_keys() -> None:
    long_key = "https://warta-etam.example/" + "a" * 300

    short = to_mention(dated(key="12345"), source_name="X", source_type="online_news", key_prefix="src7:")
    long_a = to_mention(
        dated(key=long_key + "a"), source_name="X", source_type="online_news", key_prefix="src7:"
    )
    long_b = to_mention(
        dated(key=long_key + "b"), source_name="X", source_type="online_news", key_prefix="src7:"
    )

    assert short["external_id"] == "src7:12345"
    assert long_a["external_id"] != long_b["external_id"]
    assert str(long_a["external_id"]).startswith("src7:sha256:")
    valid(long_a)
    with pytest.raises(ValueError, match="key_prefix"):
        to_mention(dated(), source_name="X", source_type="online_news", key_prefix="p" * 200)


def test_long_titles_and_authors_are_cut_to_the_schema_limits() -> None:
    item = dated(url="https://warta-etam.example/x", title="Banjir " * 400, author="Redaksi " * 50)
    terms = [f"Istilah nomor {n} " + "x" * 120 for n in range(80)]

    mention = valid(
        to_mention(item, source_name="Warta " * 50, source_type="online_news", matched_terms=terms)
    )

    assert len(mention.title or "") <= 1000 and len(mention.author or "") <= 200
    assert len(mention.source_name or "") <= 200
    assert len(mention.watchlist_terms) == 50 and mention.watchlist_terms[0].startswith("Istilah nomor 0 ")


def test_unknown_region_hint_is_a_configuration_error() -> None:
    item = parse_feed(read("berita.rss"))[0]

    with pytest.raises(ValueError, match=re.escape("63.71")):
        to_mention(item, source_name="X", source_type="online_news", region_hints=["63.71"])


# --- watchlists -------------------------------------------------------------------------------------------


def test_default_watchlist_holds_the_province_its_regions_and_agencies() -> None:
    terms = load_default()

    for term in (
        "Pemprov Kaltim",
        "BPBD",
        "IKN",
        "Samarinda",
        "Kutai Kartanegara",
        "PPU",
        "DLH",
        "Satpol PP",
    ):
        assert term in terms
    assert len(set(terms)) == len(terms)
    assert len(compile_watchlist(terms)) == len(terms)  # no two terms read the same once normalised


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Kepala DLH Kaltim meninjau sungai", ["DLH"]),
        ("dlh kaltim", ["DLH"]),
        ("Pemkab PPU siapkan posko", ["PPU"]),
        ("Produk suppu dan ppuk tidak relevan", []),
        ("Satpol-PP menertibkan reklame", ["Satpol PP"]),
        ("SATPOL   PP, dan Dishub.", ["Satpol PP"]),
        ("Banjir di KUTAI-KARTANEGARA", ["Kutai Kartanegara"]),
        ("Kutai Kartanegaraku", []),
        ("“Pémprov Kaltim” menjawab", ["Pemprov Kaltim"]),
        ("#BanjirSamarinda kembali terjadi", ["Samarinda"]),
    ],
)
def test_matching_is_whole_word_and_ignores_case_accents_and_punctuation(text: str, found: list[str]) -> None:
    watchlist = compile_watchlist(
        ["Pemprov Kaltim", "DLH", "PPU", "Satpol PP", "Kutai Kartanegara", "Samarinda"]
    )

    assert watchlist.matches(text) == found


def test_matches_are_in_watchlist_order_deduplicated_and_per_text() -> None:
    watchlist = compile_watchlist(["Samarinda", "BPBD", "bpbd", "Kota Samarinda", "IKN"])

    assert watchlist.terms == ("Samarinda", "BPBD", "Kota Samarinda", "IKN")
    assert watchlist.matches("IKN dan BPBD", "BPBD di Samarinda") == ["Samarinda", "BPBD", "IKN"]
    # a phrase never spans the end of the title and the start of the text
    assert watchlist.matches("Banjir melanda kota", "Samarinda terendam") == ["Samarinda"]


def test_empty_watchlist_matches_nothing() -> None:
    watchlist = compile_watchlist([])

    assert len(watchlist) == 0
    assert watchlist.matches("Pemprov Kaltim dan BPBD Samarinda") == []
    assert compile_watchlist(["", "  ", "!!!"]).matches("!!!") == []


def test_a_single_string_is_not_a_watchlist() -> None:
    with pytest.raises(TypeError):
        compile_watchlist("Samarinda")


def test_default_watchlist_lets_the_kaltim_items_through_and_skips_the_rest() -> None:
    watchlist = compile_watchlist(load_default())
    items = by_key(parse_feed(read("berita.rss")))

    passed = {key for key, item in items.items() if watchlist.matches(item.title, item.text)}

    assert passed == KALTIM_KEYS
    assert not passed & UNRELATED_KEYS
    first = items["warta-etam-2026-11-27-0012"]
    assert watchlist.matches(first.title, first.text)[:3] == ["Kalimantan Timur", "Kaltim", "Pemprov Kaltim"]
    assert {"Samarinda", "BPBD", "Pemerintah Provinsi Kalimantan Timur"} <= set(
        watchlist.matches(first.title, first.text)
    )


def test_default_watchlist_passes_every_press_release_and_the_bmkg_warning() -> None:
    watchlist = compile_watchlist(load_default())
    items = [*parse_feed(read("rilis.atom")), *parse_cap(read("bmkg_peringatan.xml"))]

    assert all(watchlist.matches(item.title, item.text) for item in items)
    assert "IKN" in watchlist.matches(items[3].title, items[3].text)
