"""Fetched feed bytes into feed items, and feed items into mention payloads. Pure: no FastAPI, no database.

RSS 0.9x/1.0/2.0 and Atom are read by feedparser, which drops entity declarations it cannot prove harmless
and never fetches external entities. A CAP 1.2 alert is read by the standard library's expat parser with
every DOCTYPE and ENTITY declaration refused (no XXE, no entity expansion): defusedxml is not a dependency,
and a CAP alert has no use for a DTD.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, NoReturn
from urllib.parse import urlsplit
from xml.parsers import expat

import feedparser  # type: ignore[import-untyped]

from app.cap.render import CAP_NAMESPACE, CERTAINTIES, GEOCODE_NAME, SEVERITIES, URGENCIES
from app.clock import WITA
from app.reference.catalog import region_codes

TEXT_MAX = 20_000
# MentionCreate's limits: a payload within them is never rejected for length.
EXTERNAL_ID_MAX = 255
TITLE_MAX = 1000
NAME_MAX = 200
URL_MAX = 2048
TERMS_MAX = 50
TERM_MAX = 100

_CAP = "{" + CAP_NAMESPACE + "}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# RSS 2.0 <author>: "redaksi@example.id (Redaksi)"; feedparser splits it wrongly when the domain is long.
_RSS_AUTHOR = re.compile(r"^\s*[^\s@()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*$")
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "td",
        "th", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})

# CAP's English vocabulary with the Indonesian words the classifier reads.
_MSG_TYPE_ID = {"Alert": "Peringatan", "Update": "Pembaruan peringatan", "Cancel": "Pembatalan peringatan"}
_SEVERITY_ID = {
    "Extreme": "ekstrem",
    "Severe": "parah",
    "Moderate": "sedang",
    "Minor": "ringan",
    "Unknown": "tidak diketahui",
}
_URGENCY_ID = {
    "Immediate": "segera",
    "Expected": "dalam waktu dekat",
    "Future": "akan datang",
    "Past": "sudah berlalu",
    "Unknown": "tidak diketahui",
}
_CERTAINTY_ID = {
    "Observed": "teramati",
    "Likely": "kemungkinan besar",
    "Possible": "mungkin",
    "Unlikely": "kecil kemungkinan",
    "Unknown": "tidak diketahui",
}


class FeedError(ValueError):
    """The bytes are not a feed or alert that can be read; the message says why."""


@dataclass(frozen=True, slots=True)
class CapInfo:
    """The official warning of one CAP ``<info>`` block."""

    identifier: str
    sender: str
    msg_type: str
    urgency: str
    severity: str
    certainty: str
    event: str
    area_desc: tuple[str, ...]
    geocodes: tuple[tuple[str, str], ...]  # (valueName, value)
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # stable dedup key: guid/id, else link, else "sha256:" of title (or text) and published
    url: str | None
    title: str
    text: str  # plain text, at most TEXT_MAX characters
    published_at: datetime | None  # aware, UTC
    author: str | None
    cap: CapInfo | None = None


# --- plain text -------------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


def _plain(text: str, *, limit: int = TEXT_MAX) -> str:
    """Whitespace collapsed; paragraph breaks kept as single line breaks, so clause ends survive."""
    lines = (" ".join(line.split()) for line in _CONTROL.sub("", text).splitlines())
    return _clip("\n".join(line for line in lines if line), limit)


def _one_line(text: str | None, limit: int) -> str:
    return _clip(" ".join(_CONTROL.sub("", text or "").split()), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def _http_url(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(value) > URL_MAX:
        return None
    return value if value.isprintable() and " " not in value else None


def _digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- RSS and Atom -----------------------------------------------------------------------------------------


def parse_feed(
    content: bytes, *, content_type: str | None = None, base_url: str | None = None
) -> list[FeedItem]:
    """The items of an RSS 0.9x/1.0/2.0 or Atom feed, in document order.

    ``content_type`` (the HTTP header, charset included) helps decode the bytes; ``base_url`` (the feed's own
    address) resolves relative links. Entries with neither a title nor a text are left out. A feed that is
    slightly broken but still yields entries is read; one that yields none raises :class:`FeedError`.
    """
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        headers["content-location"] = base_url
    # A stream, never the bytes themselves: feedparser opens a bytes value that names an existing file.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    entries = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        # Encoding and content-type mismatches are warnings; an empty feed is still a feed.
        if problem is not None and not isinstance(problem, feedparser.ThingsNobodyCaresAboutButMe):
            raise FeedError(f"not a well-formed feed: {problem}")
        if not parsed.get("version"):
            raise FeedError("not an RSS or Atom feed")
    items = [_feed_item(entry) for entry in entries]
    return [item for item in items if item is not None]


def _feed_item(entry: Any) -> FeedItem | None:
    title_detail = entry.get("title_detail") or {}
    title = entry.get("title") or ""
    if "html" in (title_detail.get("type") or ""):
        title = _html_to_text(title)
    title = _one_line(title, TEXT_MAX)
    text = _entry_text(entry)
    if not title and not text:
        return None
    published = _from_struct(entry.get("published_parsed") or entry.get("updated_parsed"))
    key = _one_line(entry.get("id"), TEXT_MAX) or _one_line(entry.get("link"), TEXT_MAX)
    return FeedItem(
        key=key or _digest(title or text, published.isoformat() if published else ""),
        url=_entry_url(entry),
        title=title,
        text=text,
        published_at=published,
        author=_entry_author(entry),
    )


def _entry_url(entry: Any) -> str | None:
    # feedparser's `link` is the HTML alternate; a CAP feed's alternate is application/cap+xml.
    candidates = [entry.get("link")] + [
        link.get("href") for link in entry.get("links") or [] if link.get("rel", "alternate") == "alternate"
    ]
    return next((url for url in map(_http_url, candidates) if url), None)


def _entry_author(entry: Any) -> str | None:
    raw = entry.get("author") or ""
    match = _RSS_AUTHOR.match(raw)
    name = match.group("name") if match else (entry.get("author_detail") or {}).get("name") or raw
    return _one_line(name, TEXT_MAX) or None


def _entry_text(entry: Any) -> str:
    """The longest of the entry's summary and contents (``content:encoded`` often holds the whole article)."""
    candidates = [*(entry.get("content") or []), entry.get("summary_detail") or {}]
    best = ""
    for detail in candidates:
        value = detail.get("value") or ""
        text = _plain(_html_to_text(value) if "html" in (detail.get("type") or "") else value)
        if len(text) > len(best):
            best = text
    return best


def _from_struct(value: Any) -> datetime | None:
    # feedparser has already converted the source's offset (+0800 for WITA) to UTC.
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# --- CAP 1.2 ----------------------------------------------------------------------------------------------


def parse_cap(content: bytes) -> list[FeedItem]:
    """One item per Indonesian ``<info>`` of a CAP 1.2 alert (the first ``<info>`` when none is Indonesian).

    Alerts whose status is not ``Actual`` give no items: CAP tells every recipient to disregard tests, and
    exercises, system messages and drafts are not warnings to the public. Neither does an alert without
    ``<info>`` (a bare ``Cancel``).
    """
    root = _parse_xml(content)
    if root.tag != _CAP + "alert":
        raise FeedError(f"not a CAP 1.2 alert: the root element is {root.tag!r}")
    identifier, sender = _cap_text(root, "identifier"), _cap_text(root, "sender")
    status, msg_type = _cap_text(root, "status"), _cap_text(root, "msgType")
    if not (identifier and sender and status and msg_type):
        raise FeedError("not a CAP 1.2 alert: identifier, sender, status and msgType are required")
    if status != "Actual":
        return []
    infos = root.findall(_CAP + "info")
    indonesian = [index for index, info in enumerate(infos) if _is_indonesian(_cap_text(info, "language"))]
    chosen = indonesian or list(range(min(1, len(infos))))
    published = _from_iso(_cap_text(root, "sent"))
    items = []
    for index in chosen:
        info = infos[index]
        areas = info.findall(_CAP + "area")
        cap = CapInfo(
            identifier=identifier,
            sender=sender,
            msg_type=msg_type,
            urgency=_cap_text(info, "urgency") or "Unknown",
            severity=_cap_text(info, "severity") or "Unknown",
            certainty=_cap_text(info, "certainty") or "Unknown",
            event=_cap_text(info, "event"),
            area_desc=tuple(desc for area in areas if (desc := _cap_text(area, "areaDesc"))),
            geocodes=tuple(
                (_cap_text(code, "valueName"), _cap_text(code, "value"))
                for area in areas
                for code in area.findall(_CAP + "geocode")
            ),
            expires=_from_iso(_cap_text(info, "expires")),
        )
        body = "\n".join(filter(None, (_cap_text(info, "description"), _cap_text(info, "instruction"))))
        items.append(
            FeedItem(
                key=identifier if len(chosen) == 1 else f"{identifier}#{index}",
                url=_http_url(_cap_text(info, "web")),
                title=_one_line(_cap_text(info, "headline") or cap.event, TEXT_MAX),
                text=_plain(body),
                published_at=published,
                author=_one_line(_cap_text(info, "senderName") or sender, TEXT_MAX) or None,
                cap=cap,
            )
        )
    return items


def _refuse_declaration(*_: object) -> NoReturn:
    raise FeedError("refused: the document declares a DOCTYPE or an ENTITY, which a CAP alert never needs")


def _qualified(name: str) -> str:
    # expat joins namespace and local name with the separator; ElementTree spells it {namespace}name.
    return "{" + name if "}" in name else name


def _parse_xml(content: bytes) -> ET.Element:
    """Parse untrusted XML with expat, refusing any DOCTYPE or ENTITY declaration.

    The refusal happens as the declaration starts, before any entity is defined, so neither external
    entities (XXE) nor nested ones (billion laughs) can be expanded. Equivalent to defusedxml with
    ``forbid_dtd=True``, without the dependency.
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    parser.StartElementHandler = lambda name, attrs: builder.start(
        _qualified(name), {_qualified(key): value for key, value in attrs.items()}
    )
    parser.EndElementHandler = lambda name: builder.end(_qualified(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(content, True)
    except expat.ExpatError as error:
        raise FeedError(f"not well-formed XML: {error}") from None
    return builder.close()


def _cap_text(element: ET.Element, name: str) -> str:
    return (element.findtext(_CAP + name) or "").strip()


def _is_indonesian(language: str) -> bool:
    # CAP's default language is en-US; BMKG writes id-ID (or id).
    return language.lower() == "id" or language.lower().startswith("id-")


def _from_iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


# --- mention payload --------------------------------------------------------------------------------------


def to_mention(
    item: FeedItem,
    *,
    source_name: str,
    source_type: str,
    region_hints: Sequence[str] = (),
    matched_terms: Sequence[str] = (),
    key_prefix: str = "",
) -> dict[str, Any]:
    """A payload for the intake API (``MentionCreate``).

    ``published_at`` is None when the feed gave no date; the caller decides what to use. ``region_hints``
    must be known Kemendagri codes; a CAP alert adds those of its ``KEMENDAGRI`` geocodes. ``key_prefix``
    (e.g. the source's id) keeps keys of different feeds apart; prefix and key that would not fit
    ``external_id`` become the prefix and a digest of the key, never a truncation that could collide.
    """
    known = region_codes()
    unknown = sorted(set(region_hints) - known)
    if unknown:
        raise ValueError(f"unknown region codes: {', '.join(unknown)}")
    regions = set(region_hints)
    text = item.text
    if item.cap is not None:
        regions.update(value for name, value in item.cap.geocodes if name == GEOCODE_NAME and value in known)
        text = _clip("\n".join(filter(None, (_cap_statement(item, item.cap), item.text))), TEXT_MAX)
    if len(key_prefix) > EXTERNAL_ID_MAX - len(_digest("")) or not key_prefix.isprintable():
        raise ValueError("key_prefix must be printable and leave room for a digest in external_id")
    key = key_prefix + item.key.strip()
    if len(key) > EXTERNAL_ID_MAX or not key.isprintable() or key == key_prefix:
        key = key_prefix + _digest(item.key.strip())
    terms = [_one_line(term, TERM_MAX) for term in matched_terms]
    return {
        "source_type": source_type,
        "source_name": _one_line(source_name, NAME_MAX) or None,
        "url": item.url if item.url and len(item.url) <= URL_MAX else None,
        "external_id": key,
        "title": _one_line(item.title, TITLE_MAX) or None,
        "text": text or None,
        "author": _one_line(item.author, NAME_MAX) or None,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "region_codes": sorted(regions),
        "watchlist_terms": list(dict.fromkeys(term for term in terms if term))[:TERMS_MAX],
        # The issuing agency's own assessment: the classifier does not rate an official warning below it.
        "official_alert": None
        if item.cap is None or not _in_cap_vocabulary(item.cap)
        else {
            "urgency": item.cap.urgency,
            "severity": item.cap.severity,
            "certainty": item.cap.certainty,
            "event": _one_line(item.cap.event, 200),
            "sender": _one_line(item.author or item.cap.sender, 200),
        },
    }


def _in_cap_vocabulary(cap: CapInfo) -> bool:
    # An alert outside the CAP 1.2 vocabulary (e.g. CAP 1.0's "Very Likely") is still news, just not an
    # assessment Sigap can rely on.
    return cap.urgency in URGENCIES and cap.severity in SEVERITIES and cap.certainty in CERTAINTIES


def _cap_statement(item: FeedItem, cap: CapInfo) -> str:
    """The official warning in words, first in the text so the classifier weighs it."""
    lines = [
        f"{_MSG_TYPE_ID.get(cap.msg_type, 'Peringatan')} resmi dari {item.author or cap.sender}: "
        f"{cap.event or item.title}.",
        f"Tingkat keparahan: {cap.severity} ({_SEVERITY_ID.get(cap.severity, cap.severity)}). "
        f"Urgensi: {cap.urgency} ({_URGENCY_ID.get(cap.urgency, cap.urgency)}). "
        f"Kepastian: {cap.certainty} ({_CERTAINTY_ID.get(cap.certainty, cap.certainty)}).",
    ]
    if cap.area_desc:
        lines.append(f"Wilayah: {'; '.join(cap.area_desc)}.")
    if cap.expires is not None:
        lines.append(f"Berlaku hingga {cap.expires.astimezone(WITA):%d-%m-%Y %H.%M} WITA.")
    return "\n".join(lines)
