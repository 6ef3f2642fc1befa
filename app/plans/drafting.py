"""Draft public statements in Bahasa Indonesia from the reviewed ``data/statement_templates.json``.

A draft is where an officer starts, not what is published: it says only what the facts given here support, in
the single government voice (*narasi tunggal*), and the officer edits it before leadership approves it.
Pure: no web framework, no database.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from app.clock import to_wita
from app.datafiles import load_json


class StatementKind(StrEnum):
    holding_statement = "holding_statement"
    press_release = "press_release"
    clarification = "clarification"
    apology = "apology"
    instruction = "instruction"


@dataclass(frozen=True, slots=True)
class StatementFacts:
    issue_title: str
    topic: str
    topic_name: str
    level: str
    level_name: str
    region_names: tuple[str, ...]
    agency_names: tuple[str, ...]
    as_of: datetime
    hoax_evidence: tuple[str, ...] = ()
    summary: str = ""
    contact: str = "Call Center 112"


DEFAULT_REGION = "Kalimantan Timur"
DEFAULT_AGENCIES = "perangkat daerah terkait"
DEFAULT_CONTACT = "Call Center 112"
EMERGENCY_NUMBER = "112"
LEVELS = ("normal", "waspada", "siaga", "awas")

PLACEHOLDERS = frozenset(
    {
        "issue_title",
        "topic_name",
        "level_name",
        "regions",
        "agencies",
        "as_of",
        "as_of_date",
        "evidence",
        "contact",
        "emergency_contact",
        "summary_sentence",
        "next_update",
        "report_due",
    }
)
# Every statement names what it is about, where, as of when, and where people get official information.
REQUIRED_PLACEHOLDERS = frozenset({"issue_title", "regions", "as_of"})
CONTACT_PLACEHOLDERS = frozenset({"contact", "emergency_contact"})
# Evidence exists only for a clarification, and a clarification without it is just a denial.
CLARIFICATION_ONLY = frozenset({"evidence"})

_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_TOPIC_KEY = re.compile(r"[a-z][a-z_]*")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”\u2019)]*$")
_FORMATTER = string.Formatter()

# A paragraph, or a numbered list of steps.
Block = str | tuple[str, ...]
Template = tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class KindTemplates:
    default: Template
    topics: Mapping[str, Template]

    def for_topic(self, topic: str) -> Template:
        return self.topics.get(topic, self.default)


@dataclass(frozen=True, slots=True)
class StatementTemplates:
    kinds: Mapping[StatementKind, KindTemplates]
    next_update_hours: Mapping[str, int]
    report_due_days: int


class TemplateError(ValueError):
    """The template data is malformed; raised when it is loaded, never halfway through a draft."""


# --- Indonesian formatting ---


def format_wita_date(moment: datetime) -> str:
    """``Sabtu, 28 November 2026``: the WITA calendar day (a naive value is taken as UTC)."""
    local = to_wita(moment)
    return f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} {local.year}"


def format_wita(moment: datetime) -> str:
    """``Sabtu, 28 November 2026 pukul 14.30 WITA``: Indonesian style writes the 24-hour clock with a dot."""
    local = to_wita(moment)
    return f"{format_wita_date(local)} pukul {local:%H.%M} WITA"


def join_id(items: Sequence[str]) -> str:
    """Indonesian list: ``A``, ``A dan B``, ``A, B, dan C`` (the serial comma, as PUEBI writes it)."""
    if len(items) <= 2:
        return " dan ".join(items)
    return f"{', '.join(items[:-1])}, dan {items[-1]}"


# --- Template validation ---


def _placeholders(text: str, where: str, problems: list[str]) -> set[str]:
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:  # an unmatched brace
        problems.append(f"{where}: {exc}")
        return set()
    names: set[str] = set()
    for literal, name, spec, conversion in parsed:
        if "{" in literal or "}" in literal:
            problems.append(f"{where}: a literal brace would read as an unfilled placeholder")
        if name is None:
            continue
        if not name.isidentifier():
            # positional, attribute and index fields ("{}", "{0}", "{issue_title.x}") are refused
            problems.append(f"{where}: placeholder {{{name}}} must be a plain name such as {{issue_title}}")
        elif name not in PLACEHOLDERS:
            problems.append(
                f"{where}: unknown placeholder {{{name}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
            )
        if spec or conversion:
            problems.append(f"{where}: placeholder {{{name}}} must not carry a conversion or format spec")
        names.add(name)
    return names


def _template(raw: object, kind: StatementKind, where: str, problems: list[str]) -> Template:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: a template is a non-empty list of paragraphs and step lists")
        return ()
    blocks: list[Block] = []
    used: set[str] = set()
    for index, block in enumerate(raw):
        here = f"{where}[{index}]"
        if isinstance(block, str):
            used |= _placeholders(block, here, problems)
            blocks.append(block)
        elif isinstance(block, list) and block and all(isinstance(step, str) for step in block):
            for number, step in enumerate(block):
                used |= _placeholders(step, f"{here}[{number}]", problems)
            blocks.append(tuple(block))
        else:
            problems.append(f"{here}: a block is a paragraph (string) or a non-empty list of steps (strings)")
    if missing := REQUIRED_PLACEHOLDERS - used:
        problems.append(f"{where}: must use {', '.join('{' + name + '}' for name in sorted(missing))}")
    if not CONTACT_PLACEHOLDERS & used:
        problems.append(f"{where}: must tell where to get information: {{contact}} or {{emergency_contact}}")
    if kind is StatementKind.clarification:
        if missing_evidence := CLARIFICATION_ONLY - used:
            problems.append(f"{where}: a clarification must cite {{{min(missing_evidence)}}}")
    elif misplaced := CLARIFICATION_ONLY & used:
        problems.append(f"{where}: {{{min(misplaced)}}} is only filled in a clarification")
    return tuple(blocks)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def validate_templates(data: Any) -> StatementTemplates:
    """Check the whole template file and build it; raise ``TemplateError`` listing every problem found."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise TemplateError("statement templates: the file must hold a JSON object")

    settings = data.get("settings")
    hours: dict[str, int] = {}
    due_days = 0
    if not isinstance(settings, dict):
        problems.append("settings: missing")
    else:
        raw_hours = settings.get("next_update_hours")
        if not isinstance(raw_hours, dict) or set(raw_hours) != set(LEVELS):
            problems.append(f"settings.next_update_hours: needs exactly the levels {', '.join(LEVELS)}")
        elif not all(_positive_int(value) for value in raw_hours.values()):
            problems.append(
                "settings.next_update_hours: every value must be a positive whole number of hours"
            )
        else:
            hours = dict(raw_hours)
        due_days = settings.get("report_due_days", 0)
        if not _positive_int(due_days):
            problems.append("settings.report_due_days: must be a positive whole number of days")

    kinds: dict[StatementKind, KindTemplates] = {}
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, dict):
        raise TemplateError("\n".join([*problems, "kinds: missing"]))
    for name in raw_kinds.keys() - set(StatementKind):
        problems.append(f"kinds.{name}: unknown statement kind; known: {', '.join(StatementKind)}")
    for kind in StatementKind:
        raw = raw_kinds.get(kind.value)
        where = f"kinds.{kind.value}"
        if not isinstance(raw, dict) or "default" not in raw:
            problems.append(f"{where}: needs a 'default' template")
            continue
        default = _template(raw["default"], kind, f"{where}.default", problems)
        topics: dict[str, Template] = {}
        raw_topics = raw.get("topics", {})
        if not isinstance(raw_topics, dict):
            problems.append(f"{where}.topics: must map topic labels to templates")
            raw_topics = {}
        for topic, template in raw_topics.items():
            if not _TOPIC_KEY.fullmatch(topic):
                problems.append(f"{where}.topics.{topic}: a topic label is lowercase, e.g. 'bencana'")
            topics[topic] = _template(template, kind, f"{where}.topics.{topic}", problems)
        kinds[kind] = KindTemplates(default=default, topics=topics)

    if problems:
        raise TemplateError("statement templates:\n" + "\n".join(problems))
    return StatementTemplates(kinds=kinds, next_update_hours=hours, report_due_days=due_days)


@cache
def statement_templates() -> StatementTemplates:
    return validate_templates(load_json("app.plans", "statement_templates.json"))


# --- Drafting ---


def _clean(items: Sequence[str]) -> list[str]:
    """Strip, drop blanks and repeats, keep the order the officer gave."""
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def _summary_sentence(summary: str) -> str:
    text = " ".join(summary.split())
    if text and not _ENDS_SENTENCE.search(text):
        text += "."
    return text


def _emergency_contact(contact: str) -> str:
    # Safety guidance must always give the national emergency number, once.
    if re.search(rf"\b{EMERGENCY_NUMBER}\b", contact):
        return contact
    return f"{contact} atau layanan darurat {EMERGENCY_NUMBER}"


def _next_update(as_of: datetime, hours: int) -> datetime:
    # A promise on the full hour is easier to read and to keep than "pukul 17.37".
    due = to_wita(as_of) + timedelta(hours=hours)
    if due.minute or due.second or due.microsecond:
        due = due.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return due


def _statement_kind(kind: StatementKind | str) -> StatementKind:
    try:
        return StatementKind(kind)
    except ValueError:
        known = ", ".join(StatementKind)
        raise ValueError(f"unknown statement kind {kind!r}; known: {known}") from None


def _render(template: Template, values: Mapping[str, str]) -> str:
    paragraphs: list[str] = []
    for block in template:
        if isinstance(block, str):
            text = block.format_map(values).strip()
        else:
            text = "\n".join(
                f"{number}. {step.format_map(values).strip()}" for number, step in enumerate(block, 1)
            )
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def draft_statement(kind: StatementKind | str, facts: StatementFacts) -> str:
    """Fill the template for ``kind`` (the variant for ``facts.topic`` when there is one) with the facts."""
    statement_kind = _statement_kind(kind)
    title = " ".join(facts.issue_title.split())
    if not title:
        raise ValueError("a statement needs the issue title")
    evidence = _clean(facts.hoax_evidence)
    if statement_kind is StatementKind.clarification and not evidence:
        raise ValueError("a clarification must cite at least one evidence link (hoax_evidence)")
    templates = statement_templates()
    level = facts.level.strip().lower()
    if level not in templates.next_update_hours:
        raise ValueError(f"unknown level {facts.level!r}; known: {', '.join(LEVELS)}")

    contact = facts.contact.strip() or DEFAULT_CONTACT
    values = {
        "issue_title": title,
        "topic_name": facts.topic_name.strip(),
        "level_name": facts.level_name.strip() or level.capitalize(),
        "regions": join_id(_clean(facts.region_names)) or DEFAULT_REGION,
        "agencies": join_id(_clean(facts.agency_names)) or DEFAULT_AGENCIES,
        "as_of": format_wita(facts.as_of),
        "as_of_date": format_wita_date(facts.as_of),
        "evidence": "\n".join(f"{number}. {link}" for number, link in enumerate(evidence, 1)),
        "contact": contact,
        "emergency_contact": _emergency_contact(contact),
        "summary_sentence": _summary_sentence(facts.summary),
        "next_update": format_wita(_next_update(facts.as_of, templates.next_update_hours[level])),
        "report_due": format_wita_date(to_wita(facts.as_of) + timedelta(days=templates.report_due_days)),
    }
    template = templates.kinds[statement_kind].for_topic(facts.topic)
    return _render(template, values)
