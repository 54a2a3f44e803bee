"""Parsing diary files from other apps: bytes in, one draft per calendar day out.

Pure functions: no database. Problems with a single cell come back as ``RowError`` naming the
row (as a spreadsheet numbers it: the header is row 1) and the column; problems with the whole
file (too big, not text, missing columns) raise ``ImportFileError``.

Encodings: UTF-8 with or without BOM, UTF-16 (with BOM, or without BOM when the text is mostly
ASCII, as Excel's "Unicode text" writes it) and Windows-1252 (Excel's "CSV" on Windows).
Delimiters: comma, semicolon (European Excel) or tab, from whichever the header line uses most.

Generic format (what ``csv_export`` writes, so an export can be imported again):
    ``date`` (YYYY-MM-DD), ``headache`` (yes/no, true/false, 1/0), ``severity`` (0-3 or
    none/mild/moderate/severe; blank is 0), ``hours`` (0-24, blank when unknown),
    ``medicines`` (names separated by ";", "," or "|", each optionally followed by "x2" for
    two doses). Optional: ``disability`` (0-3), ``notes``, and one yes/no column per pain
    feature (``unilateral``, ``pulsating``, ``aggravated_by_activity``, ``nausea``,
    ``vomiting``, ``photophobia``, ``phonophobia``, ``aura``). One row per day.

Migraine Buddy format. No public specification of its CSV export was found, so these are
assumptions, matched case-insensitively and tolerant of variants:
    ``Started`` (required): local date and time of the attack's start in the patient's zone:
        ISO 8601 ("2024-01-15 14:30", "2024-01-15T14:30:00", an offset is honoured),
        "15 Jan 2024 14:30", "Jan 15, 2024 2:30 PM", or slashed "15/01/2024 14:30" /
        "01/15/2024 2:30 PM" (day or month first is decided from the whole file; a file whose
        slashed dates never show which is refused rather than guessed; "15.01.2024" is
        always day first).
    ``Lasted``: "4h 15m", "2 h", "45 min", "1d 3h", "1 day 2 hours", "3:30" (h:mm) or a
        number of hours ("4.5"). ``Ended`` (a date-time) is used when Lasted is blank. Both
        blank: the attack's hours are unknown and it counts on its start day only.
    ``Pain Level`` (required): 0-10, mapped to the diary's 4-point scale with the common
        cut-offs 0 none (no headache), 1-3 mild, 4-6 moderate, 7-10 severe.
    ``Symptoms``: a list ("Nausea, Sensitivity to light"); known ones set pain features,
        the rest are kept in the notes as "Other symptoms: ...".
    ``Pain Position``: naming one side only ("Left side") marks the headache unilateral.
    ``Helpful Medication``, ``Unhelpful Medication``, ``Medication``: lists of medicines
        taken ("Sumatriptan 50mg x2; Ibuprofen"); strengths are dropped, "x2"/"(2)" is a dose
        count. Medicines count on the day the attack started.
    ``Notes``: free text, kept on the start day. Other columns (Triggers, Location, ...) are
        ignored.
    An attack is mapped to every calendar day it covers in the patient's zone, with the hours
    that fall on each day; attacks on the same day merge: highest severity, hours summed and
    capped at 24, features and medicines united (doses of the same medicine added).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from diary.analytics.day_classes import DURATION_BAND_MIN_HOURS
from diary.entries import future_day_error
from diary.interop.csv_export import unescape_cell
from diary.models import DiaryDay

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_YEARS = 20
MAX_ROWS = MAX_YEARS * 366
# Longer than status migrainosus by far; anything beyond is more likely a typo.
MAX_ATTACK = timedelta(days=31)
HOURS_PER_DAY = Decimal(24)
CENT = Decimal("0.01")

MIGRAINE_BUDDY = "migraine_buddy"
GENERIC = "generic"


class ImportFileError(Exception):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class DayDraft:
    day: date
    headache: bool = False
    duration_hours: Decimal | None = None
    duration_band: str = ""
    peak_severity: int = 0
    features: set[str] = field(default_factory=set)
    # lower-case name -> (name as written, doses)
    medications: dict[str, tuple[str, int]] = field(default_factory=dict)
    disability: int = 0
    notes: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def add_medication(self, name: str, doses: int) -> None:
        written, before = self.medications.get(name.lower(), (name, 0))
        self.medications[name.lower()] = (written, before + doses)

    def as_dict(self) -> dict:
        return {
            "date": self.day.isoformat(),
            "headache": self.headache,
            "duration_hours": None if self.duration_hours is None else str(self.duration_hours),
            "duration_band": self.duration_band or None,
            "peak_severity": self.peak_severity,
            "features": sorted(self.features),
            "medications": [
                {"name": name, "doses": doses} for name, doses in self.medications.values()
            ],
            "disability": self.disability,
            "notes": "\n".join(self.notes),
            "rows": sorted(self.rows),
        }


@dataclass
class ParseResult:
    format: str
    days: list[DayDraft]
    errors: list[RowError]


class CellError(ValueError):
    pass


# Decoding and reading ---------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        # UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte.
        sample = data[:4096]
        if sample[1::2].count(0) > len(sample) * 0.4:
            candidates = ["utf-16-le"]
        elif sample[0::2].count(0) > len(sample) * 0.4:
            candidates = ["utf-16-be"]
        else:
            candidates = []
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportFileError(
        "This file is not text in a known encoding (UTF-8, UTF-16 or Windows-1252). "
        "Save it as 'CSV UTF-8' and upload it again."
    )


def _delimiter(text: str) -> str:
    header = text.lstrip().split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])


def _normalise(name: str) -> str:
    return " ".join(name.replace("_", " ").strip().lower().split())


@dataclass
class Table:
    columns: dict[str, int]  # normalised header -> index
    headers: list[str]  # as written
    rows: list[tuple[int, list[str]]]  # (row number, cells)

    def has(self, *names: str) -> str | None:
        """The first of ``names`` the file has, as normalised."""
        for name in names:
            if _normalise(name) in self.columns:
                return _normalise(name)
        return None

    def label(self, normalised: str) -> str:
        return self.headers[self.columns[normalised]]

    def cell(self, cells: list[str], normalised: str | None) -> str:
        if normalised is None:
            return ""
        index = self.columns[normalised]
        return cells[index].strip() if index < len(cells) else ""


def read_table(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    number = 0
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS} rows ({MAX_YEARS} years); "
                    "split it into smaller files."
                )
    except csv.Error as error:
        raise ImportFileError(f"Row {number + 1} cannot be read as CSV: {error}.") from None
    if header is None:
        raise ImportFileError("The file is empty.")
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(_normalise(name), index)
    return Table(columns=columns, headers=header, rows=rows)


def detect_format(table: Table) -> str:
    if table.has("started") and table.has("pain level"):
        return MIGRAINE_BUDDY
    if table.has("date") and table.has("headache"):
        return GENERIC
    raise ImportFileError(
        "Unknown file layout: a Migraine Buddy export needs the columns Started and Pain "
        "Level; a generic file needs date, headache, severity, hours and medicines."
    )


def _require(table: Table, *names: str) -> None:
    missing = [name for name in names if not table.has(name)]
    if missing:
        raise ImportFileError(f"The file has no column {', '.join(missing)}.")


# Cells ------------------------------------------------------------------------------------


def parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"{value!r} is not a number.") from None
    if not number.is_finite():
        raise CellError(f"{value!r} is not a number.")
    return number


def parse_hours(value: str) -> Decimal | None:
    if not value:
        return None
    hours = parse_decimal(value)
    if not Decimal(0) <= hours <= HOURS_PER_DAY:
        raise CellError("Hours must be between 0 and 24.")
    return hours.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_duration_band(value: str) -> str:
    band = value.strip().lower()
    if band and band not in DURATION_BAND_MIN_HOURS:
        raise CellError(f"Use one of {', '.join(DURATION_BAND_MIN_HOURS)} for the duration band.")
    return band


YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


def parse_yes_no(value: str, *, blank_is_no: bool = True) -> bool:
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO and (lowered or blank_is_no):
        return False
    raise CellError(f"{value!r} is not yes or no.")


SEVERITY_WORDS = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}


def parse_severity(value: str) -> int:
    lowered = value.strip().lower()
    if not lowered:
        return 0
    if lowered in SEVERITY_WORDS:
        return SEVERITY_WORDS[lowered]
    if lowered.isdigit() and int(lowered) <= 3:
        return int(lowered)
    raise CellError("Severity must be 0-3 or none, mild, moderate or severe.")


def parse_scale(value: str, *, label: str) -> int:
    if not value:
        return 0
    if value.isdigit() and int(value) <= 3:
        return int(value)
    raise CellError(f"{label} must be 0, 1, 2 or 3.")


def pain_level_to_severity(level: int) -> int:
    """0-10 pain to the 4-point scale: 0 none, 1-3 mild, 4-6 moderate, 7-10 severe."""
    if level == 0:
        return 0
    if level <= 3:
        return 1
    if level <= 6:
        return 2
    return 3


def parse_pain_level(value: str) -> int:
    if not value:
        raise CellError("The pain level is empty; give 0-10.")
    level = parse_decimal(value).to_integral_value(rounding=ROUND_HALF_UP)
    if not 0 <= level <= 10:
        raise CellError("The pain level must be between 0 and 10.")
    return int(level)


LIST_SEPARATORS = re.compile(r"[;,|]")
STRENGTH = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml)\b", re.IGNORECASE)
DOSE_SUFFIX = re.compile(r"(?:\s+[x\u00d7]\s*(\d+)|\s*\((\d+)\))\s*$", re.IGNORECASE)
DOSE_PREFIX = re.compile(r"^(\d+)\s*[x\u00d7]\s+", re.IGNORECASE)
MAX_MEDICINE_NAME = 100


def parse_medicines(value: str) -> list[tuple[str, int]]:
    medicines = []
    for item in LIST_SEPARATORS.split(value):
        item = unescape_cell(item.strip())
        if not item:
            continue
        doses = 1
        if match := DOSE_PREFIX.match(item):
            doses = int(match.group(1))
            item = item[match.end() :]
        if match := DOSE_SUFFIX.search(item):
            doses = int(next(group for group in match.groups() if group))
            item = item[: match.start()]
        name = " ".join(STRENGTH.sub("", item).split())
        if not name:
            raise CellError(f"{item!r} names no medicine.")
        if len(name) > MAX_MEDICINE_NAME:
            raise CellError(f"A medicine name is longer than {MAX_MEDICINE_NAME} characters.")
        if doses < 1:
            raise CellError(f"{item!r}: doses must be at least 1.")
        medicines.append((name, doses))
    return medicines


SYMPTOM_FEATURES = {
    "nausea": "nausea",
    "vomiting": "vomiting",
    "photophobia": "photophobia",
    "sensitivity to light": "photophobia",
    "light sensitivity": "photophobia",
    "phonophobia": "phonophobia",
    "sensitivity to sound": "phonophobia",
    "sensitivity to noise": "phonophobia",
    "sound sensitivity": "phonophobia",
    "noise sensitivity": "phonophobia",
    "aura": "aura",
    "visual aura": "aura",
    "visual disturbance": "aura",
    "visual disturbances": "aura",
    "throbbing": "pulsating",
    "throbbing pain": "pulsating",
    "pulsating": "pulsating",
    "pulsating pain": "pulsating",
    "pounding": "pulsating",
    "pounding pain": "pulsating",
    "one-sided": "unilateral",
    "one sided": "unilateral",
    "one-sided pain": "unilateral",
    "unilateral": "unilateral",
    "worse with activity": "aggravated_by_activity",
    "worse with physical activity": "aggravated_by_activity",
    "aggravated by activity": "aggravated_by_activity",
    "aggravated by physical activity": "aggravated_by_activity",
}


def parse_symptoms(value: str) -> tuple[set[str], list[str]]:
    features: set[str] = set()
    others: list[str] = []
    for item in LIST_SEPARATORS.split(value):
        item = item.strip()
        if not item:
            continue
        feature = SYMPTOM_FEATURES.get(_normalise(item))
        if feature:
            features.add(feature)
        elif item not in others:
            others.append(item)
    return features, others


DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)\b", re.IGNORECASE
)
UNIT_MINUTES = {"d": 1440, "h": 60, "m": 1}


def parse_duration(value: str) -> timedelta | None:
    if not value:
        return None
    if re.fullmatch(r"\d+:\d{2}", value):
        hours, minutes = value.split(":")
        duration = timedelta(hours=int(hours), minutes=int(minutes))
    elif re.fullmatch(r"\d+(?:[.,]\d+)?", value):
        duration = timedelta(hours=float(parse_decimal(value)))
    else:
        parts = DURATION_PART.findall(value)
        if not parts or DURATION_PART.sub("", value).strip(" ,"):
            raise CellError(f"{value!r} is not a duration such as '4h 30m' or '1d 2h'.")
        total_minutes = sum(
            float(parse_decimal(number)) * UNIT_MINUTES[unit[0].lower()] for number, unit in parts
        )
        duration = timedelta(minutes=total_minutes)
    if duration > MAX_ATTACK:
        raise CellError("The attack lasted longer than 31 days; check the duration.")
    return duration


SLASHED = re.compile(
    r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$"
)
NAMED_MONTH_FORMATS = (
    "%d %b %Y %H:%M",
    "%d %B %Y %H:%M",
    "%d %b %Y %I:%M %p",
    "%d %B %Y %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%B %d, %Y %H:%M",
)


def slash_order(values: list[str]) -> str | None:
    """ "dmy" or "mdy" for a file's slashed dates, or None if it has none; raises if unsure."""
    day_first = month_first = False
    seen = False
    for value in values:
        match = SLASHED.match(value.strip())
        if not match or match.group(2) == ".":
            continue
        seen = True
        first, second = int(match.group(1)), int(match.group(3))
        day_first |= first > 12
        month_first |= second > 12
    if not seen:
        return None
    if day_first and month_first:
        raise ImportFileError("The Started column mixes day-first and month-first dates.")
    if not (day_first or month_first):
        raise ImportFileError(
            "The Started dates (like 03/04/2024) could be day-first or month-first and no row "
            "tells which. Export with ISO dates (2024-04-03) or add a row that shows it."
        )
    return "dmy" if day_first else "mdy"


def parse_datetime(value: str, *, zone: ZoneInfo, order: str | None) -> datetime:
    """An aware datetime: naive values are wall-clock time in the patient's zone."""
    value = value.strip()
    if not value:
        raise CellError("The start is empty.")
    parsed: datetime | None = None
    if match := SLASHED.match(value):
        first, separator, second, year, hour, minute, second_s, meridiem = match.groups()
        day, month = (first, second) if separator == "." or order == "dmy" else (second, first)
        hour_n = int(hour)
        if meridiem:
            if not 1 <= hour_n <= 12:
                raise CellError(f"{value!r} is not a valid time.")
            hour_n = hour_n % 12 + (12 if meridiem.lower() == "pm" else 0)
        try:
            parsed = datetime(
                int(year), int(month), int(day), hour_n, int(minute), int(second_s or 0)
            )
        except ValueError:
            raise CellError(f"{value!r} is not a valid date and time.") from None
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            for pattern in NAMED_MONTH_FORMATS:
                try:
                    parsed = datetime.strptime(value, pattern)
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise CellError(f"{value!r} is not a date and time such as '2024-01-15 14:30'.")
    if parsed.tzinfo is None:
        # fold=0: a time that happens twice when clocks go back is its first occurrence.
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


def split_by_day(start: datetime, duration: timedelta, *, zone: ZoneInfo) -> Iterator[tuple]:
    """(local date, hours) for each calendar day in ``zone`` an attack covers."""
    start_utc = start.astimezone(UTC)
    end_utc = start_utc + duration
    day = start.astimezone(zone).date()
    while True:
        day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        overlap = min(end_utc, day_end) - max(start_utc, day_start)
        if overlap > timedelta(0) or day_start <= start_utc < day_end:
            hours = Decimal(overlap.total_seconds()) / 3600 if overlap > timedelta(0) else 0
            yield day, Decimal(hours).quantize(CENT, rounding=ROUND_HALF_UP)
        if day_end >= end_utc:
            return
        day += timedelta(days=1)


# Formats ----------------------------------------------------------------------------------


def _check_date(day: date, *, today: date) -> None:
    future = future_day_error(day=day, today=today)
    if future:
        raise CellError(future)
    if day < today.replace(year=today.year - MAX_YEARS, day=min(today.day, 28)):
        raise CellError(f"This day is more than {MAX_YEARS} years ago.")


def parse_generic(table: Table, *, today: date) -> ParseResult:
    _require(table, "date", "headache")
    columns = {
        "date": table.has("date"),
        "headache": table.has("headache"),
        "severity": table.has("severity", "peak severity", "peak_severity"),
        "hours": table.has("hours", "duration hours", "duration_hours"),
        "duration_band": table.has("duration_band", "duration band"),
        "medicines": table.has("medicines", "medications"),
        "disability": table.has("disability"),
        "notes": table.has("notes"),
    }
    feature_columns = {name: table.has(name) for name in DiaryDay.FEATURES}
    days: dict[date, DayDraft] = {}
    errors: list[RowError] = []
    for number, cells in table.rows:
        current = "date"
        try:
            try:
                day = date.fromisoformat(table.cell(cells, columns["date"]))
            except ValueError:
                raise CellError("Write the date as YYYY-MM-DD.") from None
            _check_date(day, today=today)
            if day in days:
                raise CellError(f"This date is already in row {days[day].rows[0]}.")
            draft = DayDraft(day=day, rows=[number])
            current = "headache"
            draft.headache = parse_yes_no(table.cell(cells, columns["headache"]), blank_is_no=False)
            current = "severity"
            draft.peak_severity = parse_severity(table.cell(cells, columns["severity"]))
            current = "hours"
            draft.duration_hours = parse_hours(table.cell(cells, columns["hours"]))
            current = "duration_band"
            draft.duration_band = parse_duration_band(table.cell(cells, columns["duration_band"]))
            current = "medicines"
            for name, doses in parse_medicines(table.cell(cells, columns["medicines"])):
                draft.add_medication(name, doses)
            current = "disability"
            draft.disability = parse_scale(
                table.cell(cells, columns["disability"]), label="Disability"
            )
            for feature, column in feature_columns.items():
                current = feature
                if column and parse_yes_no(table.cell(cells, column)):
                    draft.features.add(feature)
            notes = unescape_cell(table.cell(cells, columns["notes"]))
            if notes:
                draft.notes.append(notes)
        except CellError as error:
            column = columns.get(current) or feature_columns.get(current) or current
            errors.append(RowError(number, table.label(column), str(error)))
            continue
        days[day] = draft
    return ParseResult(
        format=GENERIC, days=sorted(days.values(), key=lambda d: d.day), errors=errors
    )


@dataclass
class Attack:
    row: int
    start: datetime
    duration: timedelta | None
    severity: int
    features: set[str]
    other_symptoms: list[str]
    medicines: list[tuple[str, int]]
    notes: str


def parse_migraine_buddy(table: Table, *, today: date, zone: ZoneInfo) -> ParseResult:
    _require(table, "started", "pain level")
    columns = {
        "started": table.has("started"),
        "lasted": table.has("lasted", "duration"),
        "ended": table.has("ended"),
        "pain level": table.has("pain level"),
        "symptoms": table.has("symptoms"),
        "pain position": table.has("pain position"),
        "notes": table.has("notes", "note", "comments"),
    }
    medicine_columns = [
        column
        for column in (
            table.has("helpful medication", "helpful medications"),
            table.has("unhelpful medication", "unhelpful medications"),
            table.has("medication", "medications", "acute medication"),
        )
        if column
    ]
    order = slash_order(
        [table.cell(cells, columns["started"]) for _, cells in table.rows]
        + [table.cell(cells, columns["ended"]) for _, cells in table.rows]
    )
    attacks: list[Attack] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        current = "started"
        try:
            start = parse_datetime(table.cell(cells, columns["started"]), zone=zone, order=order)
            _check_date(start.date(), today=today)
            current = "lasted"
            duration = parse_duration(table.cell(cells, columns["lasted"]))
            ended = table.cell(cells, columns["ended"])
            if duration is None and ended:
                current = "ended"
                duration = parse_datetime(ended, zone=zone, order=order) - start
                if not timedelta(0) <= duration <= MAX_ATTACK:
                    raise CellError("The end must fall within 31 days after the start.")
            current = "pain level"
            severity = pain_level_to_severity(
                parse_pain_level(table.cell(cells, columns["pain level"]))
            )
            current = "symptoms"
            features, others = parse_symptoms(table.cell(cells, columns["symptoms"]))
            position = table.cell(cells, columns["pain position"]).lower()
            if ("left" in position) != ("right" in position) and "both" not in position:
                features.add("unilateral")
            medicines = []
            for column in medicine_columns:
                current = column
                medicines += parse_medicines(table.cell(cells, column))
        except CellError as error:
            column = columns.get(current) or current
            errors.append(RowError(number, table.label(column), str(error)))
            continue
        attacks.append(
            Attack(
                row=number,
                start=start,
                duration=duration,
                severity=severity,
                features=features,
                other_symptoms=others,
                medicines=medicines,
                notes=unescape_cell(table.cell(cells, columns["notes"])),
            )
        )
    return ParseResult(
        format=MIGRAINE_BUDDY, days=merge_attacks(attacks, zone=zone, today=today), errors=errors
    )


def merge_attacks(attacks: list[Attack], *, zone: ZoneInfo, today: date) -> list[DayDraft]:
    days: dict[date, DayDraft] = {}
    for attack in sorted(attacks, key=lambda attack: attack.start):
        if attack.duration is None:
            spans = [(attack.start.date(), None)]
        else:
            spans = list(split_by_day(attack.start, attack.duration, zone=zone))
        for index, (day, hours) in enumerate(spans):
            if day > today:
                break  # an attack still going on today: only its days so far
            draft = days.setdefault(day, DayDraft(day=day))
            if attack.row not in draft.rows:
                draft.rows.append(attack.row)
            draft.headache |= attack.severity > 0
            draft.peak_severity = max(draft.peak_severity, attack.severity)
            draft.features |= attack.features
            if hours is not None:
                total = (draft.duration_hours or Decimal(0)) + hours
                draft.duration_hours = min(total, HOURS_PER_DAY)
            if index == 0:
                for name, doses in attack.medicines:
                    draft.add_medication(name, doses)
                if attack.notes and attack.notes not in draft.notes:
                    draft.notes.append(attack.notes)
                if attack.other_symptoms:
                    draft.notes.append("Other symptoms: " + ", ".join(attack.other_symptoms))
    for draft in days.values():
        if not draft.headache:
            # A day with only pain-free attacks (aura alone) has no headache hours to log.
            draft.duration_hours = None
    return sorted(days.values(), key=lambda draft: draft.day)


def parse_file(data: bytes, *, format: str | None, today: date, zone: ZoneInfo) -> ParseResult:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    table = read_table(decode_upload(data))
    format = format or detect_format(table)
    if format == MIGRAINE_BUDDY:
        return parse_migraine_buddy(table, today=today, zone=zone)
    return parse_generic(table, today=today)
