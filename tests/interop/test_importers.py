"""The pure parsing rules, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from diary.interop import importers
from diary.interop.importers import CellError, ImportFileError

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("level", "severity"),
    [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (10, 3)],
)
def test_pain_levels_map_to_the_four_point_scale(level, severity):
    assert importers.pain_level_to_severity(level) == severity


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("4h 15m", 4.25),
        ("2 h", 2),
        ("45 min", 0.75),
        ("1d 3h", 27),
        ("3:30", 3.5),
        ("4,5", 4.5),
        ("1 day 2 hours", 26),
    ],
)
def test_durations_in_common_spellings(text, hours):
    assert importers.parse_duration(text) == dt.timedelta(hours=hours)


@pytest.mark.parametrize("text", ["soon", "4 parsecs", "40d"])
def test_it_rejects_durations_it_cannot_read(text):
    with pytest.raises(CellError):
        importers.parse_duration(text)


def test_medicines_lose_their_strength_and_keep_their_dose_count():
    assert importers.parse_medicines(
        "Sumatriptan 50mg x2; Ibuprofen 400 mg, 2x Naproxen|Zomig (3)"
    ) == [
        ("Sumatriptan", 2),
        ("Ibuprofen", 1),
        ("Naproxen", 2),
        ("Zomig", 3),
    ]


def test_an_attack_over_the_autumn_clock_change_is_split_by_local_day():
    start = dt.datetime(2026, 10, 24, 23, 0, tzinfo=LONDON)
    # 25 October 2026 has 25 hours in London.
    parts = list(importers.split_by_day(start, dt.timedelta(hours=27), zone=LONDON))
    assert parts == [
        (dt.date(2026, 10, 24), Decimal("1.00")),
        (dt.date(2026, 10, 25), Decimal("25.00")),
        (dt.date(2026, 10, 26), Decimal("1.00")),
    ]


def test_a_start_with_an_offset_is_moved_into_the_patients_zone():
    started = importers.parse_datetime("2026-03-02T23:30:00-05:00", zone=LONDON, order=None)
    assert started.date() == dt.date(2026, 3, 3)
    assert started.hour == 4


def test_slashed_dates_are_read_in_the_order_the_file_shows():
    assert importers.slash_order(["13/01/2026 10:00", "02/03/2026 10:00"]) == "dmy"
    assert importers.slash_order(["01/13/2026 10:00", "02/03/2026 10:00"]) == "mdy"
    with pytest.raises(ImportFileError, match="day-first or month-first"):
        importers.slash_order(["01/02/2026 10:00", "02/03/2026 10:00"])
    started = importers.parse_datetime("02/03/2026 2:30 PM", zone=LONDON, order="mdy")
    assert started.replace(tzinfo=None) == dt.datetime(2026, 2, 3, 14, 30)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("date,headache\n".encode("utf-8-sig"), "date,headache\n"),
        (
            "date,headache,notes\n2026-01-01,no,café\n".encode("utf-16"),
            "date,headache,notes\n2026-01-01,no,café\n",
        ),
        ("date,headache\n".encode("utf-16-le"), "date,headache\n"),
        ("notes\ncafé €5\n".encode("cp1252"), "notes\ncafé €5\n"),
        ("notes\nnaïve\n".encode(), "notes\nnaïve\n"),
    ],
)
def test_it_reads_the_encodings_spreadsheets_write(data, text):
    assert importers.decode_upload(data) == text


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", b"date,headache\n\x81\x8d\x90"]
)
def test_it_refuses_bytes_that_are_not_text(data):
    with pytest.raises(ImportFileError, match="not text in a known encoding"):
        importers.decode_upload(data)


def test_semicolon_files_from_european_spreadsheets_are_read():
    table = importers.read_table("date;headache;severity;hours\n2026-01-02;yes;2;4,5\n")
    result = importers.parse_generic(table, today=TODAY)
    assert result.errors == []
    (day,) = result.days
    assert (day.headache, day.peak_severity, day.duration_hours) == (True, 2, Decimal("4.50"))
