from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from diary.analytics.day_classes import DAY_FEATURES
from diary.paradigms import MIN_INTERVAL_WEEKS


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a patient, a clinician, or staff. Email is the login."""

    # Removed fields: email is the login and display_name the one name.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", choices=timezone_choices)
    # Set when staff close the account; its data is erased after CLOSED_ACCOUNT_RETENTION_DAYS.
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[misc,assignment]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def role(self) -> str | None:
        if hasattr(self, "patient_profile"):
            return Role.PATIENT
        if hasattr(self, "clinician_profile"):
            return Role.CLINICIAN
        return None


class Role(models.TextChoices):
    PATIENT = "patient"
    CLINICIAN = "clinician"


class HeadacheDayRule(models.TextChoices):
    PREEMPT_4H = "preempt_4h", "PREEMPT: headache of 4 hours or more, or treated"
    TRIAL_30MIN = "trial_30min", "Trials: headache of 30 minutes or more, or treated"


class RecalledBaselineSource(models.TextChoices):
    CLINICIAN = "clinician", "Recalled, entered by the clinic"
    PATIENT = "patient", "Recalled by the patient"


class ReminderChannel(models.TextChoices):
    EMAIL = "email"
    PUSH = "push"


def default_reminder_channels() -> list[str]:
    return [ReminderChannel.EMAIL]


class PatientProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_profile"
    )
    reminder_time = models.TimeField(default=datetime.time(20, 0))
    reminder_channels = models.JSONField(default=default_reminder_channels, blank=True)
    reminders_enabled = models.BooleanField(default=True)
    weekly_nudge_enabled = models.BooleanField(default=True)
    treatment_messages_enabled = models.BooleanField(default=True)
    headache_day_rule = models.CharField(
        max_length=16, choices=HeadacheDayRule.choices, default=HeadacheDayRule.PREEMPT_4H
    )
    # A clinician-entered baseline, used only when the diary holds no pre-treatment window.
    recalled_baseline_headache_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(28)]
    )
    # Who gave the recalled figure and when: a patient may give it in the app's first run.
    # Database defaults on the columns added for the first run and the diary's durations, so
    # rows written by raw SQL (the bench's COPY, its bare write) stay valid.
    recalled_baseline_source = models.CharField(
        max_length=16, choices=RecalledBaselineSource.choices, blank=True, db_default=""
    )
    recalled_baseline_entered_at = models.DateTimeField(null=True, blank=True)
    # The first run (sign-up questions) was finished or skipped.
    onboarded = models.BooleanField(default=False, db_default=False)
    # The first run's answer about current preventive medicines, as the patient wrote it. Free
    # text on purpose: a structured preventive history (api.md "Treatment course file") is a
    # planned feature with its own names, not this.
    preventive_medicines_note = models.TextField(max_length=2000, blank=True, db_default="")
    # Set on every write to the patient's record (in the diary write's own statement), so the
    # nightly scan visits only patients with new data and cached trends know they are stale.
    # Not indexed: the scan compares it with last_scanned_at in the same row, which no index on
    # it alone serves, and leaving it out keeps each diary write's update of this row cheap.
    data_changed_at = models.DateTimeField(default=timezone.now)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optional identifiers the clinic's report prints beside the email.
    full_name = models.CharField(max_length=200, blank=True, db_default="")
    date_of_birth = models.DateField(null=True, blank=True)
    clinic_number = models.CharField(max_length=64, blank=True, db_default="")

    def __str__(self) -> str:
        return str(self.user)


class ClinicianProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_profile"
    )
    clinic = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)


class Clinic(models.Model):
    """A team of clinicians and nurses sharing a caseload: a patient's link is to the clinic."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ClinicRole(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"


class ClinicMember(models.Model):
    """A clinician profile's place in a clinic. Nurses read patients' data and record
    injections, side effects and reviews; clinicians also sign off reports."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="members")
    clinician = models.OneToOneField(
        ClinicianProfile, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=16, choices=ClinicRole.choices, default=ClinicRole.CLINICIAN)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "id"]

    def __str__(self) -> str:
        return f"{self.clinician} ({self.role}, {self.clinic})"

    @property
    def signs_off_reports(self) -> bool:
        return self.role == ClinicRole.CLINICIAN


class CareLinkQuerySet(models.QuerySet["CareLink"]):
    def active(self) -> CareLinkQuerySet:
        return self.filter(clinician__isnull=False, revoked_at__isnull=True)


class CareLink(models.Model):
    """A patient's consent for one clinician to read the diary, made with a one-time code."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="care_links")
    clinician = models.ForeignKey(
        ClinicianProfile,
        on_delete=models.CASCADE,
        related_name="care_links",
        null=True,
        blank=True,
    )
    # The clinic of the member who redeemed the code: every member sees the patient.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="care_links", null=True, blank=True
    )
    # Only a digest of the code is stored; the code itself is shown once to the patient.
    code_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CareLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=Q(revoked_at__isnull=True, clinician__isnull=False),
                name="one_active_link_per_patient_and_clinician",
            ),
            models.UniqueConstraint(
                fields=["patient", "clinic"],
                condition=Q(revoked_at__isnull=True, clinic__isnull=False),
                name="one_active_link_per_patient_and_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} → {self.clinician or 'unredeemed'}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.clinician_id:
            return "active"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class MedicationClass(models.TextChoices):
    SIMPLE_ANALGESIC = "simple_analgesic", "Simple analgesic"
    TRIPTAN = "triptan", "Triptan"
    ERGOT = "ergot", "Ergot"
    OPIOID = "opioid", "Opioid"
    COMBINATION_ANALGESIC = "combination_analgesic", "Combination analgesic"
    GEPANT = "gepant", "Gepant"
    DITAN = "ditan", "Ditan"
    OTHER = "other", "Other"


class Medication(models.Model):
    """An acute medicine: from the shared catalogue (no owner) or added by a patient."""

    name = models.CharField(max_length=100)
    medication_class = models.CharField(max_length=32, choices=MedicationClass.choices)
    owner = models.ForeignKey(
        PatientProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_medications",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                name="unique_medication_name_per_owner",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.name


class MedicationAlias(models.Model):
    """Another name a catalogue medicine is known by (a brand), found like its own name."""

    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="unique_medication_alias")]

    def __str__(self) -> str:
        return f"{self.name} ({self.medication})"


class DurationBand(models.TextChoices):
    """How long a headache lasted, cut at the headache-day rules' thresholds (4 h, 30 min)."""

    UNDER_30_MIN = "under_30_min", "Under 30 minutes"
    FROM_30_MIN_TO_4_H = "30_min_to_4_h", "30 minutes to 4 hours"
    FOUR_H_OR_MORE = "4_h_or_more", "4 hours or more"


class Relief(models.TextChoices):
    """Did the medicine help within 2 hours."""

    NONE = "none", "No relief"
    SOME = "some", "Some relief"
    FULL = "full", "Full relief"


class DiaryDay(models.Model):
    """The raw facts a patient logged for one calendar day in their own time zone."""

    patient = models.ForeignKey(
        PatientProfile,
        on_delete=models.CASCADE,
        related_name="diary_days",
        # The (patient, date) indexes serve every lookup by patient.
        db_index=False,
    )
    date = models.DateField()
    headache = models.BooleanField()
    duration_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
    )
    # Instead of hours: one of the bands the app offers (blank when hours were given).
    duration_band = models.CharField(
        max_length=16, choices=DurationBand.choices, blank=True, db_default=""
    )
    # False only for a headache stored without any duration (imported, or logged before the
    # app asked): counted apart, never as headache-free (clinical.md, "Duration").
    duration_known = models.BooleanField(default=True, db_default=True)
    peak_severity = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    unilateral = models.BooleanField(default=False)
    pulsating = models.BooleanField(default=False)
    aggravated_by_activity = models.BooleanField(default=False)
    nausea = models.BooleanField(default=False)
    vomiting = models.BooleanField(default=False)
    photophobia = models.BooleanField(default=False)
    phonophobia = models.BooleanField(default=False)
    aura = models.BooleanField(default=False)
    disability = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    notes = models.TextField(max_length=2000, blank=True)
    # Null: not answered that day.
    menstruation = models.BooleanField(null=True, blank=True)
    # Bumped on every write; the ETag a client sends back in If-Match.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    FEATURES = DAY_FEATURES

    class Meta:
        ordering = ["date"]
        indexes = [
            # A patient's diary, with what the analytics read of each day, in one index range:
            # the nightly scan's chunks and the trends read it without visiting the table, whose
            # pages hold a day of many patients each. PostgreSQL only; SQLite builds the index
            # without the included columns.
            models.Index(
                fields=["patient", "date"],
                include=[
                    "id",
                    "headache",
                    "duration_hours",
                    "duration_band",
                    "duration_known",
                    "peak_severity",
                    *DAY_FEATURES,
                ],
                name="diary_day_analysed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="one_diary_day_per_date"),
            models.CheckConstraint(condition=Q(peak_severity__lte=3), name="peak_severity_0_to_3"),
            models.CheckConstraint(condition=Q(disability__lte=3), name="disability_0_to_3"),
            models.CheckConstraint(
                condition=Q(duration_hours__isnull=True)
                | Q(duration_hours__gte=0, duration_hours__lte=24),
                name="duration_0_to_24_hours",
            ),
            models.CheckConstraint(
                condition=Q(headache=True)
                | Q(peak_severity=0, duration_hours__isnull=True)
                | Q(peak_severity=0, duration_hours=0),
                name="no_severity_or_duration_without_headache",
            ),
            models.CheckConstraint(
                condition=Q(headache=True) | Q(duration_band=""),
                name="no_duration_band_without_headache",
            ),
            # A headache has hours, a band, or is marked as of unknown duration: never by accident.
            models.CheckConstraint(
                condition=Q(headache=False)
                | Q(duration_hours__isnull=False)
                | ~Q(duration_band="")
                | Q(duration_known=False),
                name="headache_duration_given_or_marked_unknown",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.date}"

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.revision}"'


class MedicationIntake(models.Model):
    # Looked up through the unique (diary day, medicine) index, which begins with the day.
    diary_day = models.ForeignKey(
        DiaryDay, on_delete=models.CASCADE, related_name="intakes", db_index=False
    )
    # The day's patient, kept beside the day: the scan reads a chunk's intakes by patient, one
    # index range each, where probing the intakes of each of its 36,000 days was most of its
    # read. Set by every write of an intake (``save`` fills it from the day when left out).
    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="intakes")
    doses = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    # Blank: not answered.
    relief = models.CharField(max_length=8, choices=Relief.choices, blank=True, db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["diary_day", "medication"], name="one_intake_per_medication_per_day"
            ),
            models.CheckConstraint(condition=Q(doses__gte=1), name="intake_doses_positive"),
        ]
        indexes = [
            models.Index(fields=["patient", "diary_day", "medication"], name="intake_by_patient")
        ]

    def __str__(self) -> str:
        return f"{self.medication} x{self.doses}"

    def save(self, *args, **kwargs) -> None:
        if self.patient_id is None:
            self.patient_id = self.diary_day.patient_id
        super().save(*args, **kwargs)


class DiaryDayRevision(models.Model):
    """An earlier version of a diary day, kept whenever the day is replaced or deleted.

    ``entry`` holds the day's facts and intakes as they were (``diary.entries``), so any save
    can be undone and a correction never loses what was there.
    """

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="diary_day_revisions"
    )
    date = models.DateField()
    # The revision number the replaced version had (its ETag's second part); a day deleted and
    # logged again starts at 1 again, so versions are told apart by id.
    revision = models.PositiveIntegerField()
    entry = models.JSONField()
    deleted = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["patient", "date", "-id"]
        indexes = [models.Index(fields=["patient", "date"], name="diary_day_revision_by_day")]

    def __str__(self) -> str:
        return f"{self.patient} {self.date} r{self.revision}"


class Paradigm(models.TextChoices):
    PREEMPT = "preempt", "PREEMPT fixed sites (155 U)"
    PREEMPT_FOLLOW_THE_PAIN = "preempt_follow_the_pain", "PREEMPT with follow-the-pain (≤195 U)"
    CUSTOM = "custom", "Custom"


class Muscle(models.TextChoices):
    PROCERUS = "procerus"
    CORRUGATOR = "corrugator"
    FRONTALIS = "frontalis"
    TEMPORALIS = "temporalis"
    OCCIPITALIS = "occipitalis"
    CERVICAL_PARASPINAL = "cervical_paraspinal", "Cervical paraspinal"
    TRAPEZIUS = "trapezius"
    MASSETER = "masseter"
    OTHER = "other"


class Side(models.TextChoices):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


class InjectionSource(models.TextChoices):
    CLINIC = "clinic", "Recorded by the clinic"
    PATIENT = "patient", "Reported by the patient"


class CurrentInjectionSessionManager(models.Manager["InjectionSession"]):
    """Sessions not voided: a record voided as entered in error leaves every analysis."""

    def get_queryset(self) -> models.QuerySet[InjectionSession]:
        return super().get_queryset().filter(voided_at__isnull=True)


class InjectionSession(models.Model):
    """One onabotulinumtoxinA treatment session; each starts a treatment cycle."""

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="injection_sessions"
    )
    date = models.DateField()
    product = models.CharField(max_length=64, default="onabotulinumtoxinA")
    total_units = models.DecimalField(max_digits=5, decimal_places=1)
    paradigm = models.CharField(max_length=32, choices=Paradigm.choices, default=Paradigm.PREEMPT)
    injector = models.CharField(max_length=150, blank=True)
    lot = models.CharField(max_length=64, blank=True)
    planned_interval_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(10), MaxValueValidator(52)]
    )
    notes = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(
        max_length=16,
        choices=InjectionSource.choices,
        default=InjectionSource.CLINIC,
        db_default=InjectionSource.CLINIC,
    )
    # A patient's own report stays unconfirmed until the clinic records the session.
    confirmed = models.BooleanField(default=True, db_default=True)
    # Why a session came less than MIN_INTERVAL_WEEKS after the previous one.
    early_reason = models.TextField(max_length=2000, blank=True, db_default="")
    version = models.PositiveIntegerField(default=1, db_default=1)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(max_length=2000, blank=True, db_default="")

    with_voided = models.Manager()
    objects = CurrentInjectionSessionManager()

    class Meta:
        ordering = ["date"]
        default_manager_name = "objects"
        base_manager_name = "with_voided"
        constraints = [
            models.CheckConstraint(condition=Q(total_units__gt=0), name="total_units_positive"),
            models.CheckConstraint(
                condition=Q(planned_interval_weeks__gte=10), name="interval_at_least_10_weeks"
            ),
            models.UniqueConstraint(
                fields=["patient", "date"],
                condition=Q(voided_at__isnull=True),
                name="one_current_session_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.date} {self.total_units} U"


class InjectionChange(models.TextChoices):
    RECORDED = "recorded"
    EDITED = "edited"
    CONFIRMED = "confirmed", "confirmed by the clinic"
    VOIDED = "voided", "voided as entered in error"


class InjectionSessionVersion(models.Model):
    """One version of a session's record: what it said after each change, who made it, when."""

    session = models.ForeignKey(InjectionSession, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=16, choices=InjectionChange.choices)
    data = models.JSONField()
    reason = models.TextField(max_length=2000, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_email = models.EmailField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} v{self.number} {self.change}"


class InjectionSite(models.Model):
    session = models.ForeignKey(InjectionSession, on_delete=models.CASCADE, related_name="sites")
    muscle = models.CharField(max_length=32, choices=Muscle.choices)
    side = models.CharField(max_length=8, choices=Side.choices)
    units = models.DecimalField(max_digits=5, decimal_places=1)
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="site_units_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="site_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.muscle} {self.side} {self.units} U"


class SideEffectKind(models.TextChoices):
    NECK_PAIN = "neck_pain", "Neck pain"
    NECK_WEAKNESS = "neck_weakness", "Neck or shoulder weakness"
    PTOSIS = "ptosis", "Drooping eyelid"
    BROW_PTOSIS = "brow_ptosis", "Drooping or uneven brow"
    INJECTION_SITE_PAIN = "injection_site_pain", "Pain at injection sites"
    HEADACHE_FLARE = "headache_flare", "Headache flare after injection"
    DYSPHAGIA = "dysphagia", "Trouble swallowing"
    DYSPHONIA = "dysphonia", "Trouble speaking"
    BREATHING_DIFFICULTY = "breathing_difficulty", "Trouble breathing"
    OTHER = "other", "Other"


# Spread of toxin effect: the boxed warning says to seek care at once.
RED_FLAG_SIDE_EFFECTS = frozenset(
    {SideEffectKind.DYSPHAGIA, SideEffectKind.DYSPHONIA, SideEffectKind.BREATHING_DIFFICULTY}
)


class SideEffectReport(models.Model):
    session = models.ForeignKey(
        InjectionSession, on_delete=models.CASCADE, related_name="side_effects"
    )
    kind = models.CharField(max_length=32, choices=SideEffectKind.choices)
    onset_date = models.DateField()
    severity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    notes = models.TextField(max_length=2000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["onset_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="side_effect_severity_1_to_3"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} after {self.session}"

    @property
    def is_red_flag(self) -> bool:
        return self.kind in RED_FLAG_SIDE_EFFECTS


class FlagKind(models.TextChoices):
    WEAR_OFF = "wear_off", "End-of-cycle wear-off"
    MEDICATION_OVERUSE = "medication_overuse", "Medication overuse"
    NON_RESPONSE = "non_response", "Non-response"
    EPISODIC = "episodic", "Episodic for 3 months"
    SIDE_EFFECT_RED_FLAG = "side_effect_red_flag", "Red-flag side effect"
    LOW_ADHERENCE = "low_adherence", "Low diary adherence"


class FlagStatus(models.TextChoices):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


# A flag still under review: new, or seen and not yet closed; a kind has one at a time.
UNDER_REVIEW = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class FlagDecision(models.TextChoices):
    SHORTEN_INTERVAL = "shorten_interval", f"Shorten interval to {MIN_INTERVAL_WEEKS} weeks"
    RAISE_DOSE = "raise_dose", "Raise dose"
    BRIDGE = "bridge", "Bridging treatment"
    NO_CHANGE = "no_change", "No change"
    OTHER = "other", "Other"
    WITHDRAW_ACUTE = "withdraw_acute", "Plan withdrawal of the overused medicine"
    LIMIT_ACUTE = "limit_acute", "Advise fewer acute-medicine days"
    CONTINUE = "continue", "Continue treatment and judge again after the next cycle"
    STOP_TREATMENT = "stop_treatment", "Stop onabotulinumtoxinA"
    PAUSE_TREATMENT = "pause_treatment", "Pause treatment and re-evaluate"
    URGENT_ASSESSMENT = "urgent_assessment", "Patient assessed urgently"
    REFERRED_EMERGENCY = "referred_emergency", "Referred to emergency care"
    ADJUST_TECHNIQUE = "adjust_technique", "Adjust technique at the next session"
    CONTACT_PATIENT = "contact_patient", "Contact the patient about keeping the diary"


# The decisions a review of each kind of flag may end in (clinical.md: wear-off is met by a
# shorter interval, more units or bridging; overuse by withdrawal; non-response and episodic
# by the NICE/EHF stopping rules, with late responders in mind; a red flag by urgent care).
FLAG_DECISIONS: dict[str, tuple[str, ...]] = {
    "wear_off": (
        FlagDecision.SHORTEN_INTERVAL,
        FlagDecision.RAISE_DOSE,
        FlagDecision.BRIDGE,
        FlagDecision.NO_CHANGE,
        FlagDecision.OTHER,
    ),
    "medication_overuse": (
        FlagDecision.WITHDRAW_ACUTE,
        FlagDecision.LIMIT_ACUTE,
        FlagDecision.NO_CHANGE,
        FlagDecision.OTHER,
    ),
    "non_response": (
        FlagDecision.CONTINUE,
        FlagDecision.RAISE_DOSE,
        FlagDecision.STOP_TREATMENT,
        FlagDecision.OTHER,
    ),
    "episodic": (
        FlagDecision.PAUSE_TREATMENT,
        FlagDecision.CONTINUE,
        FlagDecision.OTHER,
    ),
    "side_effect_red_flag": (
        FlagDecision.URGENT_ASSESSMENT,
        FlagDecision.REFERRED_EMERGENCY,
        FlagDecision.ADJUST_TECHNIQUE,
        FlagDecision.STOP_TREATMENT,
        FlagDecision.OTHER,
    ),
    "low_adherence": (
        FlagDecision.CONTACT_PATIENT,
        FlagDecision.NO_CHANGE,
        FlagDecision.OTHER,
    ),
}


def flag_decisions(kind: str) -> tuple[str, ...]:
    """A kind this table does not know yet gets the neutral decisions only."""
    return FLAG_DECISIONS.get(kind, (FlagDecision.NO_CHANGE, FlagDecision.OTHER))


class ReviewFlag(models.Model):
    """A pattern found by the analysis, waiting for a clinician's review."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=32, choices=FlagKind.choices)
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    evidence = models.JSONField(default=dict, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    decision = models.CharField(max_length=32, choices=FlagDecision.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    assignee = models.ForeignKey(
        ClinicMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_flags",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Rescanning must never open a second flag of a kind still under review.
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(status__in=UNDER_REVIEW),
                name="one_open_flag_per_patient_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.patient} ({self.status})"


class PushSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.endpoint[:60]


class AccessEvent(models.Model):
    """Who other than the patient viewed, exported or changed the patient's data (diary.audit).

    Kept after the patient's erasure, for AUDIT_RETENTION_DAYS, with only the pseudonym.
    """

    class Action(models.TextChoices):
        VIEW = "view"
        EXPORT = "export"
        CHANGE = "change"

    patient = models.ForeignKey(
        PatientProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
    )
    patient_pseudonym = models.CharField(max_length=16, db_index=True, default="")
    patient_erased_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_email = models.EmailField()
    action = models.CharField(max_length=16, choices=Action.choices)
    resource = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.resource}"


class TreatmentBaseline(models.Model):
    """A treatment course's pre-treatment baseline, frozen when the course starts.

    Payers have stopped paying once a patient improved, so the figure before the course's first
    injection must stay as it was even if days before it are edited later. One per treatment
    course (a pause longer than twice the planned interval starts a new one), keyed by the
    course's first injection, so recording an earlier course never replaces it. Counts are
    stored per headache-day rule set, since a clinic may switch rule sets after the freeze.
    """

    class Source(models.TextChoices):
        DIARY = "diary", "Diary"
        RECALLED = "recalled", "Recalled"
        # Neither a sufficient diary nor a recalled figure when the course started: a figure
        # entered later replaces it, marked as entered after treatment began.
        NONE = "none", "None"

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="treatment_baselines"
    )
    first_injection_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    logged_days = models.PositiveSmallIntegerField()
    # {rule name: {"headache_days": n, "migraine_days": n, "moderate_severe_days": n, ...}}
    counts = models.JSONField(default=dict)
    frozen_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.DIARY)
    # Too few of the diary days were created before the first injection: typed in afterwards,
    # from memory, so not a prospective diary baseline.
    retrospective = models.BooleanField(default=False)
    recalled_headache_days = models.PositiveSmallIntegerField(null=True, blank=True)
    entered_after_treatment_began = models.BooleanField(default=False)
    # The window's acute medication: a response may be withdrawal from overuse.
    acute_medication_days = models.PositiveSmallIntegerField(default=0)
    acute_medication_days_by_class = models.JSONField(default=dict)
    # The ICHD-3 8.2 status on the window's last day; empty for baselines frozen before it was.
    overuse_status = models.CharField(max_length=16, blank=True)

    # What freezing records of the course's baseline window (services and the export read it).
    FROZEN_FIELDS = (
        "window_start",
        "window_end",
        "logged_days",
        "counts",
        "frozen_at",
        "source",
        "retrospective",
        "recalled_headache_days",
        "entered_after_treatment_began",
        "acute_medication_days",
        "acute_medication_days_by_class",
        "overuse_status",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "first_injection_date"], name="one_baseline_per_course"
            )
        ]

    def __str__(self) -> str:
        return f"baseline of {self.patient} before {self.first_injection_date}"


class ReportKind(models.TextChoices):
    TREATMENT_REVIEW = "treatment_review", "Treatment review"
    AUTHORIZATION = "authorization", "Authorization"


class ReportSignOff(models.Model):
    """A clinician of the clinic signing off a patient's report as of a day; nurses prepare
    reports but do not sign them off (api.md, "Clinics and teams")."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="sign_offs")
    kind = models.CharField(
        max_length=32, choices=ReportKind.choices, default=ReportKind.TREATMENT_REVIEW
    )
    as_of = models.DateField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signed_by_name = models.CharField(max_length=150)
    clinic = models.ForeignKey(Clinic, on_delete=models.SET_NULL, null=True, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.patient} signed off by {self.signed_by_name}"
