"""The SLA clock: working time in WITA office hours, skipping weekends, libur nasional and cuti bersama.

Pure code: no web framework, no database. The holiday list is data (``app/plans/data/holidays.json``)
because the government sets it each year by decree and amends it during the year; operators replace the
file, not code.

Every instant going in must carry its UTC offset and every instant coming out is UTC. Working hours are read
on the WITA wall clock (UTC+8, no daylight saving), so a working day is a fixed length of real time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from app.clock import WITA
from app.datafiles import load_json

HOLIDAY_KINDS = frozenset({"libur_nasional", "cuti_bersama"})
YEAR_STATUSES = frozenset({"final", "provisional"})
_TIMEZONE = "Asia/Makassar"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Holiday:
    date: date
    kind: str
    name_id: str
    name_en: str


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours plus the days off of the years it covers.

    A day in a year the calendar does not cover is a working day unless it falls on a weekend: better a
    deadline that is a little early than one that silently runs over a holiday nobody entered. Callers use
    ``covers()`` to warn about it.
    """

    holidays: Mapping[date, Holiday]
    day_start: time
    day_end: time
    weekdays: frozenset[int]
    years: frozenset[int]

    def __post_init__(self) -> None:
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("working hours are WITA wall-clock times and must not carry a timezone")
        if self.day_start >= self.day_end:
            raise ValueError(f"working hours must start before they end, got {self.day_start}-{self.day_end}")
        # Without a single working weekday the clock would search for an opening forever.
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(
                f"weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday), got {self.weekdays}"
            )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WorkingCalendar:
        """Build a calendar from the ``holidays.json`` shape; a ValueError names the offending entry."""
        if not isinstance(data, Mapping):
            raise ValueError("the holiday calendar must be a JSON object")
        timezone = data.get("timezone", _TIMEZONE)
        if timezone != _TIMEZONE:
            raise ValueError(f"timezone: only {_TIMEZONE} (WITA) is supported, got {timezone!r}")

        hours = _mapping(data.get("working_hours"), "working_hours")
        day_start = _parse_time(hours.get("start"), "working_hours.start")
        day_end = _parse_time(hours.get("end"), "working_hours.end")
        weekdays = _parse_weekdays(hours.get("weekdays"))
        if day_start >= day_end:
            raise ValueError(f"working_hours: start {day_start:%H:%M} must be before end {day_end:%H:%M}")

        holidays: dict[date, Holiday] = {}
        years: set[int] = set()
        for key, entry in _mapping(data.get("years"), "years").items():
            year = _parse_year(key)
            years.add(year)
            where = f"years.{key}"
            entry = _mapping(entry, where)
            status = entry.get("status", "final")
            if status not in YEAR_STATUSES:
                raise ValueError(f"{where}.status: expected one of {sorted(YEAR_STATUSES)}, got {status!r}")
            days = entry.get("days")
            if not isinstance(days, list):
                raise ValueError(f"{where}.days: expected a list of days")
            for index, raw in enumerate(days):
                holiday = _parse_holiday(raw, f"{where}.days[{index}]", year)
                if holiday.date in holidays:
                    raise ValueError(f"{where}.days[{index}]: {holiday.date} is listed twice")
                holidays[holiday.date] = holiday
        return cls(
            holidays=holidays,
            day_start=day_start,
            day_end=day_end,
            weekdays=weekdays,
            years=frozenset(years),
        )

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def holiday(self, day: date) -> Holiday | None:
        return self.holidays.get(day)

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.day_end) - datetime.combine(date.min, self.day_start)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which ``amount`` of working time has passed since ``start``.

        A start outside working time (evening, weekend, holiday) counts from the next opening, so adding zero
        rolls the start forward to the next working instant; a start exactly at closing time stays there. A
        result that lands exactly at closing time stays at that closing time.
        """
        if amount < timedelta(0):
            raise ValueError(f"cannot add negative working time ({amount})")
        day, cursor = self._first_working_instant(_wita(start, "start"))
        remaining = amount
        while True:
            left_today = self._closing(day) - cursor
            if remaining <= left_today:
                return (cursor + remaining).astimezone(UTC)
            remaining -= left_today
            day = self._next_working_day(day)
            cursor = self._opening(day)

    def add_working_days(self, start: datetime, days: int | float) -> datetime:
        """One working day is one ``day_length`` of working time: Thursday 15:00 + 1 is Friday 15:00."""
        return self.add_working_time(start, self.day_length * days)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from ``start`` to ``end``; zero when ``end`` is not after ``start``."""
        start_wita = _wita(start, "start")
        end_wita = _wita(end, "end")
        total = timedelta(0)
        if end_wita <= start_wita:
            return total
        day = start_wita.date()
        while day <= end_wita.date():
            if self.is_working_day(day):
                begin = max(start_wita, self._opening(day))
                finish = min(end_wita, self._closing(day))
                if finish > begin:
                    total += finish - begin
            day += _ONE_DAY
        return total

    def _first_working_instant(self, moment: datetime) -> tuple[date, datetime]:
        day = moment.date()
        if self.is_working_day(day):
            if moment < self._opening(day):
                return day, self._opening(day)
            if moment <= self._closing(day):
                return day, moment
        day = self._next_working_day(day)
        return day, self._opening(day)

    def _next_working_day(self, day: date) -> date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _opening(self, day: date) -> datetime:
        return _wita_at(day, self.day_start)

    def _closing(self, day: date) -> datetime:
        return _wita_at(day, self.day_end)


def load_calendar(path: str | Path | None = None) -> WorkingCalendar:
    """The packaged calendar, or the JSON file at ``path`` (an operator's updated copy)."""
    if path is None:
        return _packaged_calendar()
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file}: not valid JSON ({exc})") from exc
    try:
        return WorkingCalendar.from_data(data)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from exc


@cache
def _packaged_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_data(load_json("app.plans", "holidays.json"))


def add_clock_time(start: datetime, amount: timedelta) -> datetime:
    """Plain elapsed time, for crisis SLAs that run around the clock."""
    return _wita(start, "start").astimezone(UTC) + amount


def _wita(moment: datetime, name: str) -> datetime:
    # A wall-clock time alone is ambiguous in a country with three time zones (WIB, WITA, WIT).
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a UTC offset, got the naive datetime {moment.isoformat()}")
    return moment.astimezone(WITA)


def _wita_at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WITA)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object")
    return value


def _parse_time(value: Any, where: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a time like '08:00', got {value!r}") from None
    if parsed.tzinfo is not None:
        raise ValueError(f"{where}: give a WITA wall-clock time without an offset, got {value!r}")
    return parsed


def _parse_weekdays(value: Any) -> frozenset[int]:
    where = "working_hours.weekdays"
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: expected a non-empty list of 0 (Monday) .. 6 (Sunday)")
    for item in value:
        # bool is an int in Python; `true` in the JSON is a mistake, not Tuesday.
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 6:
            raise ValueError(f"{where}: {item!r} is not a weekday number 0 (Monday) .. 6 (Sunday)")
    return frozenset(value)


def _parse_year(key: Any) -> int:
    if not isinstance(key, str) or not key.isdigit() or len(key) != 4:
        raise ValueError(f"years: {key!r} is not a four-digit year")
    return int(key)


def _parse_holiday(raw: Any, where: str, year: int) -> Holiday:
    entry = _mapping(raw, where)
    value = entry.get("date")
    problem = ValueError(f"{where}.date: expected a date like '{year}-01-01', got {value!r}")
    if not isinstance(value, str):
        raise problem
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise problem from None
    if day.year != year:
        raise ValueError(f"{where}.date: {day} is listed under the year {year}")
    kind = entry.get("kind")
    if kind not in HOLIDAY_KINDS:
        raise ValueError(f"{where}.kind: expected one of {sorted(HOLIDAY_KINDS)}, got {kind!r}")
    names: dict[str, str] = {}
    for field in ("name_id", "name_en"):
        name = entry.get(field)
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.{field}: expected a non-empty name")
        names[field] = name.strip()
    return Holiday(date=day, kind=kind, name_id=names["name_id"], name_en=names["name_en"])
