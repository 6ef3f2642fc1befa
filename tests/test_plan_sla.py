"""SLA deadlines per crisis level: spans, policies with a deployment's overrides, and deadlines in WITA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.classification.taxonomy import Level
from app.clock import WITA
from app.config import Environment, Settings
from app.plans import sla
from app.plans.calendar import load_calendar
from app.plans.sla import DEFAULT_POLICIES, Deadline, SlaPolicy, Span

CAL = load_calendar()
SUNDAY_NIGHT = datetime(2026, 5, 17, 2, 0, tzinfo=WITA)
ASCENSION_DAY_EVENING = datetime(2026, 5, 14, 22, 30, tzinfo=WITA)  # Kenaikan Yesus Kristus, Thursday
WEDNESDAY_AFTERNOON = datetime(2026, 5, 13, 14, 0, tzinfo=WITA)


def wita(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WITA)


# --- spans ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "working"),
    [
        ("30m", 30.0, "m", False),
        ("3h", 3.0, "h", False),
        ("2d", 2.0, "d", False),
        ("1wd", 1.0, "wd", True),
        ("1.5h", 1.5, "h", False),
        (" 10wd ", 10.0, "wd", True),
    ],
)
def test_span_parses(text: str, amount: float, unit: str, working: bool) -> None:
    span = Span.parse(text)
    assert span == Span(amount, unit)
    assert span.working_time is working


@pytest.mark.parametrize("text", ["", "0h", "3x", "h", "-1h", "0.0wd", "3 jam", "1h30m", "wd1"])
def test_span_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="is not a span"):
        Span.parse(text)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("30m", "30m"),
        ("3h", "3h"),
        ("2d", "2d"),
        ("1wd", "1wd"),
        ("1.5h", "1.5h"),
        (" 5wd", "5wd"),
        ("2.0d", "2d"),
    ],
)
def test_span_prints_the_way_it_is_written(text: str, written: str) -> None:
    span = Span.parse(text)
    assert str(span) == written
    assert Span.parse(str(span)) == span


def test_clock_span_adds_elapsed_time_and_answers_in_utc() -> None:
    due = Span.parse("1.5h").after(SUNDAY_NIGHT, CAL)
    assert due == wita(5, 17, 3, 30)
    assert due.tzinfo is UTC


# --- policies -------------------------------------------------------------------------------------------


def test_no_overrides_are_the_defaults() -> None:
    assert sla.policies(None) == DEFAULT_POLICIES
    assert sla.policies({}) == DEFAULT_POLICIES


def test_default_policies_cover_every_level() -> None:
    assert set(DEFAULT_POLICIES) == set(Level)
    assert DEFAULT_POLICIES[Level.awas] == SlaPolicy(
        first_response=Span(1, "h"),
        plan_approval=Span(3, "h"),
        follow_up=Span(24, "h"),
        correction=Span(5, "wd"),
    )
    assert DEFAULT_POLICIES[Level.normal].first_response is None
    assert DEFAULT_POLICIES[Level.normal].plan_approval is None


def test_an_override_changes_one_span_and_keeps_the_rest() -> None:
    table = sla.policies({"awas": {"first_response": "30m"}})
    awas = table[Level.awas]
    assert awas.first_response == Span(30, "m")
    assert awas.plan_approval == DEFAULT_POLICIES[Level.awas].plan_approval
    assert awas.follow_up == DEFAULT_POLICIES[Level.awas].follow_up
    assert awas.correction == DEFAULT_POLICIES[Level.awas].correction
    for level in (Level.siaga, Level.waspada, Level.normal):
        assert table[level] == DEFAULT_POLICIES[level]
    # The shared defaults are untouched.
    assert DEFAULT_POLICIES[Level.awas].first_response == Span(1, "h")
    assert sla.policies(None)[Level.awas].first_response == Span(1, "h")


def test_an_override_can_switch_off_an_optional_deadline() -> None:
    table = sla.policies({"siaga": {"plan_approval": None}})
    assert table[Level.siaga].plan_approval is None
    assert table[Level.siaga].span(Deadline.plan_approval) == DEFAULT_POLICIES[Level.siaga].follow_up


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"darurat": {"first_response": "1h"}}, "unknown level"),
        ({"awas": {"first_reply": "1h"}}, "unknown SLA deadline"),
        ({"awas": {"first_response": "satu jam"}}, "is not a span"),
        ({"siaga": {"plan_approval": "12"}}, "is not a span"),
        ({"awas": {"follow_up": None}}, "cannot be switched off"),
        ({"normal": {"correction": None}}, "cannot be switched off"),
    ],
)
def test_bad_overrides_are_refused(overrides: dict[str, dict[str, str | None]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sla.policies(overrides)


def test_an_empty_span_cannot_switch_off_follow_up() -> None:
    with pytest.raises(ValueError, match="cannot be switched off"):
        sla.policies({"awas": {"follow_up": ""}})


# --- deadlines ------------------------------------------------------------------------------------------


def test_awas_runs_on_the_clock_on_a_sunday_night() -> None:
    assert SUNDAY_NIGHT.weekday() == 6
    first, approval = sla.plan_deadlines(Level.awas, SUNDAY_NIGHT, CAL)
    assert first == wita(5, 17, 3)
    assert approval == wita(5, 17, 5)
    assert sla.due(Level.awas, Deadline.first_response, SUNDAY_NIGHT, CAL) == wita(5, 17, 3)
    assert sla.due(Level.awas, Deadline.follow_up, SUNDAY_NIGHT, CAL) == wita(5, 18, 2)


def test_awas_runs_on_the_clock_on_a_public_holiday() -> None:
    holiday = CAL.holiday(ASCENSION_DAY_EVENING.date())
    assert holiday is not None
    assert holiday.name_id == "Kenaikan Yesus Kristus"
    first, approval = sla.plan_deadlines(Level.awas, ASCENSION_DAY_EVENING, CAL)
    assert first == wita(5, 14, 23, 30)
    assert approval == wita(5, 15, 1, 30)


def test_siaga_first_response_is_three_clock_hours() -> None:
    saturday = wita(5, 16, 21)
    assert sla.due(Level.siaga, Deadline.first_response, saturday, CAL) == wita(5, 17, 0)


def test_waspada_first_response_skips_ascension_day_and_cuti_bersama() -> None:
    assert CAL.holiday(wita(5, 14, 0).date()) is not None
    friday = CAL.holiday(wita(5, 15, 0).date())
    assert friday is not None
    assert friday.kind == "cuti_bersama"
    first, approval = sla.plan_deadlines(Level.waspada, WEDNESDAY_AFTERNOON, CAL)
    assert first == wita(5, 18, 14)  # Monday
    assert approval == wita(5, 18, 14)
    assert first != WEDNESDAY_AFTERNOON + timedelta(days=1)


def test_awas_correction_is_five_working_days_around_the_holidays() -> None:
    due = sla.due(Level.awas, Deadline.correction, WEDNESDAY_AFTERNOON, CAL)
    assert due == wita(5, 22, 14)  # Friday
    # Counting Thursday's holiday and Friday's cuti bersama as working days would give Wednesday the 20th.
    assert due != wita(5, 20, 14)


def test_normal_sets_no_first_response_or_approval_deadline() -> None:
    assert sla.plan_deadlines(Level.normal, WEDNESDAY_AFTERNOON, CAL) == (None, None)
    normal = DEFAULT_POLICIES[Level.normal]
    assert normal.span(Deadline.first_response) == normal.follow_up == Span(5, "wd")
    assert normal.span(Deadline.plan_approval) == normal.follow_up
    # A template task due at first response falls back to the follow-up: 5 working days after the holidays.
    assert sla.due(Level.normal, Deadline.first_response, WEDNESDAY_AFTERNOON, CAL) == wita(5, 22, 14)


def test_deadlines_follow_an_overridden_table() -> None:
    table = sla.policies({"awas": {"first_response": "30m"}, "normal": {"first_response": "2wd"}})
    first, approval = sla.plan_deadlines(Level.awas, SUNDAY_NIGHT, CAL, table)
    assert first == wita(5, 17, 2, 30)
    assert approval == wita(5, 17, 5)
    first, approval = sla.plan_deadlines(Level.normal, WEDNESDAY_AFTERNOON, CAL, table)
    assert first == wita(5, 19, 14)
    assert approval is None


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        sla.plan_deadlines(Level.awas, datetime(2026, 5, 17, 2, 0), CAL)


# --- settings -------------------------------------------------------------------------------------------


def test_settings_refuse_a_malformed_sla_span() -> None:
    with pytest.raises(ValidationError, match="is not a span"):
        Settings(env=Environment.test, sla={"awas": {"first_response": "2x"}})


def test_settings_refuse_an_unknown_sla_level() -> None:
    with pytest.raises(ValidationError, match="unknown level"):
        Settings(env=Environment.test, sla={"bahaya": {"first_response": "1h"}})


def test_settings_accept_a_valid_sla_override() -> None:
    settings = Settings(env=Environment.test, sla={"awas": {"first_response": "30m"}})
    assert settings.sla == {"awas": {"first_response": "30m"}}
    assert sla.policies(settings.sla)[Level.awas].first_response == Span(30, "m")
