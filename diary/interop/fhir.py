"""FHIR R4 export: a Bundle (type collection) built from the domain objects, as a plain dict.

Resources: the Patient; one Observation per logged day (headache present or absent, peak
severity, duration, pain features, disability and the computed day classes as components); a
MedicationStatement per acute medicine taken on a day; a Procedure per injection session with
its dose and body sites, plus a MedicationAdministration carrying the product, lot and dose;
an AdverseEvent per side effect, pointing at the session's Procedure; on the first page, a
ClinicalImpression per guideline's response verdict (``analytics.verdicts``) with its window and its
sentence, or why it is not assessable.

Standard codes (docs/clinical.md, "Codes for export"): SNOMED CT 25064002 headache and
37796009 migraine; LOINC 72514-3 pain severity with the answers LA6752-5 mild, LA6751-7
moderate and LA6750-9 severe; ICD-10 G43.3, which ICHD-3 assigns to chronic migraine (WHO's
title for the code is "Complicated migraine"). What has no standard code here (day classes,
rule sets, muscles, side-effect kinds, medicine classes) uses the project's code systems under
``CANONICAL``.

Ids are UUIDs derived from the source and the record, so exporting twice gives the same ids
and a receiving system can match resources across exports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from diary import selectors
from diary.analytics.day_classes import rule_set
from diary.analytics.verdicts import GuidelineVerdict, Status
from diary.models import (
    RED_FLAG_SIDE_EFFECTS,
    DiaryDay,
    DurationBand,
    InjectionSession,
    MedicationClass,
    Muscle,
    PatientProfile,
    SideEffectKind,
    SideEffectReport,
)
from diary.paradigms import next_due_date

FHIR_MEDIA_TYPE = "application/fhir+json"

# The project's canonical base for its code systems and extensions. It must never change once
# data has left the system; ".invalid" says plainly that it is a name, not a page to fetch.
CANONICAL = "https://headache-diary.invalid/fhir"
CS_DIARY_ITEM = f"{CANONICAL}/CodeSystem/diary-item"
CS_DAY_CLASS = f"{CANONICAL}/CodeSystem/day-class"
CS_HEADACHE_DAY_RULE = f"{CANONICAL}/CodeSystem/headache-day-rule"
CS_MEDICATION_CLASS = f"{CANONICAL}/CodeSystem/acute-medication-class"
CS_PROCEDURE = f"{CANONICAL}/CodeSystem/procedure"
CS_MUSCLE = f"{CANONICAL}/CodeSystem/injection-muscle"
CS_SIDE = f"{CANONICAL}/CodeSystem/injection-side"
CS_SIDE_EFFECT = f"{CANONICAL}/CodeSystem/side-effect"
CS_GUIDELINE = f"{CANONICAL}/CodeSystem/response-guideline"
CS_VERDICT = f"{CANONICAL}/CodeSystem/response-verdict"
EXT_MEDICATION_CLASS = f"{CANONICAL}/StructureDefinition/acute-medication-class"
EXT_TOTAL_UNITS = f"{CANONICAL}/StructureDefinition/injection-total-units"
EXT_PARADIGM = f"{CANONICAL}/StructureDefinition/injection-paradigm"
EXT_SITE_SIDE = f"{CANONICAL}/StructureDefinition/injection-site-side"
EXT_SITE_UNITS = f"{CANONICAL}/StructureDefinition/injection-site-units"
EXT_SITE_POINTS = f"{CANONICAL}/StructureDefinition/injection-site-points"
EXT_NOTE = f"{CANONICAL}/StructureDefinition/note"
EXT_TIMEZONE = "http://hl7.org/fhir/StructureDefinition/tz-code"

# ClinicalImpression.status (R4, required binding: in-progress | completed | entered-in-error).
# A verdict waiting for its window to end is a judgement still in progress; every other one is
# made: a closed window too thinly logged is judged "not assessable", and AHS 2021's "unknown"
# (no questionnaire recorded) is its finding on the window it judged.
IMPRESSION_STATUS: dict[Status, str] = {
    "not_yet_assessable": "in-progress",
    "not_assessable": "completed",
    "responder": "completed",
    "non_responder": "completed",
    "stop_when_well": "completed",
    "unknown": "completed",
    "freedom": "completed",
    "optimal": "completed",
    "modest": "completed",
    "insufficient": "completed",
}

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
STATEMENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/medication-statement-category"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"

HEADACHE = {"system": SNOMED, "code": "25064002", "display": "Headache"}
MIGRAINE = {"system": SNOMED, "code": "37796009", "display": "Migraine"}
PAIN_SEVERITY = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# The diary's 4-point scale (0 none is a day without headache, so it has no answer code).
SEVERITY_ANSWERS = {
    1: {"system": LOINC, "code": "LA6752-5", "display": "Mild"},
    2: {"system": LOINC, "code": "LA6751-7", "display": "Moderate"},
    3: {"system": LOINC, "code": "LA6750-9", "display": "Severe"},
}
CHRONIC_MIGRAINE = {
    "coding": [{"system": ICD10, "code": "G43.3", "display": "Complicated migraine"}],
    "text": "Chronic migraine (ICHD-3 1.3)",
}
SIDE_EFFECT_SEVERITY = {1: "mild", 2: "moderate", 3: "severe"}
FEATURE_DISPLAY = {
    "unilateral": "Unilateral pain",
    "pulsating": "Pulsating pain",
    "aggravated_by_activity": "Aggravated by routine physical activity",
    "nausea": "Nausea",
    "vomiting": "Vomiting",
    "photophobia": "Photophobia",
    "phonophobia": "Phonophobia",
    "aura": "Aura",
}


def _id(source: str, *parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([source, *map(str, parts)])))


def _ref(resource_id: str) -> dict:
    return {"reference": f"urn:uuid:{resource_id}"}


def _number(value: Decimal | int) -> int | float:
    """A JSON number: FHIR decimals must not be strings."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


DATA_ABSENT_UNKNOWN = {
    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "code": "unknown",
    "display": "Unknown",
}


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [_coding(system, code, display)], "text": display}


def _units(value: Decimal) -> dict:
    # Botulinum toxin units are product-specific, not UCUM units, so no unit code is claimed.
    return {"value": _number(value), "unit": "U"}


def patient_resource(patient: PatientProfile, *, source: str, resource_id: str) -> dict:
    user = patient.user
    resource: dict = {
        "resourceType": "Patient",
        "id": resource_id,
        "identifier": [{"system": f"{source}/patients", "value": str(patient.pk)}],
        "telecom": [{"system": "email", "value": user.email}],
        "extension": [{"url": EXT_TIMEZONE, "valueCode": user.timezone}],
    }
    if user.display_name:
        resource["name"] = [{"text": user.display_name}]
    return resource


def day_observation(day: DiaryDay, *, rule: str, resource_id: str, patient_ref: dict) -> dict:
    features = {name: getattr(day, name) for name in DiaryDay.FEATURES}
    classes = selectors.diary_day_classes(day=day, rule=rule)
    components: list[dict] = []
    if day.headache and day.peak_severity in SEVERITY_ANSWERS:
        answer = SEVERITY_ANSWERS[day.peak_severity]
        components.append(
            {
                "code": {"coding": [PAIN_SEVERITY], "text": "Peak headache severity"},
                "valueCodeableConcept": {"coding": [answer], "text": answer["display"]},
            }
        )
    if day.duration_hours is not None:
        components.append(
            {
                "code": _concept(CS_DIARY_ITEM, "duration", "Headache duration that day"),
                "valueQuantity": {
                    "value": _number(day.duration_hours),
                    "unit": "h",
                    "system": UCUM,
                    "code": "h",
                },
            }
        )
    if day.duration_band:
        band = DurationBand(day.duration_band)
        components.append(
            {
                "code": _concept(CS_DIARY_ITEM, "duration-band", "Headache duration band that day"),
                "valueCodeableConcept": _concept(CS_DIARY_ITEM, band.value, str(band.label)),
            }
        )
    elif day.headache and not day.duration_known:
        # A headache stored without any duration (clinical.md, "Duration"): said, not omitted.
        components.append(
            {
                "code": _concept(CS_DIARY_ITEM, "duration", "Headache duration that day"),
                "dataAbsentReason": {"coding": [DATA_ABSENT_UNKNOWN], "text": "Unknown"},
            }
        )
    for name, present in features.items():
        components.append(
            {
                "code": _concept(CS_DIARY_ITEM, name, FEATURE_DISPLAY[name]),
                "valueBoolean": present,
            }
        )
    components.append(
        {
            "code": _concept(CS_DIARY_ITEM, "disability", "Disability (0 none to 3 severe)"),
            "valueInteger": day.disability,
        }
    )
    components += [
        {
            "code": {
                "coding": [_coding(CS_DAY_CLASS, "headache-day", "Headache day"), HEADACHE],
                "text": "Headache day",
            },
            "valueBoolean": classes.headache_day,
        },
        {
            "code": {
                "coding": [_coding(CS_DAY_CLASS, "migraine-day", "Migraine day"), MIGRAINE],
                "text": "Migraine day",
            },
            "valueBoolean": classes.migraine_day,
        },
        {
            "code": _concept(
                CS_DAY_CLASS, "moderate-severe-day", "Moderate or severe headache day"
            ),
            "valueBoolean": classes.moderate_severe_day,
        },
    ]
    for medication_class in classes.acute_medication_classes:
        components.append(
            {
                "code": _concept(CS_DAY_CLASS, "acute-medication-day", "Acute-medication day"),
                "valueCodeableConcept": _concept(
                    CS_MEDICATION_CLASS,
                    medication_class,
                    MedicationClass(medication_class).label,
                ),
            }
        )
    rules = rule_set(rule)
    observation: dict = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": {"coding": [HEADACHE], "text": "Headache diary day"},
        "subject": patient_ref,
        "effectiveDateTime": day.date.isoformat(),
        "valueBoolean": day.headache,
        "method": {
            "coding": [
                {
                    "system": CS_HEADACHE_DAY_RULE,
                    "version": str(rules.version),
                    "code": rules.name,
                    "display": rules.description,
                }
            ],
            "text": f"Day classes by rule set {rules.name} v{rules.version}",
        },
        "component": components,
    }
    if day.notes:
        observation["note"] = [{"text": day.notes}]
    return observation


def medication_statements(
    day: DiaryDay, *, source: str, patient_ref: dict, observation_ref: dict
) -> list[dict]:
    statements = []
    for intake in day.intakes.all():
        medication = intake.medication
        doses = "1 dose" if intake.doses == 1 else f"{intake.doses} doses"
        statements.append(
            {
                "resourceType": "MedicationStatement",
                "id": _id(source, "intake", day.patient_id, day.date, medication.pk),
                "extension": [
                    {
                        "url": EXT_MEDICATION_CLASS,
                        "valueCoding": _coding(
                            CS_MEDICATION_CLASS,
                            medication.medication_class,
                            MedicationClass(medication.medication_class).label,
                        ),
                    }
                ],
                "status": "completed",
                "category": _concept(STATEMENT_CATEGORY, "patientspecified", "Patient Specified"),
                "medicationCodeableConcept": {"text": medication.name},
                "subject": patient_ref,
                "effectiveDateTime": day.date.isoformat(),
                "informationSource": patient_ref,
                "derivedFrom": [observation_ref],
                "reasonReference": [observation_ref],
                "dosage": [
                    {
                        "text": f"{doses} taken",
                        "doseAndRate": [{"doseQuantity": {"value": intake.doses, "unit": "dose"}}],
                    }
                ],
            }
        )
    return statements


def _body_site(site) -> dict:
    muscle = Muscle(site.muscle).label
    points = "1 point" if site.points == 1 else f"{site.points} points"
    return {
        "extension": [
            {"url": EXT_SITE_SIDE, "valueCode": site.side},
            {"url": EXT_SITE_UNITS, "valueQuantity": _units(site.units)},
            {"url": EXT_SITE_POINTS, "valueInteger": site.points},
        ],
        "coding": [_coding(CS_MUSCLE, site.muscle, muscle)],
        "text": f"{muscle}, {site.side}: {_number(site.units)} U at {points}",
    }


def session_resources(
    session: InjectionSession, *, source: str, patient_ref: dict
) -> tuple[dict, dict]:
    """The session as a Procedure (what was done, where) and a MedicationAdministration."""
    procedure_id = _id(source, "injection", session.patient_id, session.date)
    sites = list(session.sites.all())
    points = sum(site.points for site in sites)
    due = next_due_date(
        injected_on=session.date, planned_interval_weeks=session.planned_interval_weeks
    )
    performer = [{"actor": {"display": session.injector}}] if session.injector else []
    procedure: dict = {
        "resourceType": "Procedure",
        "id": procedure_id,
        "extension": [
            {"url": EXT_TOTAL_UNITS, "valueQuantity": _units(session.total_units)},
            {"url": EXT_PARADIGM, "valueCode": session.paradigm},
        ],
        "status": "completed",
        "code": {
            "coding": [
                _coding(
                    CS_PROCEDURE,
                    "botulinum-toxin-injection",
                    "Botulinum toxin injections for chronic migraine",
                )
            ],
            "text": f"{session.product} {_number(session.total_units)} U "
            f"({session.get_paradigm_display()})",
        },
        "subject": patient_ref,
        "performedDateTime": session.date.isoformat(),
        "reasonCode": [CHRONIC_MIGRAINE],
        "bodySite": [_body_site(site) for site in sites],
        "followUp": [
            {
                "text": f"Next injection due {due.isoformat()} "
                f"({session.planned_interval_weeks} weeks)"
            }
        ],
    }
    if performer:
        procedure["performer"] = performer
    if session.notes:
        procedure["note"] = [{"text": session.notes}]
    medication: dict = {
        "resourceType": "Medication",
        "id": "product",
        "code": {"text": session.product},
    }
    if session.lot:
        medication["batch"] = {"lotNumber": session.lot}
    dose_text = f"{_number(session.total_units)} U"
    if points:
        dose_text += f" at {points} injection points"
    administration: dict = {
        "resourceType": "MedicationAdministration",
        "id": _id(source, "administration", session.patient_id, session.date),
        "contained": [medication],
        "status": "completed",
        "medicationReference": {"reference": "#product", "display": session.product},
        "subject": patient_ref,
        "partOf": [_ref(procedure_id)],
        "effectiveDateTime": session.date.isoformat(),
        "dosage": {
            "text": dose_text,
            "route": {"text": "Intramuscular"},
            "dose": _units(session.total_units),
        },
    }
    if performer:
        administration["performer"] = performer
    return procedure, administration


def adverse_event(
    report: SideEffectReport, *, source: str, patient_ref: dict, procedure_ref: dict
) -> dict:
    label = SideEffectKind(report.kind).label
    serious = report.kind in RED_FLAG_SIDE_EFFECTS
    severity = SIDE_EFFECT_SEVERITY[report.severity]
    event: dict = {
        "resourceType": "AdverseEvent",
        "id": _id(source, "side-effect", report.pk),
        "actuality": "actual",
        "event": _concept(CS_SIDE_EFFECT, report.kind, label),
        "subject": patient_ref,
        "date": report.onset_date.isoformat(),
        "recordedDate": report.created_at.isoformat(),
        "seriousness": _concept(
            AE_SERIOUSNESS,
            "serious" if serious else "non-serious",
            "Serious" if serious else "Non-serious",
        ),
        "severity": _concept(AE_SEVERITY, severity, severity.capitalize()),
        "suspectEntity": [{"instance": procedure_ref}],
    }
    if report.notes:
        event["extension"] = [{"url": EXT_NOTE, "valueString": report.notes}]
    return event


def verdict_impression(
    verdict: GuidelineVerdict, *, resource_id: str, patient_ref: dict, issued: datetime
) -> dict:
    """A guideline's response verdict as a ClinicalImpression (an assessment, not a
    measurement): its status as the finding, the window judged, and its sentence."""
    status = IMPRESSION_STATUS[verdict.status]
    impression: dict = {
        "resourceType": "ClinicalImpression",
        "id": resource_id,
        "status": status,
        "code": _concept(CS_GUIDELINE, verdict.guideline, f"{verdict.title} response verdict"),
        "subject": patient_ref,
        "date": issued.isoformat(),
        "summary": verdict.text,
        "finding": [
            {
                "itemCodeableConcept": _concept(
                    CS_VERDICT, verdict.status, verdict.status.replace("_", " ")
                ),
                "basis": verdict.rule,
            }
        ],
    }
    if status == "in-progress":
        impression["statusReason"] = {"text": verdict.reason}
    if verdict.notes:
        impression["note"] = [{"text": text} for text in verdict.notes]
    if verdict.window_start is not None and verdict.window_end is not None:
        impression["effectivePeriod"] = {
            "start": verdict.window_start.isoformat(),
            "end": verdict.window_end.isoformat(),
        }
    return impression


def patient_bundle(
    *,
    patient: PatientProfile,
    days: Iterable[DiaryDay],
    sessions: Iterable[InjectionSession],
    rule: str,
    source: str,
    generated_at: datetime,
    links: Sequence[tuple[str, str]] = (),
    verdicts: Sequence[GuidelineVerdict] = (),
) -> dict:
    """The record (or a page of it) as a FHIR R4 Bundle of type collection.

    ``days`` need their intakes (with medicines) prefetched, ``sessions`` their sites and
    side effects; ``source`` is the deployment's base URL, which scopes identifiers and ids.
    ``links`` are (relation, url) pairs, such as the "next" page's; ``verdicts`` the response
    verdicts to carry (the first page's).
    """
    patient_id = _id(source, "patient", patient.pk)
    patient_ref = _ref(patient_id)
    resources = [patient_resource(patient, source=source, resource_id=patient_id)]
    for day in days:
        observation_id = _id(source, "day", patient.pk, day.date)
        resources.append(
            day_observation(day, rule=rule, resource_id=observation_id, patient_ref=patient_ref)
        )
        resources += medication_statements(
            day, source=source, patient_ref=patient_ref, observation_ref=_ref(observation_id)
        )
    for session in sessions:
        procedure, administration = session_resources(
            session, source=source, patient_ref=patient_ref
        )
        resources += [procedure, administration]
        for report in session.side_effects.all():
            resources.append(
                adverse_event(
                    report,
                    source=source,
                    patient_ref=patient_ref,
                    procedure_ref=_ref(procedure["id"]),
                )
            )
    resources += [
        verdict_impression(
            verdict,
            resource_id=_id(source, "verdict", patient.pk, verdict.guideline),
            patient_ref=patient_ref,
            issued=generated_at,
        )
        for verdict in verdicts
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": generated_at.isoformat(),
        **({"link": [{"relation": rel, "url": url} for rel, url in links]} if links else {}),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }
