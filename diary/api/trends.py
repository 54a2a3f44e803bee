"""Trends: the patient's counts, baseline, cycles, response and overuse, from one read."""

from __future__ import annotations

from datetime import date
from typing import get_args

from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from diary import selectors
from diary.analytics import cycles as cycle_rules
from diary.analytics import verdicts
from diary.api.permissions import IsClinicianElseNotFound, IsPatient
from diary.api.serializers import DateRangeSerializer
from diary.audit import record_access
from diary.models import HeadacheDayRule, MedicationClass, PatientProfile
from diary.timelines import patient_trends


class TrendsQuerySerializer(DateRangeSerializer):
    rule = serializers.ChoiceField(choices=HeadacheDayRule.choices, required=False)


# Trends are read far more often than the diary changes, and computing them is the costly part
# (every day classified, cycles, exact tests). The key carries everything the payload depends
# on, the patient's data_changed_at included, so a write makes a new key and nothing needs
# invalidating (a write during a cache outage cannot leave a stale entry behind). The day
# bound lets entries for past days expire.
TRENDS_CACHE_SECONDS = 24 * 60 * 60
# No entry bigger than this is cached, so one patient cannot fill Redis with a few keys. The
# largest legitimate payload, ten years of daily entries with 40 cycles, measured 0.35 MB.
TRENDS_CACHE_MAX_BYTES = 1024 * 1024


def trends_cache_key(
    *, patient: PatientProfile, date_from: date | None, date_to: date, rule: str
) -> str:
    return ":".join(
        str(part)
        for part in (
            "trends",
            patient.pk,
            patient.data_changed_at.timestamp(),
            patient.recalled_baseline_headache_days,
            rule,
            date_from,
            date_to,
        )
    )


def trends_response(request, *, patient: PatientProfile) -> HttpResponse:
    query = TrendsQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    today = selectors.local_today(user=patient.user)
    date_to = query.validated_data.get("to") or today
    if date_to > today:
        raise serializers.ValidationError({"to": ["'to' must not be after today."]})
    date_from = query.validated_data.get("from")
    if date_from is not None and date_from > date_to:
        raise serializers.ValidationError({"from": ["'from' must not be after 'to'."]})
    if date_from is not None and (date_to - date_from).days > DateRangeSerializer.MAX_DAYS:
        # A 'from' alone used to skip the cap that holds when both dates are given.
        raise serializers.ValidationError({"from": ["The range may span ten years."]})
    rule = query.validated_data.get("rule") or patient.headache_day_rule
    key = trends_cache_key(patient=patient, date_from=date_from, date_to=date_to, rule=rule)
    rendered = cache.get(key)
    if rendered is None:
        rendered = JSONRenderer().render(
            patient_trends(patient=patient, date_from=date_from, date_to=date_to, rule=rule)
        )
        if len(rendered) <= TRENDS_CACHE_MAX_BYTES:
            cache.set(key, rendered, TRENDS_CACHE_SECONDS)
    return HttpResponse(rendered, content_type="application/json")


# Schema: documents the payload ``diary.analytics.trends.trends_payload`` builds. -------------


class DayCountsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    elapsed_days = serializers.IntegerField(help_text="Days of the period up to 'to'.")
    logged_days = serializers.IntegerField(help_text="Days with an entry: what counts rest on.")
    missing_days = serializers.IntegerField(help_text="Days without an entry; never headache-free.")
    sufficient = serializers.BooleanField(
        help_text="At least 20 of 28 days logged (scaled to the period's length)."
    )
    headache_days = serializers.IntegerField()
    migraine_days = serializers.IntegerField()
    moderate_severe_days = serializers.IntegerField()
    acute_medication_days = serializers.IntegerField()
    acute_medication_days_by_class = serializers.DictField(
        child=serializers.IntegerField(), help_text="Keys are medication classes."
    )
    duration_unknown_days = serializers.IntegerField(
        help_text="Untreated headaches whose duration was not recorded (imported or older days): "
        "not counted as headache days, never headache-free."
    )
    headache_days_per_28 = serializers.FloatField(
        allow_null=True, help_text="Prorated over logged days; null when insufficient."
    )
    headache_day_rate = serializers.FloatField(
        allow_null=True, help_text="Headache days / logged days."
    )


class WindowSerializer(DayCountsSerializer):
    index = serializers.IntegerField(
        help_text="28-day windows from the first injection: 0 is the first, -1 the baseline."
    )
    complete = serializers.BooleanField()


class MonthSerializer(DayCountsSerializer):
    month = serializers.CharField(help_text="YYYY-MM")
    complete = serializers.BooleanField()
    episodic = serializers.BooleanField(
        allow_null=True, help_text="< 15 headache days (prorated); null for the running month."
    )


class CycleWeekSerializer(DayCountsSerializer):
    week = serializers.IntegerField(help_text="Cycle week 1 is days 0-6 after the injection.")


class WindowFigureSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    logged_days = serializers.IntegerField()
    min_logged_days = serializers.IntegerField(
        help_text="The logging floor: 20 of 28 days, or the same share of a longer window."
    )
    headache_days = serializers.IntegerField()
    migraine_or_moderate_severe_days = serializers.IntegerField()
    headache_days_per_28 = serializers.FloatField(
        allow_null=True, help_text="Null below the logging floor."
    )
    migraine_or_moderate_severe_days_per_28 = serializers.FloatField(allow_null=True)
    percent_change = serializers.FloatField(allow_null=True)


class CycleResponseSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    cycle_in_course = serializers.IntegerField(
        help_text="The cycle's number in its treatment course (a pause longer than twice the "
        "planned interval starts a new course)."
    )
    baseline_per_28 = serializers.FloatField(allow_null=True)
    window_closed = serializers.BooleanField(
        help_text="The next injection came, or the planned interval is over."
    )
    window = WindowFigureSerializer(
        allow_null=True,
        help_text="Days 7 to the planned interval (or the day before an early next injection); "
        "null when the cycle ended before its day 7.",
    )
    last_28_days = WindowFigureSerializer(
        help_text="The last 28 days of the planned interval (PREEMPT's endpoint)."
    )
    overdue_days = serializers.IntegerField(
        help_text="Days after the planned interval before the next injection: no verdict's."
    )
    overdue_weeks = serializers.FloatField()
    overdue_logged_days = serializers.IntegerField()
    overdue_headache_days = serializers.IntegerField()
    assessable = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the cycle is not assessable; empty when it is.")
    percent_change = serializers.FloatField(allow_null=True)
    responder_30 = serializers.BooleanField(allow_null=True)
    responder_50 = serializers.BooleanField(allow_null=True)


class CycleSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateField(help_text="The injection day (cycle day 0).")
    end = serializers.DateField(help_text="The day before the next injection, or 'to'.")
    next_injection = serializers.DateField(allow_null=True)
    complete = serializers.BooleanField()
    length_days = serializers.IntegerField()
    length_weeks = serializers.FloatField()
    planned_interval_weeks = serializers.IntegerField()
    weeks = CycleWeekSerializer(many=True)
    plateau = DayCountsSerializer(help_text=f"{cycle_rules.plateau_label().capitalize()}.")
    end_of_cycle = DayCountsSerializer(
        allow_null=True,
        help_text=f"{cycle_rules.end_of_cycle_label().capitalize()} to the next injection or 'to'.",
    )
    planned_end = serializers.DateField(help_text="The last day of the planned interval.")
    response_window = CycleResponseSerializer()


class TreatmentBaselineSerializer(serializers.Serializer):
    # The serializer metaclass takes declared fields off the class, so this field leaves
    # Field.source alone; the stubs cannot see that.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["diary", "recalled", "none"]
    )
    first_injection = serializers.DateField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    logged_days = serializers.IntegerField(allow_null=True)
    headache_days = serializers.IntegerField(allow_null=True)
    migraine_days = serializers.IntegerField(allow_null=True)
    moderate_severe_days = serializers.IntegerField(allow_null=True)
    headache_days_per_28 = serializers.FloatField(allow_null=True)
    sufficient = serializers.BooleanField()
    frozen = serializers.BooleanField()
    message = serializers.CharField(
        help_text="Where the baseline comes from, when it was frozen, whether it is "
        "retrospective or was entered after treatment began, and its acute medication."
    )
    course = serializers.IntegerField(
        help_text="The treatment course (a pause longer than twice the planned interval starts "
        "a new one, with its own baseline)."
    )
    retrospective = serializers.BooleanField(
        help_text="Most diary days of the window were created after the first injection."
    )
    entered_after_treatment_began = serializers.BooleanField()
    acute_medication_days = serializers.IntegerField(allow_null=True)
    acute_medication_days_by_class = serializers.DictField(child=serializers.IntegerField())
    overuse_status = serializers.CharField(
        help_text="ICHD-3 8.2 status on the window's last day; empty when not recorded."
    )


class CriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "not_met", "unknown"])
    text = serializers.CharField()


class StoppingRuleSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The rule and whether it is met, ready to show.")
    met = serializers.BooleanField()
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM")


class GuidelineVerdictSerializer(serializers.Serializer):
    guideline = serializers.ChoiceField(choices=["nice_ta260", "ehf_2018", "ahs_2021", "ihs_2025"])
    title = serializers.CharField()
    status = serializers.ChoiceField(
        choices=list(get_args(verdicts.Status)),
        help_text="ahs_2021 is 'unknown' below 50 % (no questionnaire recorded); ihs_2025 gives "
        "its band (freedom, optimal, modest, insufficient); nice_ta260 and ehf_2018 are "
        "'stop_when_well' when their stopping rule for a patient doing well is met.",
    )
    text = serializers.CharField(help_text="The verdict with its figures or reason, ready to show.")
    patient_message = serializers.CharField(
        help_text="The reason in the patient's words; empty when none."
    )
    rule = serializers.CharField(help_text="The guideline's rule in words.")
    after_cycle = serializers.IntegerField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    window_days = serializers.IntegerField(allow_null=True)
    logged_days = serializers.IntegerField(allow_null=True)
    min_logged_days = serializers.IntegerField(allow_null=True)
    figures = serializers.DictField(child=serializers.FloatField(allow_null=True))
    reason = serializers.CharField(help_text="Why it is not assessable; empty when it is.")
    notes = serializers.ListField(child=serializers.CharField())
    criteria = CriterionSerializer(many=True)
    stopping_rule = StoppingRuleSerializer(allow_null=True)


class TreatmentResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["not_yet_assessable", "not_assessable", "responder", "non_responder"]
    )
    assessable = serializers.BooleanField(
        help_text="False before cycle 2's window is over, or below the logging floor."
    )
    message = serializers.CharField(help_text="The response or why not assessable, ready to show.")
    patient_message = serializers.CharField(
        allow_null=True, help_text="The same in plain words, for the patient's own app."
    )
    cycles_completed = serializers.IntegerField(
        help_text="Cycles of the current course given and past their response window."
    )
    assessed_after_cycle = serializers.IntegerField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    window_days = serializers.IntegerField(allow_null=True)
    min_logged_days = serializers.IntegerField(allow_null=True)
    logged_days = serializers.IntegerField(allow_null=True)
    headache_days = serializers.IntegerField(allow_null=True)
    baseline_headache_days_per_28 = serializers.FloatField(allow_null=True)
    headache_days_per_28 = serializers.FloatField(allow_null=True)
    percent_change = serializers.FloatField(allow_null=True)
    responder_30 = serializers.BooleanField(allow_null=True)
    responder_50 = serializers.BooleanField(allow_null=True)
    last_28_days = WindowFigureSerializer(
        allow_null=True, help_text="PREEMPT's figure: the last 28 days of the judged cycle."
    )
    overdue_days = serializers.IntegerField()
    overdue_logged_days = serializers.IntegerField()
    overdue_headache_days = serializers.IntegerField()
    verdicts = GuidelineVerdictSerializer(many=True)


class OveruseMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    complete = serializers.BooleanField()
    enough_data = serializers.BooleanField(
        help_text="A threshold met, or enough days logged to say none was."
    )
    logged_days = serializers.IntegerField()
    days_by_class = serializers.DictField(child=serializers.IntegerField())
    any_ichd3_class_days = serializers.IntegerField()
    over_threshold = serializers.ListField(child=serializers.CharField())


class MedicationOveruseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["none", "at_risk", "overuse", "not_enough_data"])
    message = serializers.CharField()
    patient_message = serializers.CharField(help_text="The same in plain words, for the patient.")
    months_over_threshold = serializers.IntegerField(
        help_text="Consecutive months with some threshold met, whichever class crossed."
    )
    consecutive_months_over_threshold = serializers.DictField(child=serializers.IntegerField())
    thresholds_days_per_month = serializers.DictField(child=serializers.IntegerField())
    months = OveruseMonthSerializer(many=True)


class CycleWearOffSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    plateau_logged_days = serializers.IntegerField()
    plateau_headache_days = serializers.IntegerField()
    end_logged_days = serializers.IntegerField()
    end_headache_days = serializers.IntegerField()
    plateau_rate = serializers.FloatField(allow_null=True)
    end_rate = serializers.FloatField(allow_null=True)
    risk_difference = serializers.FloatField(
        allow_null=True,
        help_text="Rise in the share of logged days with headache, end minus plateau, after "
        "the correction for fewer days logged at the end.",
    )
    p_value = serializers.FloatField(
        allow_null=True,
        help_text="One-sided, allowing for day-to-day correlation (wear_off.py).",
    )
    verdict = serializers.ChoiceField(choices=["wear_off", "no_wear_off", "insufficient_data"])
    reason = serializers.CharField()
    plateau_weeks = serializers.CharField(help_text="Cycle weeks of the plateau, e.g. 3-9.")
    end_weeks = serializers.CharField(help_text="Cycle weeks of the end window, e.g. 10-13.")
    end_window_start = serializers.DateField(allow_null=True)
    end_window_end = serializers.DateField(allow_null=True)
    overdue_days = serializers.IntegerField(
        help_text="Days after the planned interval plus one week: left out."
    )
    plateau_completeness = serializers.FloatField(allow_null=True)
    end_completeness = serializers.FloatField(allow_null=True)
    logging_correction = serializers.FloatField(allow_null=True)
    rise_standard_error = serializers.FloatField(allow_null=True)
    plateau_acute_medication_days = serializers.IntegerField()
    end_acute_medication_days = serializers.IntegerField()
    acute_medication_rise = serializers.FloatField(allow_null=True)
    pooled = serializers.BooleanField(help_text="Part of the pooled evidence.")


class WearOffSerializer(serializers.Serializer):
    established = serializers.BooleanField()
    assessed_cycles = serializers.IntegerField()
    wear_off_cycles = serializers.ListField(child=serializers.IntegerField())
    rising_cycles = serializers.ListField(child=serializers.IntegerField())
    pooled_risk_difference = serializers.FloatField(allow_null=True)
    pooled_p_value = serializers.FloatField(allow_null=True)
    cycles = CycleWearOffSerializer(many=True)
    message = serializers.CharField()
    parameters = serializers.DictField(child=serializers.FloatField())
    assessed_cycle_numbers = serializers.ListField(child=serializers.IntegerField())
    assessed_cycle_starts = serializers.ListField(child=serializers.DateField())
    evidence_through = serializers.DateField(
        allow_null=True, help_text="When the last assessed cycle's end window closed."
    )
    pooled_standard_error = serializers.FloatField(allow_null=True)
    pooled_acute_medication_rise = serializers.FloatField(allow_null=True)
    between_cycle_spread = serializers.FloatField(allow_null=True)
    day_correlation = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(
        allow_null=True, help_text="Pooled z statistic; established at parameters.patient_z."
    )


class StoppingRulesSerializer(serializers.Serializer):
    non_response = serializers.BooleanField(help_text="< 30 % reduction after 2 cycles (NICE).")
    episodic_3_months = serializers.BooleanField(help_text="< 15 headache days for 3 months.")
    below_ehf_limit_3_months = serializers.BooleanField(
        help_text="< 10 headache days a month for 3 months (EHF 2018)."
    )
    episodic_months = serializers.ListField(child=serializers.CharField())


class ReliefCountsSerializer(serializers.Serializer):
    intakes = serializers.IntegerField()
    answered = serializers.IntegerField(help_text="Intakes whose 'did it help?' was answered.")
    none_relief = serializers.IntegerField()
    some_relief = serializers.IntegerField()
    full_relief = serializers.IntegerField()
    relief_share = serializers.FloatField(
        allow_null=True, help_text="Some or full relief within 2 h, over answered intakes."
    )
    full_relief_share = serializers.FloatField(allow_null=True)


class ClassReliefSerializer(ReliefCountsSerializer):
    medication_class = serializers.ChoiceField(choices=MedicationClass.choices)


class MedicationReliefSerializer(ReliefCountsSerializer):
    medication = serializers.IntegerField()
    name = serializers.CharField()
    medication_class = serializers.ChoiceField(choices=MedicationClass.choices)


class AcuteMedicationReliefSerializer(serializers.Serializer):
    by_class = ClassReliefSerializer(many=True)
    by_medication = MedicationReliefSerializer(many=True)


class MenstrualWindowSerializer(serializers.Serializer):
    day_1 = serializers.DateField(help_text="First day of the menstruation.")
    start = serializers.DateField(help_text="Day -2.")
    end = serializers.DateField(help_text="Day +3.")
    logged_days = serializers.IntegerField()
    attack = serializers.BooleanField(
        allow_null=True, help_text="A migraine day in the window; null: not assessable."
    )


class MenstrualMigraineSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["not_assessable", "not_met", "menstrually_related", "pure_menstrual"]
    )
    message = serializers.CharField()
    patient_message = serializers.CharField(help_text="The status in plain words.")
    patient_hint = serializers.CharField(help_text="The periods checked, in plain words.")
    criteria = serializers.CharField()
    cycles = MenstrualWindowSerializer(many=True)
    cycles_assessed = serializers.IntegerField()
    cycles_with_attack = serializers.IntegerField()
    attacks_outside_windows = serializers.IntegerField()


class TrendsSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=HeadacheDayRule.choices)
    to = serializers.DateField()
    baseline = TreatmentBaselineSerializer()
    windows = WindowSerializer(many=True)
    months = MonthSerializer(many=True)
    cycles = CycleSerializer(many=True)
    response = TreatmentResponseSerializer()
    medication_overuse = MedicationOveruseSerializer()
    wear_off = WearOffSerializer()
    stopping_rules = StoppingRulesSerializer()
    menstrual_migraine = MenstrualMigraineSerializer(
        allow_null=True,
        help_text="ICHD-3 A1.1 from the days ticked as menstruation in 'from'..'to'; null when "
        "none was ticked.",
    )
    acute_medication_relief = AcuteMedicationReliefSerializer(
        help_text="'Did it help?' answers of the acute medicines taken from 'from' to 'to'."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


TRENDS_PARAMETERS = [
    OpenApiParameter(
        "from",
        date,
        description="First day shown (default: the baseline window, or a year before 'to'); "
        "not after 'to', and at most ten years before it.",
    ),
    OpenApiParameter(
        "to", date, description="As-of day, not after today (default: today in the patient's zone)."
    ),
    OpenApiParameter(
        "rule",
        str,
        enum=[choice for choice, _ in HeadacheDayRule.choices],
        description="Headache-day rule set (default: the patient's headache_day_rule).",
    ),
]
TRENDS_DESCRIPTION = (
    "Baseline, consecutive 28-day windows, calendar months, treatment cycles with their weeks, "
    "response, medication overuse (ICHD-3 8.2) and end-of-cycle wear-off. Every count comes "
    "with the logged days it rests on; missing days are never headache-free. Medication "
    f"classes: {', '.join(MedicationClass.values)}."
)


class TrendsView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        parameters=TRENDS_PARAMETERS,
        responses=TrendsSerializer,
        description=TRENDS_DESCRIPTION,
        operation_id="trends_retrieve",
    )
    def get(self, request):
        return trends_response(request, patient=request.user.patient_profile)


class PatientTrendsView(APIView):
    permission_classes = [IsClinicianElseNotFound]

    @extend_schema(
        parameters=TRENDS_PARAMETERS,
        responses=TrendsSerializer,
        description=TRENDS_DESCRIPTION + " For a linked patient; others answer 404.",
        operation_id="patients_trends_retrieve",
    )
    def get(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        response = trends_response(request, patient=patient)
        record_access(request, patient=patient, action="view")
        return response
