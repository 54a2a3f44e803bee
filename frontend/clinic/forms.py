from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms

from diary.models import ClinicMember, FlagDecision, FlagStatus, Paradigm, flag_decisions
from diary.paradigms import (
    MAX_UNITS_PER_SESSION,
    MIN_INTERVAL_WEEKS,
    PREEMPT_SITES,
    STANDARD_INTERVAL_WEEKS,
    UNITS_STEP,
    SiteDose,
)

# The muscle and side groups the site map offers: PREEMPT's, where follow-the-pain adds too.
SITE_GROUPS: tuple[tuple[str, str], ...] = tuple((site.muscle, site.side) for site in PREEMPT_SITES)


# A registration answer with attestation certificates stays well under this.
MAX_CREDENTIAL_CHARS = 16_000


def site_field_names(muscle: str, side: str) -> tuple[str, str]:
    return f"units_{muscle}_{side}", f"points_{muscle}_{side}"


class LoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasskeyForm(forms.Form):
    """The browser's answer to a WebAuthn ceremony, put in by webauthn.js."""

    credential = forms.CharField(widget=forms.HiddenInput, max_length=MAX_CREDENTIAL_CHARS)

    def clean_credential(self) -> dict:
        try:
            credential = json.loads(self.cleaned_data["credential"])
        except ValueError:
            credential = None
        if not isinstance(credential, dict):
            raise forms.ValidationError("The passkey's answer did not arrive. Try again.")
        return credential


class PasskeyEnrolForm(PasskeyForm):
    name = forms.CharField(
        label="Name for this key",
        max_length=64,
        required=False,
        help_text="So you can tell your keys apart, for example “Clinic laptop” or “YubiKey”.",
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip() or "Passkey"


class PasskeyAddForm(PasskeyEnrolForm):
    """Adding a key to a signed-in account asks for the password again, so that a session left
    open cannot be given a key of someone else's."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PatientDetailsForm(forms.Form):
    """What the clinic's report identifies the patient by, beside the email: all optional."""

    full_name = forms.CharField(max_length=200, required=False, label="Full name")
    date_of_birth = forms.DateField(
        required=False, label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    clinic_number = forms.CharField(max_length=64, required=False, label="Clinic number")

    def clean_date_of_birth(self) -> date | None:
        born = self.cleaned_data["date_of_birth"]
        if born is not None and not date(1900, 1, 1) <= born <= date.today():
            raise forms.ValidationError("Give a date of birth between 1900 and today.")
        return born


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        label="Why is this record void?",
        help_text="For example: entered for the wrong patient, or on the wrong day twice.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the record is void.")
        return reason


class SharingCodeForm(forms.Form):
    code = forms.CharField(
        label="Sharing code",
        max_length=32,
        help_text="The 12-character code the patient's diary app shows, like 7KQ2-M9XD-4HRT. "
        "Dashes and spaces do not matter.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


# clinical.md: a 10-week interval is a clinician's exception no guideline endorses routinely
# (label and EHF: 12 weeks), shown against outcome instead of suggested. So the review lists
# it last, worded as what it is.
EXCEPTIONAL_DECISIONS = (FlagDecision.SHORTEN_INTERVAL,)
DECISION_LABELS: dict[str, str] = {
    FlagDecision.SHORTEN_INTERVAL: (
        f"Interval of {MIN_INTERVAL_WEEKS} weeks instead of {STANDARD_INTERVAL_WEEKS} "
        f"(a clinician's exception, not a guideline's)"
    ),
}


def decision_order(kind: str) -> list[str]:
    decisions = flag_decisions(kind)
    usual = [d for d in decisions if d not in EXCEPTIONAL_DECISIONS]
    return usual + [d for d in decisions if d in EXCEPTIONAL_DECISIONS]


def decision_label(value: str) -> str:
    return DECISION_LABELS.get(value, FlagDecision(value).label)


class FlagReviewForm(forms.Form):
    """A review of one flag: its kind's own decisions, and who in the clinic takes it on."""

    STATUSES = [
        (FlagStatus.ACKNOWLEDGED, "Acknowledge"),
        (FlagStatus.RESOLVED, "Resolve"),
        (FlagStatus.DISMISSED, "Dismiss"),
    ]
    status = forms.ChoiceField(choices=STATUSES, widget=forms.RadioSelect, required=False)
    decision = forms.ChoiceField(choices=[], required=False, label="Decision")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    assignee = forms.TypedChoiceField(
        choices=[], required=False, coerce=int, empty_value=None, label="Assigned to"
    )

    def __init__(self, *args, kind: str, members: list[ClinicMember] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields holds deep copies of the fields declared above, so their classes hold.
        cast(forms.ChoiceField, self.fields["decision"]).choices = [
            ("", "—"),
            *((value, decision_label(value)) for value in decision_order(kind)),
        ]
        cast(forms.TypedChoiceField, self.fields["assignee"]).choices = [
            ("", "Nobody yet"),
            *(
                (m.pk, f"{m.clinician.user} ({m.get_role_display().lower()})")
                for m in members or []
            ),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("status") and "assignee" not in self.changed_data:
            self.add_error("status", "Choose acknowledge, resolve or dismiss.")
        if data.get("status") == FlagStatus.RESOLVED:
            if not data.get("decision"):
                self.add_error("decision", "Choose the decision this flag is resolved with.")
            if not (data.get("note") or "").strip():
                self.add_error("note", "Add a note for the patient's history.")
        return data


class InjectionSessionForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.CharField(max_length=64, initial="onabotulinumtoxinA")
    lot = forms.CharField(max_length=64, required=False)
    injector = forms.CharField(max_length=150, required=False)
    paradigm = forms.ChoiceField(choices=Paradigm.choices, initial=Paradigm.PREEMPT)
    total_units = forms.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=UNITS_STEP,
        max_value=MAX_UNITS_PER_SESSION,
        label="Total units (U)",
    )
    planned_interval_weeks = forms.IntegerField(
        initial=STANDARD_INTERVAL_WEEKS,
        max_value=52,
        label="Planned interval (weeks)",
        help_text=(
            f"{STANDARD_INTERVAL_WEEKS} weeks as standard; {MIN_INTERVAL_WEEKS} at the shortest."
        ),
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required for a custom pattern: say why.",
    )
    early_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Reason for an early session",
        help_text=f"Needed when this session is less than {MIN_INTERVAL_WEEKS} weeks from another.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for muscle, side in SITE_GROUPS:
            units_name, points_name = site_field_names(muscle, side)
            label = f"{muscle.replace('_', ' ')} ({side})"
            self.fields[units_name] = forms.DecimalField(
                max_digits=5,
                decimal_places=1,
                min_value=Decimal(0),
                required=False,
                label=f"{label} units",
            )
            self.fields[points_name] = forms.IntegerField(
                min_value=0, max_value=20, required=False, label=f"{label} points"
            )

    def clean_planned_interval_weeks(self) -> int:
        weeks = self.cleaned_data["planned_interval_weeks"]
        if weeks < MIN_INTERVAL_WEEKS:
            raise forms.ValidationError(
                f"{weeks} weeks is too short: the interval may be shortened from "
                f"{STANDARD_INTERVAL_WEEKS} to "
                f"{MIN_INTERVAL_WEEKS} weeks, never below (PREEMPT; EHF 2018)."
            )
        return weeks

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        sites = []
        for muscle, side in SITE_GROUPS:
            units_name, points_name = site_field_names(muscle, side)
            units = data.get(units_name) or Decimal(0)
            points = data.get(points_name) or 0
            if units and not points:
                self.add_error(points_name, "Give the number of injection points.")
            elif points and not units:
                self.add_error(units_name, "Give the units injected.")
            elif units:
                sites.append(SiteDose(muscle=muscle, side=side, units=units, points=points))
        data["sites"] = sites
        return data

    def site_rows(self) -> list[dict]:
        """The bound fields of each muscle and side, for the table beside the site map."""
        rows = []
        for muscle, side in SITE_GROUPS:
            units_name, points_name = site_field_names(muscle, side)
            rows.append(
                {
                    "muscle": muscle,
                    "side": side,
                    "label": muscle.replace("_", " ").capitalize(),
                    "units": self[units_name],
                    "points": self[points_name],
                }
            )
        return rows


def site_initial(sites: list[SiteDose] | tuple[SiteDose, ...]) -> dict[str, Decimal | int]:
    initial: dict[str, Decimal | int] = {}
    for site in sites:
        units_name, points_name = site_field_names(site.muscle, site.side)
        initial[units_name] = initial.get(units_name, Decimal(0)) + site.units
        initial[points_name] = initial.get(points_name, 0) + site.points
    return initial
