"""The SLA clock: working time over WITA office hours and the Indonesian holiday calendar."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.clock import WITA
from app.datafiles import load_json
from app.plans.calendar import Holiday, WorkingCalendar, add_clock_time, load_calendar

CAL = load_calendar()
HOUR = timedelta(hours=1)


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


def minimal_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "timezone": "Asia/Makassar",
        "working_hours": {"start": "08:00", "end": "16:00", "weekdays": [0, 1, 2, 3, 4]},
        "years": {
            "2030": {
                "status": "final",
                "source": "test",
                "days": [
                    {"date": "2030-01-01", "kind": "libur_nasional", "name_id": "Tahun Baru", "name_en": "NY"}
                ],
            }
        },
    }
    data.update(overrides)
    return data


# --- the cases the customer asked about ---------------------------------------------------------------


def test_lebaran_2025_one_working_day_from_thursday_lands_after_the_whole_break() -> None:
    # Mar 28 cuti bersama Nyepi, Mar 29 Nyepi, Mar 31 - Apr 1 Idul Fitri, Apr 2-4 and Apr 7 cuti bersama.
    due = CAL.add_working_days(wita(2025, 3, 27, 15), 1)
    assert due == wita(2025, 4, 8, 15)
    assert due.tzinfo is UTC


def test_friday_afternoon_before_the_waisak_long_weekend() -> None:
    # May 12 Waisak, May 13 cuti bersama Waisak.
    assert CAL.add_working_days(wita(2025, 5, 9, 14), 1) == wita(2025, 5, 14, 14)


def test_friday_evening_before_the_waisak_long_weekend_counts_from_the_next_opening() -> None:
    assert CAL.add_working_days(wita(2025, 5, 9, 18, 30), 1) == wita(2025, 5, 14, 16)


# --- ordinary weeks -----------------------------------------------------------------------------------


def test_ordinary_week() -> None:
    assert CAL.add_working_days(wita(2025, 7, 10, 15), 1) == wita(2025, 7, 11, 15)  # Thu -> Fri
    assert CAL.add_working_time(wita(2025, 7, 8, 9), 3 * HOUR) == wita(2025, 7, 8, 12)
    assert CAL.add_working_days(wita(2025, 7, 7, 10), 3) == wita(2025, 7, 10, 10)


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    assert CAL.add_working_days(wita(2025, 7, 11, 15), 1) == wita(2025, 7, 14, 15)
    assert CAL.add_working_days(wita(2025, 7, 11, 19), 1) == wita(2025, 7, 14, 16)


def test_weekend_start_counts_from_monday_opening() -> None:
    assert CAL.add_working_time(wita(2025, 7, 12, 11), 2 * HOUR) == wita(2025, 7, 14, 10)


def test_start_before_opening_counts_from_opening() -> None:
    assert CAL.add_working_time(wita(2025, 7, 8, 6, 30), HOUR) == wita(2025, 7, 8, 9)


def test_result_exactly_at_day_end_stays_at_day_end() -> None:
    assert CAL.add_working_time(wita(2025, 7, 8, 8), 8 * HOUR) == wita(2025, 7, 8, 16)
    assert CAL.add_working_time(wita(2025, 7, 8, 10), 6 * HOUR) == wita(2025, 7, 8, 16)
    assert CAL.add_working_days(wita(2025, 7, 8, 8), 1) == wita(2025, 7, 8, 16)


def test_adding_zero_rolls_forward_to_the_next_working_instant() -> None:
    assert CAL.add_working_time(wita(2025, 7, 8, 10), timedelta(0)) == wita(2025, 7, 8, 10)
    assert CAL.add_working_time(wita(2025, 7, 8, 16), timedelta(0)) == wita(2025, 7, 8, 16)
    assert CAL.add_working_time(wita(2025, 7, 8, 17), timedelta(0)) == wita(2025, 7, 9, 8)
    assert CAL.add_working_time(wita(2025, 5, 12, 10), timedelta(0)) == wita(2025, 5, 14, 8)  # Waisak


def test_fractional_working_days() -> None:
    assert CAL.add_working_days(wita(2025, 7, 8, 8), 0.5) == wita(2025, 7, 8, 12)
    assert CAL.add_working_days(wita(2025, 7, 8, 14), 1.5) == wita(2025, 7, 10, 10)


def test_ten_working_days_over_the_lebaran_break() -> None:
    # The rest of Thu 2025-03-27, then Apr 8-11, 14-17, 21 (Apr 18 is Wafat Yesus Kristus) and Apr 22.
    assert CAL.add_working_days(wita(2025, 3, 27, 10), 10) == wita(2025, 4, 22, 10)


def test_input_in_another_offset_is_read_on_the_wita_clock_and_returned_in_utc() -> None:
    start = datetime(2025, 7, 8, 1, 0, tzinfo=UTC)  # 09:00 WITA
    due = CAL.add_working_time(start, HOUR)
    assert due == datetime(2025, 7, 8, 2, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_working_time_between_round_trips_add_working_time() -> None:
    starts = [wita(2025, 3, 27, 15), wita(2025, 5, 9, 18, 30), wita(2025, 12, 24, 7), wita(2026, 3, 17, 12)]
    amounts = [timedelta(0), timedelta(minutes=1), 8 * HOUR, 21 * HOUR, 80 * HOUR]
    for start in starts:
        for amount in amounts:
            due = CAL.add_working_time(start, amount)
            assert CAL.working_time_between(start, due) == amount, (start, amount)


def test_working_time_between_skips_nights_weekends_and_holidays() -> None:
    assert CAL.working_time_between(wita(2025, 7, 11, 15), wita(2025, 7, 14, 9)) == 2 * HOUR
    assert CAL.working_time_between(wita(2025, 5, 9, 18), wita(2025, 5, 14, 8)) == timedelta(0)
    assert CAL.working_time_between(wita(2025, 7, 8, 12), wita(2025, 7, 8, 9)) == timedelta(0)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2025, 7, 8, 9)
    with pytest.raises(ValueError, match="UTC offset"):
        CAL.add_working_time(naive, HOUR)
    with pytest.raises(ValueError, match="UTC offset"):
        CAL.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="UTC offset"):
        CAL.working_time_between(wita(2025, 7, 8, 9), naive)
    with pytest.raises(ValueError, match="UTC offset"):
        add_clock_time(naive, HOUR)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(wita(2025, 7, 8, 9), -HOUR)


def test_a_year_not_covered_skips_only_weekends() -> None:
    assert not CAL.covers(date(2031, 1, 1))
    assert CAL.covers(date(2026, 1, 1))
    # 2031-01-01 would be New Year, but the calendar does not know 2031: only the weekend is skipped.
    assert CAL.is_working_day(date(2031, 1, 1))
    assert CAL.add_working_days(wita(2030, 12, 31, 15), 1) == wita(2031, 1, 1, 15)
    assert CAL.add_working_days(wita(2031, 1, 3, 15), 1) == wita(2031, 1, 6, 15)  # Fri -> Mon


def test_holiday_lookup() -> None:
    waisak = CAL.holiday(date(2025, 5, 12))
    assert waisak is not None
    assert waisak.kind == "libur_nasional"
    assert "Waisak" in waisak.name_id
    cuti = CAL.holiday(date(2025, 5, 13))
    assert cuti is not None and cuti.kind == "cuti_bersama"
    assert CAL.holiday(date(2025, 5, 14)) is None
    assert not CAL.is_working_day(date(2025, 8, 18))  # cuti bersama added by the August 2025 amendment
    assert not CAL.is_working_day(date(2025, 7, 12))  # Saturday
    assert CAL.is_working_day(date(2025, 7, 14))


def test_day_length_comes_from_working_hours() -> None:
    assert CAL.day_length == 8 * HOUR
    assert (CAL.day_start, CAL.day_end) == (time(8), time(16))
    assert frozenset({0, 1, 2, 3, 4}) == CAL.weekdays


# --- the data -----------------------------------------------------------------------------------------


def test_packaged_calendar_covers_2025_to_2027_with_both_kinds_in_their_own_year() -> None:
    data = load_json("app.plans", "holidays.json")
    assert {2025, 2026, 2027} <= CAL.years
    for year in (2025, 2026, 2027):
        entry = data["years"][str(year)]
        assert entry["status"] in {"final", "provisional"}
        assert entry["source"].strip()
        days = [date.fromisoformat(day["date"]) for day in entry["days"]]
        assert all(day.year == year for day in days)
        kinds = Counter(day["kind"] for day in entry["days"])
        assert kinds["libur_nasional"] >= 15
        assert kinds["cuti_bersama"] >= 1
        for fixed in (date(year, 1, 1), date(year, 8, 17), date(year, 12, 25)):
            holiday = CAL.holiday(fixed)
            assert holiday is not None and holiday.kind == "libur_nasional"


def test_decreed_counts_for_2025_and_2026() -> None:
    def count(year: int, kind: str) -> int:
        return sum(1 for h in CAL.holidays.values() if h.date.year == year and h.kind == kind)

    # 2025: 17 + 10 by SKB of Oct 2024, +1 cuti bersama (18 Aug) by the amendment of Aug 2025. 2026: 17 + 8.
    assert (count(2025, "libur_nasional"), count(2025, "cuti_bersama")) == (17, 11)
    assert (count(2026, "libur_nasional"), count(2026, "cuti_bersama")) == (17, 8)


def test_from_data_builds_holidays() -> None:
    cal = WorkingCalendar.from_data(minimal_data())
    assert cal.years == frozenset({2030})
    assert cal.holiday(date(2030, 1, 1)) == Holiday(date(2030, 1, 1), "libur_nasional", "Tahun Baru", "NY")


def _with_day(**fields: Any) -> dict[str, Any]:
    data = minimal_data()
    data["years"]["2030"]["days"][0].update(fields)
    return data


def _with_hours(**fields: Any) -> dict[str, Any]:
    data = minimal_data()
    data["working_hours"].update(fields)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with_day(date="2030-02-30"), r"years\.2030\.days\[0\]\.date"),
        (_with_day(date=20300101), r"years\.2030\.days\[0\]\.date"),
        (_with_day(date="2031-01-01"), "listed under the year 2030"),
        (_with_day(kind="libur_daerah"), r"days\[0\]\.kind"),
        (_with_day(name_en=""), r"days\[0\]\.name_en"),
        (_with_hours(start="16:00", end="08:00"), "must be before end"),
        (_with_hours(start="08:00", end="08:00"), "must be before end"),
        (_with_hours(start="8 am"), r"working_hours\.start"),
        (_with_hours(weekdays=[]), r"working_hours\.weekdays"),
        (_with_hours(weekdays=[0, 7]), r"working_hours\.weekdays"),
        (_with_hours(weekdays=[True]), r"working_hours\.weekdays"),
        (minimal_data(timezone="Asia/Jakarta"), "timezone"),
        (minimal_data(years={"30": {"days": []}}), "four-digit year"),
        (minimal_data(years={"2030": {"days": "none"}}), r"years\.2030\.days"),
        (minimal_data(years={"2030": {"status": "draft", "days": []}}), r"years\.2030\.status"),
        (minimal_data(working_hours=None), "working_hours"),
    ],
)
def test_from_data_rejects_bad_data(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar.from_data(data)


def test_from_data_rejects_a_date_listed_twice() -> None:
    data = minimal_data()
    days = data["years"]["2030"]["days"]
    days.append(copy.deepcopy(days[0]))
    with pytest.raises(ValueError, match="listed twice"):
        WorkingCalendar.from_data(data)


def test_load_calendar_reads_an_operators_file(tmp_path: Path) -> None:
    data = minimal_data()
    data["working_hours"] = {"start": "07:30", "end": "16:00", "weekdays": [0, 1, 2, 3, 4, 5]}
    data["years"]["2030"]["days"].append(
        {"date": "2030-01-02", "kind": "cuti_bersama", "name_id": "Cuti", "name_en": "Leave"}
    )
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    cal = load_calendar(path)

    assert cal.day_length == timedelta(hours=8, minutes=30)
    assert not cal.is_working_day(date(2030, 1, 2))
    assert cal.is_working_day(date(2030, 1, 5))  # a Saturday is a working day in this file
    # Mon 2029-12-31 10:00 + 1 working day: Jan 1 and 2 are off, so Thu Jan 3 at 10:00.
    assert cal.add_working_days(wita(2029, 12, 31, 10), 1) == wita(2030, 1, 3, 10)
    assert load_calendar(str(path)).holidays == cal.holidays


def test_load_calendar_names_the_file_it_could_not_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.json"):
        load_calendar(broken)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps(_with_day(kind="libur")), encoding="utf-8")
    with pytest.raises(ValueError, match=r"invalid\.json.*kind"):
        load_calendar(invalid)


def test_default_calendar_is_cached() -> None:
    assert load_calendar() is load_calendar()


# --- wall-clock SLAs ----------------------------------------------------------------------------------


def test_add_clock_time_is_wall_clock_and_ignores_holidays() -> None:
    due = add_clock_time(wita(2025, 5, 9, 18, 30), timedelta(hours=4))
    assert due == wita(2025, 5, 9, 22, 30)
    assert due.tzinfo is UTC
    assert add_clock_time(wita(2025, 5, 11, 23), 2 * HOUR) == wita(2025, 5, 12, 1)  # into Waisak
