"""Render OASIS CAP 1.2 alerts and an Atom 1.0 feed of them. Pure: no FastAPI, no database.

Every value object checks itself when it is built, so an invalid alert never exists and :func:`render_alert`
only writes XML. The rules come from the CAP 1.2 specification, not only from its schema: the schema accepts
a ``sender`` with spaces or a ``Cancel`` without ``references``, but receivers could not match such a message
to the one it updates.

One ``<info>`` per language carries the same category, urgency, severity, certainty, expiry and areas; only
the texts differ. All kabupaten/kota of an alert go into one ``<area>``: its ``areaDesc`` lists their names
and each one is a ``KEMENDAGRI`` geocode, which CAP reads as their union.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args
from urllib.parse import urlsplit

from app.classification.schemas import CapCategory, CapCertainty, CapSeverity, CapUrgency

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
GEOCODE_NAME = "KEMENDAGRI"

STATUSES = frozenset({"Actual", "Exercise", "System", "Test", "Draft"})
MSG_TYPES = frozenset({"Alert", "Update", "Cancel"})
# Restricted needs <restriction> and Private needs <addresses>; Sigap publishes to the public only.
SCOPES = frozenset({"Public"})
# The CAP 1.2 vocabularies are defined once, with the classification's CAP profile.
CATEGORIES = frozenset(get_args(CapCategory))
URGENCIES = frozenset(get_args(CapUrgency))
SEVERITIES = frozenset(get_args(CapSeverity))
CERTAINTIES = frozenset(get_args(CapCertainty))

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, not even escaped (most C0 controls, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# CAP 1.2 (3.2.1): identifier and sender carry no spaces, commas or restricted characters (< and &),
# because references join them as "sender,identifier,sent" separated by whitespace.
_CAP_TOKEN = re.compile(r"[^\s,<&]+")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")  # xs:language
_KEMENDAGRI_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")  # provinsi.kabkota.kecamatan.desa


def _require(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"{field}: {problem}")


def _check_text(value: str, field: str, *, blank_ok: bool = False) -> None:
    _require(blank_ok or bool(value.strip()), field, "must not be blank")
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise ValueError(f"{field}: contains {bad.group()!r}, which XML cannot carry")


def _check_token(value: str, field: str) -> None:
    _require(
        _CAP_TOKEN.fullmatch(value) is not None,
        field,
        f"{value!r} must be non-empty without spaces, commas, '<' or '&' (CAP 1.2)",
    )
    _check_text(value, field)


def _check_vocabulary(value: str, allowed: frozenset[str], field: str) -> None:
    _require(value in allowed, field, f"{value!r} is not one of {', '.join(sorted(allowed))}")


def _check_aware(value: datetime, field: str) -> None:
    _require(value.tzinfo is not None and value.utcoffset() is not None, field, "must carry a UTC offset")


def _check_url(value: str, field: str) -> None:
    parts = urlsplit(value)
    _require(
        parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value),
        field,
        f"{value!r} is not an absolute http(s) URL",
    )
    _check_text(value, field)


def format_cap_time(moment: datetime) -> str:
    """``2026-11-28T14:05:00+08:00``: CAP 1.2 date-time, whole seconds, with the moment's own offset.

    Fractional seconds are dropped (the schema's pattern forbids them) and UTC is written ``-00:00``, as
    CAP 1.2 section 3.3.2 requires instead of ``Z``.
    """
    return _cap_time(moment, "time")


def _cap_time(moment: datetime, field: str) -> str:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{field}: must carry a UTC offset")
    _require(offset % timedelta(minutes=1) == timedelta(0), field, f"offset {offset} is not whole minutes")
    text = moment.replace(microsecond=0).isoformat()
    return text[: -len("+00:00")] + "-00:00" if offset == timedelta(0) else text


def _atom_time(moment: datetime, field: str) -> str:
    """RFC 3339 as Atom requires; unlike CAP, ``-00:00`` would mean "offset unknown" there."""
    _check_aware(moment, field)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Area:
    """A kabupaten/kota (or the province, or a kecamatan) by its Kemendagri code."""

    code: str  # Kemendagri code, e.g. "64.72"
    name: str  # "Kota Samarinda"

    def __post_init__(self) -> None:
        _require(
            _KEMENDAGRI_CODE.fullmatch(self.code) is not None,
            "areas.code",
            f"{self.code!r} is not a Kemendagri code such as 64 or 64.72",
        )
        _check_text(self.name, "areas.name")


@dataclass(frozen=True, slots=True)
class Reference:
    """An earlier CAP message this one updates or cancels."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        _check_token(self.sender, "references.sender")
        _check_token(self.identifier, "references.identifier")
        _cap_time(self.sent, "references.sent")

    def as_cap(self) -> str:
        return f"{self.sender},{self.identifier},{format_cap_time(self.sent)}"


@dataclass(frozen=True, slots=True)
class InfoBlock:
    """The texts of an alert in one language."""

    language: str  # "id-ID" or "en-US"
    event: str  # e.g. "Banjir" / "Flood"
    headline: str
    description: str
    instruction: str | None
    web: str | None
    contact: str | None

    def __post_init__(self) -> None:
        _require(
            _LANGUAGE.fullmatch(self.language) is not None,
            "infos.language",
            f"{self.language!r} is not a language tag such as id-ID",
        )
        _check_text(self.event, "infos.event")
        _check_text(self.headline, "infos.headline")
        _check_text(self.description, "infos.description")
        if self.instruction is not None:
            _check_text(self.instruction, "infos.instruction")
        if self.web is not None:
            _check_url(self.web, "infos.web")
        if self.contact is not None:
            _check_text(self.contact, "infos.contact")


@dataclass(frozen=True, slots=True)
class Alert:
    """One CAP 1.2 message. Times must be aware; they are written with their own offset (WITA is fine)."""

    identifier: str
    sender: str  # from config, e.g. "diskominfo@kaltimprov.go.id"
    sender_name: str  # "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
    sent: datetime
    msg_type: str  # "Alert" | "Update" | "Cancel"
    category: str
    urgency: str
    severity: str
    certainty: str
    infos: tuple[InfoBlock, ...]  # one per language
    areas: tuple[Area, ...] = ()
    references: tuple[Reference, ...] = ()  # required for Update and Cancel
    status: str = "Actual"
    scope: str = "Public"
    expires: datetime | None = None
    event_code: tuple[str, str] | None = None  # (valueName, value), e.g. ("SIGAP_TOPIC", "bencana")

    def __post_init__(self) -> None:
        _check_token(self.identifier, "identifier")
        _check_token(self.sender, "sender")
        _check_text(self.sender_name, "sender_name")
        _cap_time(self.sent, "sent")
        _check_vocabulary(self.msg_type, MSG_TYPES, "msg_type")
        _check_vocabulary(self.status, STATUSES, "status")
        _check_vocabulary(self.scope, SCOPES, "scope")
        _check_vocabulary(self.category, CATEGORIES, "category")
        _check_vocabulary(self.urgency, URGENCIES, "urgency")
        _check_vocabulary(self.severity, SEVERITIES, "severity")
        _check_vocabulary(self.certainty, CERTAINTIES, "certainty")

        _require(len(self.infos) > 0, "infos", "an alert needs at least one info block")
        languages = [info.language.lower() for info in self.infos]
        _require(len(set(languages)) == len(languages), "infos", "one info block per language")
        codes = [area.code for area in self.areas]
        _require(len(set(codes)) == len(codes), "areas", "each Kemendagri code at most once")

        _require(
            self.msg_type == "Alert" or len(self.references) > 0,
            "references",
            f"a {self.msg_type} must reference the message(s) it replaces",
        )
        for reference in self.references:
            _require(
                (reference.sender, reference.identifier) != (self.sender, self.identifier),
                "references",
                "an alert cannot reference itself",
            )
            _require(reference.sent <= self.sent, "references", "refers to a message sent after this one")

        if self.expires is not None:
            _cap_time(self.expires, "expires")
            _require(self.expires > self.sent, "expires", "must be after sent")
        if self.event_code is not None:
            value_name, value = self.event_code
            _check_text(value_name, "event_code.valueName")
            _check_text(value, "event_code.value")


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def _add_pair(parent: ET.Element, tag: str, value_name: str, value: str) -> None:
    pair = ET.SubElement(parent, tag)
    _add(pair, "valueName", value_name)
    _add(pair, "value", value)


def _serialize(root: ET.Element, namespace: str) -> bytes:
    # Unqualified tags under a literal default xmlns: ElementTree's default_namespace option refuses the
    # unqualified attributes Atom uses (rel, href), and prefixes like ns0: would only confuse readers.
    root.set("xmlns", namespace)
    ET.indent(root)
    return (_XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def _info(alert: Alert, info: InfoBlock) -> ET.Element:
    # Children in the order of the CAP 1.2 schema's <sequence>.
    element = ET.Element("info")
    _add(element, "language", info.language)
    _add(element, "category", alert.category)
    _add(element, "event", info.event)
    _add(element, "urgency", alert.urgency)
    _add(element, "severity", alert.severity)
    _add(element, "certainty", alert.certainty)
    if alert.event_code is not None:
        _add_pair(element, "eventCode", *alert.event_code)
    if alert.expires is not None:
        _add(element, "expires", format_cap_time(alert.expires))
    _add(element, "senderName", alert.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    for tag, optional in (("instruction", info.instruction), ("web", info.web), ("contact", info.contact)):
        if optional is not None:
            _add(element, tag, optional)
    if alert.areas:
        area = ET.SubElement(element, "area")
        _add(area, "areaDesc", ", ".join(a.name for a in alert.areas))
        for each in alert.areas:
            _add_pair(area, "geocode", GEOCODE_NAME, each.code)
    return element


def render_alert(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document: UTF-8 XML with its declaration, valid against the OASIS schema."""
    root = ET.Element("alert")
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", format_cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.references:
        _add(root, "references", " ".join(r.as_cap() for r in alert.references))
    root.extend(_info(alert, info) for info in alert.infos)
    return _serialize(root, CAP_NAMESPACE)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One alert in the feed; ``link`` is the URL its CAP document is served at (also the entry's Atom id)."""

    alert: Alert
    link: str
    title: str
    updated: datetime
    summary: str

    def __post_init__(self) -> None:
        _check_url(self.link, "entries.link")
        _check_text(self.title, "entries.title")
        _check_aware(self.updated, "entries.updated")
        _check_text(self.summary, "entries.summary")


def _link(parent: ET.Element, *, rel: str, media_type: str, href: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media_type, "href": href})


def render_feed(
    *,
    feed_id: str,
    title: str,
    self_link: str,
    updated: datetime,
    author: str,
    entries: Sequence[FeedEntry],
) -> bytes:
    """An Atom 1.0 feed of CAP alerts, entries in the order given (callers pass newest first)."""
    _require(
        bool(urlsplit(feed_id).scheme), "feed_id", f"{feed_id!r} is not an IRI such as urn:... or https://..."
    )
    _check_text(feed_id, "feed_id")
    _check_text(title, "title")
    _check_url(self_link, "self_link")
    _check_text(author, "author")
    ids = [entry.link for entry in entries]
    _require(len(set(ids)) == len(ids), "entries", "each CAP document at most once")

    feed = ET.Element("feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", _atom_time(updated, "updated"))
    _add(ET.SubElement(feed, "author"), "name", author)
    _link(feed, rel="self", media_type=ATOM_MEDIA_TYPE, href=self_link)
    for entry in entries:
        element = ET.SubElement(feed, "entry")
        # The document's URL is permanent and unique per message, which is what an Atom id must be; CAP
        # identifiers need not be IRIs.
        _add(element, "id", entry.link)
        _add(element, "title", entry.title)
        _add(element, "updated", _atom_time(entry.updated, "entries.updated"))
        _add(element, "published", _atom_time(entry.alert.sent, "entries.alert.sent"))
        ET.SubElement(element, "category", {"term": entry.alert.category})
        _link(element, rel="alternate", media_type=CAP_MEDIA_TYPE, href=entry.link)
        _add(element, "summary", entry.summary)
    return _serialize(feed, ATOM_NAMESPACE)
