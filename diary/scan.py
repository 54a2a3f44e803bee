"""The nightly scan: analyse patients and open review flags for a clinician.

Used by ``python manage.py scan_patients`` and the scheduled Celery job, for all patients or the
ones with new data. ``scan_patients`` is the one implementation: it takes the patients in id
order, ``SCAN_CHUNK_SIZE`` at a time, so the clinic's diaries are never in memory together; a
chunk's diaries (packed one row per patient, ``timelines.PackedDiaryRead``) are read while the
previous chunk is analysed (by this process, or by forked analysis processes when the command
asks for them: the analysis needs no database), and each chunk's results are written at once:
baselines frozen, flags opened or refreshed, and ``last_scanned_at``, in one transaction.
``scan_patient`` scans one patient the same way.

Flags opened (never a second flag of a kind still under review: its evidence is refreshed
instead, as ``services.review_flag_open`` does for a single flag; ``services.scan_results_save``
writes a chunk's results):

- ``wear_off``: the end-of-cycle wear-off pattern is established (``wear_off.py``).
- ``medication_overuse``: an ICHD-3 8.2 threshold met for more than 3 months (``overuse.py``).
- ``non_response``: < 30 % fewer headache days per 28 days after 2 cycles (NICE TA260), with the
  other guidelines' verdicts beside it (``verdicts.py``).
- ``episodic``: < 15 headache days a month for 3 consecutive months in treatment (NICE TA260),
  with EHF's < 10 rule beside it.
- ``low_adherence``: in treatment (an injection in the last 26 weeks: two standard 12-week
  intervals and two weeks' grace) and fewer than 20 of the 28 days ending yesterday logged.
  Today is left out because the nightly scan runs before most patients log the day.

A flag whose condition no longer holds is left as it is: closing it is the clinician's call. A
closed flag comes back only when the finding adds something to it (``adds_to_closed_flag``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import zoneinfo
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.db import connection, connections
from django.db.models import F, Q
from django.utils import timezone

from diary.analytics import baseline as rules
from diary.analytics.baseline import (
    FrozenBaseline,
    baseline_to_freeze,
    baseline_windows_to_freeze,
    is_non_responder,
)
from diary.analytics.timeline import DiaryUnpacker, Injection, PatientTimeline
from diary.analytics.trends import PatientAnalysis, patient_analysis
from diary.analytics.verdicts import EHF, NICE
from diary.analytics.wear_off import adds_evidence, wear_off_evidence
from diary.analytics.windows import (
    MIN_LOGGED_DAYS_PER_28,
    WINDOW_DAYS,
    DayCounts,
    count_days,
    month_label,
)
from diary.models import (
    UNDER_REVIEW,
    FlagKind,
    FlagStatus,
    InjectionSession,
    PatientProfile,
    ReviewFlag,
    TreatmentBaseline,
)
from diary.services import scan_results_save
from diary.timelines import PackedDiaryRead, PackedRow, diary_days_created_since, local_date

logger = logging.getLogger(__name__)

IN_TREATMENT_WEEKS = 26
# Patients with no new data are still rescanned this often: some findings change with time
# alone (a patient who stops logging writes nothing; cycle 2 ends without a new entry).
RESCAN_AFTER = timedelta(days=7)
# Patients read, analysed and written together: one query reads their diaries while the
# previous chunk is analysed, one transaction writes their results; large enough that a
# chunk's fixed queries are few beside its analysis. The first chunks are smaller, doubling
# from FIRST_CHUNK_SIZE: the first chunk's read is the only one nothing overlaps.
SCAN_CHUNK_SIZE = 100
FIRST_CHUNK_SIZE = 25


def _counts_evidence(counts: DayCounts) -> dict[str, Any]:
    return {
        "start": counts.start.isoformat(),
        "end": counts.end.isoformat(),
        "logged_days": counts.logged_days,
        "headache_days": counts.headache_days,
        "headache_days_per_28": counts.headache_days_per_28,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def is_in_treatment(*, timeline: PatientTimeline, today: date) -> bool:
    if not timeline.injections:
        return False
    return timeline.injections[-1].date >= today - timedelta(weeks=IN_TREATMENT_WEEKS)


def adherence_window(*, analysis: PatientAnalysis, today: date) -> DayCounts:
    end = today - timedelta(days=1)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    return count_days(days=analysis.days, start=start, end=end, as_of=end)


def scan_findings(
    *, timeline: PatientTimeline, analysis: PatientAnalysis, today: date
) -> dict[str, dict[str, Any]]:
    """The flags the analysis calls for, by kind, each with evidence a clinician can read."""
    findings: dict[str, dict[str, Any]] = {}
    rule = {"rule": analysis.rule, "as_of": today.isoformat()}

    if analysis.wear_off.established:
        findings[FlagKind.WEAR_OFF] = {**rule, **wear_off_evidence(analysis.wear_off)}

    overuse = analysis.overuse
    if overuse.status == "overuse":
        findings[FlagKind.MEDICATION_OVERUSE] = {
            **rule,
            "summary": overuse.message,
            "months_over_threshold": overuse.months_over_threshold,
            "consecutive_months_over_threshold": overuse.classes,
            "months": [
                {
                    "month": month_label(m.start),
                    "days": m.days,
                    "logged_days": m.logged_days,
                    "days_by_class": m.days_by_class,
                    "over_threshold": list(m.over_threshold),
                    # Judged for certain; else "not enough data", never "no overuse".
                    "enough_data": m.enough_data,
                }
                for m in overuse.months
            ],
        }

    response = analysis.response
    verdicts = {verdict.guideline: verdict for verdict in analysis.verdicts}
    if is_non_responder(response=response):
        nice = verdicts[NICE]
        findings[FlagKind.NON_RESPONSE] = {
            **rule,
            "summary": nice.text,
            "notes": list(nice.notes),
            "verdicts": {name: v.text for name, v in verdicts.items()},
            "baseline_source": analysis.baseline.source,
            "baseline_headache_days_per_28": response.baseline_headache_days_per_28,
            "after_cycle": response.assessed_after_cycle,
            "window_start": _iso(response.window_start),
            "window_end": _iso(response.window_end),
            "logged_days": response.logged_days,
            "headache_days": response.headache_days,
            "headache_days_per_28": response.headache_days_per_28,
            "percent_change": response.percent_change,
            "last_28_days_percent_change": (
                response.last_28_days.percent_change if response.last_28_days else None
            ),
            "overdue_days": response.overdue_days,
            "threshold_percent_reduction": rules.RESPONDER_NICE_PERCENT,
        }

    if analysis.episodic.episodic:
        findings[FlagKind.EPISODIC] = {
            **rule,
            "summary": " ".join(
                stop.text
                for stop in (verdicts[NICE].stopping_rule, verdicts[EHF].stopping_rule)
                if stop is not None
            ),
            "months": [
                {"month": month_label(m.start), **_counts_evidence(m)}
                for m in analysis.episodic.months
            ],
        }

    if is_in_treatment(timeline=timeline, today=today):
        recent = adherence_window(analysis=analysis, today=today)
        if recent.logged_days < MIN_LOGGED_DAYS_PER_28:
            findings[FlagKind.LOW_ADHERENCE] = {
                **rule,
                "summary": (
                    f"{recent.logged_days} of the last 28 days logged "
                    f"({MIN_LOGGED_DAYS_PER_28} needed for counts to be read)."
                ),
                "window_start": recent.start.isoformat(),
                "window_end": recent.end.isoformat(),
                "logged_days": recent.logged_days,
                "last_injection": timeline.injections[-1].date.isoformat(),
            }
    return findings


def no_longer_met(
    *, timeline: PatientTimeline, analysis: PatientAnalysis, today: date, found: Iterable[str]
) -> dict[str, str]:
    """For each kind not found, what the analysis now says, in a clinician's words.

    A flag still under review whose condition no longer holds stays open (closing it is the
    clinician's call), but its evidence then says so: a correction of the diary, say, must not
    leave the queue showing figures that are no longer true.
    """
    verdicts = {verdict.guideline: verdict for verdict in analysis.verdicts}
    now: dict[str, str] = {
        FlagKind.WEAR_OFF: analysis.wear_off.message,
        FlagKind.MEDICATION_OVERUSE: analysis.overuse.message,
        FlagKind.NON_RESPONSE: analysis.response.message,
        FlagKind.EPISODIC: " ".join(
            stop.text
            for stop in (verdicts[NICE].stopping_rule, verdicts[EHF].stopping_rule)
            if stop is not None
        ),
    }
    recent = adherence_window(analysis=analysis, today=today)
    now[FlagKind.LOW_ADHERENCE] = f"{recent.logged_days} of the last {WINDOW_DAYS} days logged" + (
        "." if is_in_treatment(timeline=timeline, today=today) else "; not in treatment."
    )
    return {kind: text for kind, text in now.items() if kind not in found and text}


@dataclass(frozen=True)
class ScanSummary:
    started: datetime
    scanned: int
    failed: tuple[int, ...]
    # Flags found, by kind: opened, or already under review and refreshed.
    flags: dict[str, int]


@dataclass(frozen=True)
class _Patient:
    pk: int
    headache_day_rule: str
    recalled_baseline_headache_days: int | None
    timezone: str
    recalled_baseline_entered_at: datetime | None


def scan_patients(
    *, patient_ids: Sequence[int] | None = None, today: date | None = None, workers: int = 1
) -> ScanSummary:
    """Scan ``patient_ids`` (None: every patient) as of ``today`` or each one's local today.

    With ``workers`` above 1, the chunks are analysed in that many forked processes while this
    one reads and writes (``manage.py scan_patients``); a Celery task, itself one of the
    workers' processes, analyses its chunk itself. A patient whose analysis fails is logged and
    left unscanned, so the next scan retries it; the others go on.
    """
    # Data written while the scan runs is newer than this mark, so the next scan sees it.
    started = timezone.now()
    ids = None if patient_ids is None else sorted(set(patient_ids))
    if ids is not None and len(ids) <= SCAN_CHUNK_SIZE:
        # A chunk or less: analysed before processes would have started and warmed up.
        workers = 1
    scan = _Scan(started=started, today=today, workers=workers)
    scan.run(patient_ids=ids)
    return ScanSummary(
        started=started, scanned=scan.scanned, failed=tuple(scan.failed), flags=dict(scan.flags)
    )


def scan_patient(*, patient: PatientProfile, today: date) -> list[ReviewFlag]:
    """Analyse the patient as of ``today``, open the flags found, and mark the patient scanned."""
    summary = scan_patients(patient_ids=[patient.pk], today=today)
    if summary.failed:
        raise RuntimeError(f"The scan of patient {patient.pk} failed; the log has the error.")
    patient.last_scanned_at = summary.started
    kinds = list(summary.flags)
    flags = ReviewFlag.objects.filter(patient=patient, status__in=UNDER_REVIEW, kind__in=kinds)
    return sorted(flags, key=lambda flag: kinds.index(flag.kind))


@dataclass(frozen=True)
class _Chunk:
    """A chunk's patients as read: everything their analysis needs, and no database, so that
    an analysis process can take it (it is pickled to one)."""

    started: datetime
    patients: list[tuple[_Patient, date]]
    diaries: dict[int, tuple[list[int], str]]
    injections: dict[int, tuple[Injection, ...]]
    baselines: dict[int, tuple[TreatmentBaseline, ...]]
    created_on: dict[int, dict[date, date]]


@dataclass(frozen=True)
class _Results:
    scanned: list[int]
    failed: list[int]
    frozen: list[tuple[int, FrozenBaseline]]
    found: list[tuple[int, str, dict[str, Any]]]
    # (patient id, kind, what the analysis now says) for the kinds not found.
    cleared: list[tuple[int, str, str]]


_PROFILE_FIELDS = (
    "pk",
    "headache_day_rule",
    "recalled_baseline_headache_days",
    "user__timezone",
    "recalled_baseline_entered_at",
)


class _Scan:
    def __init__(self, *, started: datetime, today: date | None, workers: int):
        self.started = started
        self.today = today
        self.workers = workers
        self.scanned = 0
        self.failed: list[int] = []
        self.flags: Counter[str] = Counter()
        self._local_today: dict[str, date] = {}

    def run(self, *, patient_ids: Sequence[int] | None) -> None:
        """Chunk by chunk, each chunk's diaries read by the database while the previous chunk is
        analysed, here or in ``workers`` analysis processes: reading and analysing then take
        several cores, not one after the other. Results are saved in chunk order."""
        with _analysis(workers=self.workers) as analyse, _chunk_plans():
            pending: deque[Future[_Results]] = deque()
            ready: _Chunk | None = None
            for patients in self._patient_chunks(patient_ids):
                with PackedDiaryRead([patient.pk for patient in patients]) as read:
                    # No query until the rows are in: the connection is busy with the read.
                    if ready is not None:
                        pending.append(analyse(ready))
                    rows = read.rows()
                # A chunk per process analysed while the next is read; at most one more waits.
                while pending and (pending[0].done() or len(pending) > self.workers):
                    self._save(pending.popleft().result())
                ready = self._read(patients=patients, rows=rows)
            if ready is not None:
                pending.append(analyse(ready))
            while pending:
                self._save(pending.popleft().result())

    def _patient_chunks(self, patient_ids: Sequence[int] | None) -> Iterator[list[_Patient]]:
        profiles = PatientProfile.objects.order_by("pk").values_list(*_PROFILE_FIELDS)
        if patient_ids is None:
            rows = profiles.iterator(chunk_size=2000)
            for chunk in _growing_chunks(rows):
                yield [_Patient(*row) for row in chunk]
            return
        for group in _growing_chunks(patient_ids):
            yield [_Patient(*row) for row in profiles.filter(pk__in=group)]

    def _as_of(self, patient: _Patient) -> date:
        if self.today is not None:
            return self.today
        local = self._local_today.get(patient.timezone)
        if local is None:
            zone = zoneinfo.ZoneInfo(patient.timezone)
            local = self._local_today[patient.timezone] = self.started.astimezone(zone).date()
        return local

    def _read(self, *, patients: list[_Patient], rows: list[PackedRow]) -> _Chunk:
        """The chunk's diaries with its patients' injections and frozen baselines, from two
        queries, and its baseline days' creation dates."""
        ids = [patient.pk for patient in patients]
        injections = _injections(patient_ids=ids)
        baselines: dict[int, list[TreatmentBaseline]] = defaultdict(list)
        for row in TreatmentBaseline.objects.filter(patient_id__in=ids):
            baselines[row.patient_id].append(row)
        dated: list[tuple[_Patient, date]] = []
        given: dict[int, tuple[Injection, ...]] = {}
        for patient in patients:
            try:
                as_of = self._as_of(patient)
            except Exception:
                # One patient's bad data must not stop the others; the next scan retries it.
                logger.exception("Scan failed for patient %s", patient.pk)
                self.failed.append(patient.pk)
                continue
            dated.append((patient, as_of))
            given[patient.pk] = tuple(i for i in injections.get(patient.pk, ()) if i.date <= as_of)
        frozen = {patient_id: tuple(rows) for patient_id, rows in baselines.items()}
        return _Chunk(
            started=self.started,
            patients=dated,
            diaries={patient_id: (ordinals, shapes) for patient_id, ordinals, shapes in rows},
            injections=given,
            baselines=frozen,
            created_on=_baseline_days_created_on(
                patients=[patient for patient, _ in dated], injections=given, frozen=frozen
            ),
        )

    def _save(self, results: _Results) -> None:
        self.failed.extend(results.failed)
        found = _without_judged_findings(results.found)
        self.flags.update(kind for _, kind, _ in found)
        scan_results_save(
            scanned=results.scanned,
            frozen_baselines=results.frozen,
            findings=found,
            no_longer_met=results.cleared,
            scanned_at=self.started,
        )
        self.scanned += len(results.scanned)


def _chunk_results(chunk: _Chunk, *, unpacker: DiaryUnpacker) -> _Results:
    """Baselines to freeze and flags to open, for each of the chunk's patients: no database."""
    results = _Results(scanned=[], failed=[], frozen=[], found=[], cleared=[])
    for patient, as_of in chunk.patients:
        try:
            ordinals, shapes = chunk.diaries.get(patient.pk, ([], ""))
            timeline = PatientTimeline(
                diary=unpacker.diary(ordinals=ordinals, shapes=shapes, as_of=as_of),
                injections=chunk.injections[patient.pk],
                as_of=as_of,
                recalled_baseline_headache_days=patient.recalled_baseline_headache_days,
                recalled_baseline_entered_on=local_date(
                    patient.recalled_baseline_entered_at, zone=patient.timezone
                ),
                frozen_baselines=chunk.baselines.get(patient.pk, ()),
            )
            to_freeze = baseline_to_freeze(
                timeline=timeline,
                created_on=chunk.created_on.get(patient.pk, {}),
                now=chunk.started,
            )
            if to_freeze:
                timeline = replace(
                    timeline, frozen_baselines=(*to_freeze, *timeline.frozen_baselines)
                )
            analysis = patient_analysis(timeline=timeline, rule=patient.headache_day_rule)
            findings = scan_findings(timeline=timeline, analysis=analysis, today=as_of)
            cleared = no_longer_met(
                timeline=timeline, analysis=analysis, today=as_of, found=findings
            )
        except Exception:
            # One patient's bad data must not stop the others; the next scan retries it.
            logger.exception("Scan failed for patient %s", patient.pk)
            results.failed.append(patient.pk)
            continue
        results.scanned.append(patient.pk)
        results.frozen.extend((patient.pk, baseline) for baseline in to_freeze)
        for kind, evidence in findings.items():
            results.found.append((patient.pk, kind, evidence))
        results.cleared.extend((patient.pk, kind, text) for kind, text in cleared.items())
    return results


# An analysis process's own unpacker: the shapes it has classified, kept across its chunks.
_process_unpacker = DiaryUnpacker()


def _chunk_results_in_process(chunk: _Chunk) -> _Results:
    return _chunk_results(chunk, unpacker=_process_unpacker)


# How much less of the CPU an analysis process asks for than the scan and the database server.
# When the database shares the scan's cores and its read is the bottleneck (a large clinic),
# analysis processes at the same priority take cores from it and slow the whole scan; below it,
# they use what the read leaves, and get every core whenever the scan waits for them.
ANALYSIS_NICENESS = 10


# What the scan's queries are planned with on PostgreSQL: each reads one chunk's rows through
# an index. The first scan of a clinic fills the flags and baselines faster than autovacuum
# renews their statistics, and PostgreSQL, planning for a table's worth of rows, read the whole
# table for each chunk's baselines and started parallel workers for each chunk's flags: 20 to 35
# ms a query instead of a fraction of one, and a core's worth of the database's CPU. A chunk's
# diary read can be planned at a cost that turns JIT compilation on, and compiling takes longer
# than the index scans it would speed up.
CHUNK_PLANNER_SETTINGS = {
    "enable_seqscan": "off",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
}


@contextmanager
def _chunk_plans() -> Iterator[None]:
    """The scan's queries planned as the index lookups they are, whatever the statistics say."""
    if connection.vendor != "postgresql":
        yield
        return
    # One round trip each way: statements without parameters may share one text.
    with connection.cursor() as cursor:
        cursor.execute(
            "; ".join(f"SET {name} = {value}" for name, value in CHUNK_PLANNER_SETTINGS.items())
        )
    try:
        yield
    finally:
        # After a failed query the transaction refuses every statement until it rolls back,
        # which also undoes settings made inside it.
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("; ".join(f"RESET {name}" for name in CHUNK_PLANNER_SETTINGS))


def _analysis_process_start() -> None:
    """An analysis process has no database: a query would be sent on the connection it
    inherited from the scan, in the middle of the scan's own conversation with the server."""
    os.nice(ANALYSIS_NICENESS)
    for alias in connections:
        connections[alias].execute_wrappers.append(_refuse_in_analysis_process)


def _refuse_in_analysis_process(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    raise RuntimeError("A scan's analysis process has no database.")


@contextmanager
def _analysis(*, workers: int) -> Iterator[Callable[[_Chunk], Future[_Results]]]:
    """Something that analyses a chunk: at once, here, or in one of ``workers`` processes.

    The processes are forked, so they start with the scan's code and settings loaded; they
    never close the connection they inherit (they leave with ``os._exit``, which runs no
    finaliser), so the scan's stays open.
    """
    if workers <= 1:
        unpacker = DiaryUnpacker()

        def at_once(chunk: _Chunk) -> Future[_Results]:
            done: Future[_Results] = Future()
            done.set_result(_chunk_results(chunk, unpacker=unpacker))
            return done

        yield at_once
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_analysis_process_start,
    )

    def in_a_process(chunk: _Chunk) -> Future[_Results]:
        return pool.submit(_chunk_results_in_process, chunk)

    try:
        yield in_a_process
    finally:
        # On an error the chunks not yet analysed are dropped: the next scan takes them.
        pool.shutdown(wait=True, cancel_futures=True)


def _baseline_days_created_on(
    *,
    patients: list[_Patient],
    injections: Mapping[int, Sequence[Injection]],
    frozen: Mapping[int, Sequence[TreatmentBaseline]],
) -> dict[int, dict[date, date]]:
    """For each patient, the local date each diary day of a baseline not yet final was created,
    for the days that may have been created after the first injection.

    One query for the chunk, and only when some course's baseline is still to be frozen: a
    prospective diary baseline needs its days logged before the first injection. A day created
    before the injection's date began in UTC was created before it in every time zone (they are
    less than a day apart), so only later ones are read: most diaries are logged day by day.
    """
    zones: dict[int, str] = {}
    windows: list[tuple[int, date, date, datetime]] = []
    for patient in patients:
        for start, end in baseline_windows_to_freeze(
            injections=injections[patient.pk], frozen=frozen.get(patient.pk, ())
        ):
            zones[patient.pk] = patient.timezone
            first_injection = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
            windows.append((patient.pk, start, end, first_injection))
    created: dict[int, dict[date, date]] = defaultdict(dict)
    for patient_id, day, created_at in diary_days_created_since(windows):
        created[patient_id][day] = local_date(created_at, zone=zones[patient_id])
    return created


# Flags a clinician has closed: judged, so the same finding must not bring them back.
CLOSED = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)


def _latest_month(evidence: Mapping[str, Any], *, over_threshold: bool = False) -> str | None:
    months = [
        m["month"]
        for m in evidence.get("months", ())
        if isinstance(m, dict) and "month" in m and (m.get("over_threshold") or not over_threshold)
    ]
    return max(months, default=None)


def adds_to_closed_flag(
    *, kind: str, evidence: Mapping[str, Any], closed: Mapping[str, Any]
) -> bool:
    """Whether a finding shows what a closed flag of its kind did not: only then a new flag.

    A clinician who resolved or dismissed a flag has judged what it showed; the same finding,
    scanned night after night, must not bring it back. New is, by kind: a cycle closed after
    those the wear-off evidence rested on; a later cycle (or course) judged for non-response;
    a later episodic month, or a later month over an overuse threshold; for adherence, a 28-day
    window that no longer overlaps the one closed, so a patient still logging little is asked
    about again at most every 28 days. Evidence stored before a field existed counts as new.
    """
    if kind == FlagKind.WEAR_OFF:
        return adds_evidence(evidence=evidence, dismissed=closed)
    if kind == FlagKind.NON_RESPONSE:
        judged = (evidence.get("after_cycle"), evidence.get("window_start"))
        return judged != (closed.get("after_cycle"), closed.get("window_start"))
    if kind in (FlagKind.EPISODIC, FlagKind.MEDICATION_OVERUSE):
        over = kind == FlagKind.MEDICATION_OVERUSE
        before = _latest_month(closed, over_threshold=over)
        now = _latest_month(evidence, over_threshold=over)
        return before is None or (now is not None and now > before)
    if kind == FlagKind.LOW_ADHERENCE:
        ended = closed.get("window_end")
        return ended is None or str(evidence.get("window_start", "")) > ended
    return True


def _without_judged_findings(
    found: list[tuple[int, str, dict[str, Any]]],
) -> list[tuple[int, str, dict[str, Any]]]:
    """The findings that add something to every closed flag of their kind (``CLOSED``).

    One query, for the chunk's patients with a finding only.
    """
    if not found:
        return found
    closed: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for patient_id, kind, evidence in ReviewFlag.objects.filter(
        patient_id__in={patient_id for patient_id, _, _ in found},
        kind__in={kind for _, kind, _ in found},
        status__in=CLOSED,
    ).values_list("patient_id", "kind", "evidence"):
        closed[patient_id, kind].append(evidence)
    return [
        (patient_id, kind, evidence)
        for patient_id, kind, evidence in found
        if all(
            adds_to_closed_flag(kind=kind, evidence=evidence, closed=before)
            for before in closed[patient_id, kind]
        )
    ]


def _growing_chunks(items: Iterable) -> Iterator[list]:
    """``items`` in chunks of FIRST_CHUNK_SIZE, doubling up to SCAN_CHUNK_SIZE."""
    iterator = iter(items)
    size = min(FIRST_CHUNK_SIZE, SCAN_CHUNK_SIZE)
    while chunk := list(islice(iterator, size)):
        yield chunk
        size = min(2 * size, SCAN_CHUNK_SIZE)


def _injections(*, patient_ids: list[int]) -> dict[int, list[Injection]]:
    by_patient: dict[int, list[Injection]] = defaultdict(list)
    rows = (
        InjectionSession.objects.filter(patient_id__in=patient_ids)
        .order_by("patient_id", "date")
        .values_list("patient_id", "date", "planned_interval_weeks")
    )
    for patient_id, day, weeks in rows:
        by_patient[patient_id].append(Injection(date=day, planned_interval_weeks=weeks))
    return by_patient


def patient_ids_due_for_scan(*, since_all: bool = False) -> list[int]:
    """Patients with new data since their last scan, never scanned, or not scanned for a week.

    Every write of a patient's data (diary days, injections, the baseline figure) sets
    ``data_changed_at`` in the same transaction, so the profile alone says who is due.
    """
    patients = PatientProfile.objects.order_by("pk")
    if not since_all:
        patients = patients.filter(
            Q(last_scanned_at__isnull=True)
            | Q(data_changed_at__gt=F("last_scanned_at"))
            | Q(last_scanned_at__lt=timezone.now() - RESCAN_AFTER)
        )
    return list(patients.values_list("pk", flat=True))


def nightly_scan(*, rescan_all: bool = False, workers: int = 1) -> ScanSummary:
    """The scan ``manage.py scan_patients`` runs: the patients due, or every patient."""
    return scan_patients(
        patient_ids=None if rescan_all else patient_ids_due_for_scan(), workers=workers
    )


# Analysis processes a scan started by hand uses by default. The scan's own process reads and
# writes for all of them, about a third of its work when it analyses alone: beyond a few,
# they would wait on it.
MAX_DEFAULT_SCAN_WORKERS = 4


def default_scan_workers() -> int:
    """One analysis process per core this process may run on, up to MAX_DEFAULT_SCAN_WORKERS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_DEFAULT_SCAN_WORKERS))
