"""CAP 1.2 alerts and their Atom feed: every document is checked against the OASIS schema by capvalidator."""

from __future__ import annotations

import dataclasses
import importlib.util
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import capvalidator
import pytest

from app.cap.render import (
    Alert,
    Area,
    FeedEntry,
    InfoBlock,
    Reference,
    format_cap_time,
    render_alert,
    render_feed,
)
from app.clock import WITA

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
SENDER = "diskominfo@kaltimprov.go.id"
SENDER_NAME = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
SAMARINDA = Area("64.72", "Kota Samarinda")
PPU = Area("64.09", "Kabupaten Penajam Paser Utara")
KUKAR = Area("64.03", "Kabupaten Kutai Kartanegara")
FLOOD_SENT = datetime(2026, 11, 28, 14, 5, tzinfo=WITA)
BASE_URL = "https://sigap.kaltimprov.go.id"

FLOOD_ID = InfoBlock(
    language="id-ID",
    event="Banjir",
    headline="Banjir di Kota Samarinda: Jl. Pemuda & Jl. D.I. Panjaitan tergenang 50-80 cm",
    description=(
        "Hujan deras sejak pukul 10.00 WITA membuat Sungai Karang Mumus meluap. Genangan 50-80 cm di "
        "Kelurahan Temindung Permai, Sungai Pinang Dalam dan Gunung Lingai. BPBD Kota Samarinda telah "
        "menyiagakan perahu karet dan dapur umum."
    ),
    instruction=(
        "Matikan listrik di rumah yang tergenang, hindari ruas Jl. Pemuda, dan ikuti arahan petugas BPBD. "
        "Hubungi 112 untuk evakuasi."
    ),
    web=f"{BASE_URL}/peringatan/sigap-2026-0042",
    contact="Posko BPBD Kota Samarinda, telepon 112",
)
FLOOD_EN = InfoBlock(
    language="en-US",
    event="Flood",
    headline="Flooding in Samarinda: Jl. Pemuda & Jl. D.I. Panjaitan under 50-80 cm of water",
    description=(
        "Heavy rain since 10:00 WITA has caused the Karang Mumus river to overflow. Water stands 50-80 cm "
        "deep in Temindung Permai, Sungai Pinang Dalam and Gunung Lingai. Samarinda's disaster agency "
        "(BPBD) has rubber boats and a public kitchen ready."
    ),
    instruction="Switch off electricity in flooded homes, avoid Jl. Pemuda and follow BPBD officers.",
    web=f"{BASE_URL}/peringatan/sigap-2026-0042",
    contact="BPBD Samarinda command post, phone 112",
)
HAZE_ID = InfoBlock(
    language="id-ID",
    event="Kabut asap karhutla",
    headline="Kabut asap kebakaran hutan dan lahan di Penajam Paser Utara, ISPU tidak sehat",
    description=(
        "Titik panas terpantau di Kecamatan Sepaku dan Babulu. Indeks standar pencemar udara di Penajam "
        "mencapai kategori tidak sehat pagi ini; jarak pandang di jalan poros Penajam-Sepaku di bawah 500 m."
    ),
    instruction="Kurangi kegiatan di luar ruangan, gunakan masker, dan jangan membakar lahan.",
    web=None,
    contact="Dinas Kesehatan Kabupaten Penajam Paser Utara",
)
HAZE_EN = InfoBlock(
    language="en-US",
    event="Forest and land fire haze",
    headline="Forest and land fire haze in Penajam Paser Utara, air quality unhealthy",
    description=(
        "Hotspots are detected in Sepaku and Babulu districts. The air pollution index in Penajam reached "
        "'unhealthy' this morning; visibility on the Penajam-Sepaku road is below 500 m."
    ),
    instruction="Limit outdoor activity, wear a mask and do not burn land.",
    web=None,
    contact=None,
)
HOAX_ID = InfoBlock(
    language="id-ID",
    event="Klarifikasi hoaks",
    headline="[KLARIFIKASI] Pesan berantai 'Bendungan Benanga jebol' adalah hoaks",
    description=(
        "Beredar pesan berantai di WhatsApp bahwa Bendungan Benanga di Samarinda jebol malam ini. Balai "
        "Wilayah Sungai Kalimantan IV memastikan bendungan dalam kondisi aman dan dipantau 24 jam."
    ),
    instruction="Jangan sebarkan pesan tersebut; periksa informasi resmi di kanal Diskominfo Kaltim.",
    web=f"{BASE_URL}/klarifikasi/bendungan-benanga",
    contact=None,
)
HOAX_EN = InfoBlock(
    language="en-US",
    event="Hoax clarification",
    headline="[CLARIFICATION] Chain message claiming the Benanga dam has burst is a hoax",
    description="The river basin authority confirms the Benanga dam in Samarinda is safe and monitored 24/7.",
    instruction=None,
    web=None,
    contact=None,
)

# Crisis level -> CAP profile, as app.classification.scoring maps it.
LEVELS: dict[str, dict[str, Any]] = {
    "normal": {"severity": "Minor", "urgency": "Unknown", "certainty": "Unlikely", "category": "Other"},
    "waspada": {"severity": "Moderate", "urgency": "Expected", "certainty": "Likely", "category": "Health"},
    "siaga": {"severity": "Severe", "urgency": "Expected", "certainty": "Likely", "category": "Met"},
    "awas": {"severity": "Extreme", "urgency": "Immediate", "certainty": "Observed", "category": "Met"},
}
TEXTS = {"normal": (HOAX_ID, HOAX_EN), "waspada": (HAZE_ID, HAZE_EN), "siaga": (FLOOD_ID, FLOOD_EN)}
TEXTS["awas"] = TEXTS["siaga"]


def make_alert(**overrides: Any) -> Alert:
    fields: dict[str, Any] = {
        "identifier": "sigap-2026-0042",
        "sender": SENDER,
        "sender_name": SENDER_NAME,
        "sent": FLOOD_SENT,
        "msg_type": "Alert",
        "category": "Met",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "infos": (FLOOD_ID, FLOOD_EN),
        "areas": (SAMARINDA,),
        "expires": FLOOD_SENT + timedelta(hours=12),
        "event_code": ("SIGAP_TOPIC", "bencana"),
    }
    fields.update(overrides)
    return Alert(**fields)


def assert_valid_cap(document: bytes) -> ET.Element:
    result = capvalidator.check_schema(document)
    assert result.passed, f"{result.message}\n{document.decode()}"
    return parse(document)


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - our own output, not untrusted input


def text(element: ET.Element, path: str) -> str | None:
    return element.findtext(path, namespaces=NS)


def local_names(element: ET.Element) -> list[str]:
    return [child.tag.rsplit("}", 1)[1] for child in element]


# --- alerts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_areas", [True, False], ids=["areas", "no-area"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_every_crisis_level_renders_a_valid_cap_document(level: str, with_areas: bool) -> None:
    profile = LEVELS[level]
    areas = (SAMARINDA, PPU) if with_areas else ()
    root = assert_valid_cap(render_alert(make_alert(infos=TEXTS[level], areas=areas, **profile)))

    infos = root.findall("cap:info", NS)
    assert [text(info, "cap:language") for info in infos] == ["id-ID", "en-US"]
    for info in infos:
        assert text(info, "cap:severity") == profile["severity"]
        assert text(info, "cap:urgency") == profile["urgency"]
        assert text(info, "cap:certainty") == profile["certainty"]
        assert text(info, "cap:category") == profile["category"]
        assert (info.find("cap:area", NS) is not None) is with_areas


def test_flood_in_samarinda_has_cap_structure() -> None:
    document = render_alert(make_alert(areas=(SAMARINDA, KUKAR)))
    root = assert_valid_cap(document)

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    assert local_names(root) == ["identifier", "sender", "sent", "status", "msgType", "scope", "info", "info"]
    assert text(root, "cap:identifier") == "sigap-2026-0042"
    assert text(root, "cap:sender") == SENDER
    assert text(root, "cap:sent") == "2026-11-28T14:05:00+08:00"
    assert text(root, "cap:status") == "Actual"
    assert text(root, "cap:msgType") == "Alert"
    assert text(root, "cap:scope") == "Public"
    assert root.find("cap:references", NS) is None

    indonesian, english = root.findall("cap:info", NS)
    assert local_names(indonesian) == [
        "language", "category", "event", "urgency", "severity", "certainty", "eventCode", "expires",
        "senderName", "headline", "description", "instruction", "web", "contact", "area",
    ]  # fmt: skip
    assert text(indonesian, "cap:event") == "Banjir"
    assert text(english, "cap:event") == "Flood"
    assert text(indonesian, "cap:headline") == FLOOD_ID.headline
    assert text(english, "cap:description") == FLOOD_EN.description
    assert text(indonesian, "cap:expires") == "2026-11-29T02:05:00+08:00"
    assert text(indonesian, "cap:senderName") == SENDER_NAME
    assert text(indonesian, "cap:eventCode/cap:valueName") == "SIGAP_TOPIC"
    assert text(indonesian, "cap:eventCode/cap:value") == "bencana"

    area = indonesian.find("cap:area", NS)
    assert area is not None
    assert text(area, "cap:areaDesc") == "Kota Samarinda, Kabupaten Kutai Kartanegara"
    geocodes = [(text(g, "cap:valueName"), text(g, "cap:value")) for g in area.findall("cap:geocode", NS)]
    assert geocodes == [("KEMENDAGRI", "64.72"), ("KEMENDAGRI", "64.03")]


def test_optional_elements_are_left_out() -> None:
    root = assert_valid_cap(
        render_alert(make_alert(infos=(HAZE_EN,), areas=(), expires=None, event_code=None))
    )

    (info,) = root.findall("cap:info", NS)
    assert local_names(info) == [
        "language", "category", "event", "urgency", "severity", "certainty", "senderName", "headline",
        "description", "instruction",
    ]  # fmt: skip


def test_update_and_cancel_reference_the_earlier_alert() -> None:
    first = make_alert(identifier="sigap-2026-0042", sent=FLOOD_SENT)
    earlier = Reference(sender=first.sender, identifier=first.identifier, sent=first.sent)
    update = make_alert(
        identifier="sigap-2026-0043",
        sent=FLOOD_SENT + timedelta(hours=3),
        msg_type="Update",
        severity="Extreme",
        references=(earlier,),
        areas=(SAMARINDA, KUKAR),
    )
    cancel = make_alert(
        identifier="sigap-2026-0044",
        sent=datetime(2026, 11, 29, 1, 30, tzinfo=UTC),
        msg_type="Cancel",
        urgency="Past",
        severity="Minor",
        expires=None,
        references=(earlier, Reference(update.sender, update.identifier, update.sent)),
        infos=(
            dataclasses.replace(
                FLOOD_ID, headline="Banjir Samarinda surut, peringatan dicabut", instruction=None
            ),
        ),
    )

    assert_valid_cap(render_alert(first))
    update_root = assert_valid_cap(render_alert(update))
    cancel_root = assert_valid_cap(render_alert(cancel))

    assert text(update_root, "cap:msgType") == "Update"
    assert text(update_root, "cap:references") == f"{SENDER},sigap-2026-0042,2026-11-28T14:05:00+08:00"
    assert text(cancel_root, "cap:msgType") == "Cancel"
    assert text(cancel_root, "cap:sent") == "2026-11-29T01:30:00-00:00"  # UTC is -00:00 in CAP
    assert text(cancel_root, "cap:references") == " ".join(
        [
            f"{SENDER},sigap-2026-0042,2026-11-28T14:05:00+08:00",
            f"{SENDER},sigap-2026-0043,2026-11-28T17:05:00+08:00",
        ]
    )
    assert local_names(cancel_root)[:8] == [
        "identifier", "sender", "sent", "status", "msgType", "scope", "references", "info",
    ]  # fmt: skip


def test_text_is_escaped() -> None:
    headline = "Isu <hoaks> & fakta: 'banjir' \"Samarinda\""
    alert = make_alert(
        infos=(dataclasses.replace(FLOOD_ID, headline=headline),), sender_name="Diskominfo & PPID"
    )
    document = render_alert(alert)
    root = assert_valid_cap(document)

    assert b"Isu &lt;hoaks&gt; &amp; fakta" in document
    assert text(root, "cap:info/cap:headline") == headline
    assert text(root, "cap:info/cap:senderName") == "Diskominfo & PPID"
    assert text(root, "cap:info/cap:web") == FLOOD_ID.web


def test_exercise_and_draft_statuses_are_valid() -> None:
    for status in ("Exercise", "Test", "Draft", "System"):
        assert text(assert_valid_cap(render_alert(make_alert(status=status))), "cap:status") == status


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "Flood"}, "category"),
        ({"urgency": "Now"}, "urgency"),
        ({"severity": "Catastrophic"}, "severity"),
        ({"certainty": "Sure"}, "certainty"),
        ({"msg_type": "Ack"}, "msg_type"),
        ({"status": "Live"}, "status"),
        ({"scope": "Restricted"}, "scope"),
        ({"infos": ()}, "infos"),
        ({"infos": (FLOOD_ID, HAZE_ID)}, "infos"),
        ({"msg_type": "Update"}, "references"),
        ({"msg_type": "Cancel", "references": ()}, "references"),
        ({"references": (Reference(SENDER, "sigap-2026-0042", FLOOD_SENT),)}, "references"),
        ({"references": (Reference(SENDER, "sigap-2026-0099", FLOOD_SENT + timedelta(1)),)}, "references"),
        ({"identifier": "sigap 2026"}, "identifier"),
        ({"identifier": ""}, "identifier"),
        ({"sender": "diskominfo,kaltim"}, "sender"),
        ({"sender_name": " "}, "sender_name"),
        ({"sent": datetime(2026, 11, 28, 14, 5)}, "sent"),
        ({"sent": datetime(2026, 11, 28, 14, 5, tzinfo=timezone(timedelta(seconds=30)))}, "sent"),
        ({"expires": FLOOD_SENT - timedelta(minutes=1)}, "expires"),
        ({"event_code": ("SIGAP_TOPIC", "")}, "event_code.value"),
        ({"areas": (SAMARINDA, SAMARINDA)}, "areas"),
    ],
)
def test_invalid_alerts_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}:"):
        make_alert(**overrides)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Area("Samarinda", "Kota Samarinda"), "areas.code"),
        (lambda: Area("64.72", ""), "areas.name"),
        (lambda: Reference("diskominfo kaltim", "x", FLOOD_SENT), "references.sender"),
        (lambda: Reference(SENDER, "a&b", FLOOD_SENT), "references.identifier"),
        (lambda: Reference(SENDER, "x", datetime(2026, 1, 1)), "references.sent"),
        (lambda: dataclasses.replace(FLOOD_ID, language="Bahasa Indonesia"), "infos.language"),
        (lambda: dataclasses.replace(FLOOD_ID, headline=""), "infos.headline"),
        (lambda: dataclasses.replace(FLOOD_ID, description="banjir\x00"), "infos.description"),
        (lambda: dataclasses.replace(FLOOD_ID, web="sigap.kaltimprov.go.id/x"), "infos.web"),
    ],
)
def test_invalid_parts_are_refused_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}:"):
        build()


def test_format_cap_time() -> None:
    assert (
        format_cap_time(datetime(2026, 11, 28, 14, 5, 7, 999_999, tzinfo=WITA)) == "2026-11-28T14:05:07+08:00"
    )
    assert format_cap_time(datetime(2026, 11, 28, 6, 5, tzinfo=UTC)) == "2026-11-28T06:05:00-00:00"
    assert format_cap_time(datetime(2026, 11, 28, 13, 5, tzinfo=timezone(timedelta(hours=7)))) == (
        "2026-11-28T13:05:00+07:00"  # WIB stays WIB: same instant, its own offset
    )
    assert format_cap_time(datetime(2026, 1, 1, tzinfo=timezone(-timedelta(hours=3, minutes=30)))) == (
        "2026-01-01T00:00:00-03:30"
    )
    with pytest.raises(ValueError, match="UTC offset"):
        format_cap_time(datetime(2026, 11, 28, 14, 5))


def test_validator_really_checks_the_schema() -> None:
    document = render_alert(make_alert()).decode()
    broken = {
        "unknown severity": document.replace(">Severe<", ">Catastrophic<"),
        "fractional seconds": document.replace("14:05:00+08:00", "14:05:00.5+08:00"),
        "no offset": document.replace("<sent>2026-11-28T14:05:00+08:00", "<sent>2026-11-28T14:05:00"),
        "wrong order": document.replace(
            "<status>Actual</status>\n  <msgType>Alert</msgType>",
            "<msgType>Alert</msgType>\n  <status>Actual</status>",
        ),
        "other namespace": document.replace("cap:1.2", "cap:1.1"),
        "not XML": document.replace("<headline>", "<headline>&"),
    }
    for problem, text_ in broken.items():
        assert text_ != document, problem
        assert not capvalidator.check_schema(text_.encode()).passed, problem


# --- Atom feed ------------------------------------------------------------------------------------------


def feed_entries() -> list[FeedEntry]:
    flood = make_alert()
    update = make_alert(
        identifier="sigap-2026-0043",
        sent=FLOOD_SENT + timedelta(hours=3),
        msg_type="Update",
        references=(Reference(flood.sender, flood.identifier, flood.sent),),
    )
    haze = make_alert(
        identifier="sigap-2026-0040", sent=FLOOD_SENT - timedelta(days=1), infos=(HAZE_ID, HAZE_EN)
    )
    return [
        FeedEntry(
            alert=alert,
            link=f"{BASE_URL}/cap/{alert.identifier}.xml",
            title=alert.infos[0].headline,
            updated=alert.sent,
            summary=alert.infos[0].description,
        )
        for alert in (update, flood, haze)
    ]


def make_feed(entries: list[FeedEntry]) -> bytes:
    return render_feed(
        feed_id="urn:uuid:5f1c9b1e-6c0d-4b57-9a53-0b0d6a1f6a64",
        title="Peringatan Sigap — Diskominfo Kaltim & BPBD",
        self_link=f"{BASE_URL}/cap/feed.atom",
        updated=FLOOD_SENT + timedelta(hours=3),
        author=SENDER_NAME,
        entries=entries,
    )


def test_feed_lists_entries_newest_first_with_links_to_cap_documents() -> None:
    entries = feed_entries()
    document = make_feed(entries)
    root = parse(document)

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert text(root, "atom:id") == "urn:uuid:5f1c9b1e-6c0d-4b57-9a53-0b0d6a1f6a64"
    assert text(root, "atom:title") == "Peringatan Sigap — Diskominfo Kaltim & BPBD"
    assert text(root, "atom:updated") == "2026-11-28T17:05:00+08:00"
    assert text(root, "atom:author/atom:name") == SENDER_NAME
    (self_link,) = root.findall("atom:link", NS)
    assert self_link.attrib == {
        "rel": "self",
        "type": "application/atom+xml",
        "href": f"{BASE_URL}/cap/feed.atom",
    }

    rendered = root.findall("atom:entry", NS)
    assert [text(e, "atom:id") for e in rendered] == [
        f"{BASE_URL}/cap/sigap-2026-0043.xml",
        f"{BASE_URL}/cap/sigap-2026-0042.xml",
        f"{BASE_URL}/cap/sigap-2026-0040.xml",
    ]
    assert [text(e, "atom:updated") for e in rendered] == [
        "2026-11-28T17:05:00+08:00",
        "2026-11-28T14:05:00+08:00",
        "2026-11-27T14:05:00+08:00",
    ]
    for entry, element in zip(entries, rendered, strict=True):
        (link,) = element.findall("atom:link", NS)
        assert link.attrib == {"rel": "alternate", "type": "application/cap+xml", "href": entry.link}
        assert text(element, "atom:title") == entry.title
        assert text(element, "atom:summary") == entry.summary
        assert text(element, "atom:published") == format_cap_time(entry.alert.sent)
        # The linked document is itself valid CAP.
        assert_valid_cap(render_alert(entry.alert))


def test_feed_keeps_the_order_given_and_may_be_empty() -> None:
    entries = feed_entries()
    reordered = parse(make_feed([entries[2], entries[0]]))
    assert [text(e, "atom:id") for e in reordered.findall("atom:entry", NS)] == [
        entries[2].link,
        entries[0].link,
    ]

    empty = parse(make_feed([]))
    assert empty.findall("atom:entry", NS) == []
    assert text(empty, "atom:title") is not None


def test_feed_escapes_titles() -> None:
    entry = dataclasses.replace(feed_entries()[0], title="Banjir <Samarinda> & Kukar")
    document = make_feed([entry])

    assert b"Banjir &lt;Samarinda&gt; &amp; Kukar" in document
    assert text(parse(document), "atom:entry/atom:title") == "Banjir <Samarinda> & Kukar"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"feed_id": "sigap-feed"}, "feed_id"),
        ({"self_link": "/cap/feed.atom"}, "self_link"),
        ({"title": ""}, "title"),
        ({"author": " "}, "author"),
        ({"updated": datetime(2026, 11, 28, 17, 5)}, "updated"),
    ],
)
def test_invalid_feeds_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "feed_id": "urn:uuid:5f1c9b1e-6c0d-4b57-9a53-0b0d6a1f6a64",
        "title": "Peringatan Sigap",
        "self_link": f"{BASE_URL}/cap/feed.atom",
        "updated": FLOOD_SENT,
        "author": SENDER_NAME,
        "entries": feed_entries(),
    }
    arguments.update(overrides)
    with pytest.raises(ValueError, match=rf"^{field}:"):
        render_feed(**arguments)


def test_feed_refuses_bad_entries() -> None:
    entry = feed_entries()[0]
    with pytest.raises(ValueError, match=r"^entries\.link:"):
        dataclasses.replace(entry, link="cap/sigap-2026-0043.xml")
    with pytest.raises(ValueError, match=r"^entries:"):
        make_feed([entry, entry])


@pytest.mark.skipif(importlib.util.find_spec("feedparser") is None, reason="feedparser is not installed")
def test_feed_reads_in_feedparser() -> None:
    import feedparser

    entries = feed_entries()
    parsed = feedparser.parse(make_feed(entries))

    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [entry.link for entry in entries]
    for parsed_entry, entry in zip(parsed.entries, entries, strict=True):
        assert [(link.rel, link.type, link.href) for link in parsed_entry.links] == [
            ("alternate", "application/cap+xml", entry.link)
        ]
