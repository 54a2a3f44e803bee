"""The clinician workspace, served under /clinic/."""

from django.urls import path

from frontend.clinic import injection_views, signin_views, views

app_name = "clinic"
urlpatterns = [
    path("", views.triage_view, name="triage"),
    path("login/", signin_views.login_view, name="login"),
    path("login/code/", signin_views.mfa_code_view, name="mfa-code"),
    path("login/passkey/", signin_views.mfa_passkey_view, name="mfa-passkey"),
    path("mfa/setup/", signin_views.mfa_setup_view, name="mfa-setup"),
    path("mfa/setup/passkey/", signin_views.mfa_setup_passkey_view, name="mfa-setup-passkey"),
    path("mfa/recovery-codes/", signin_views.recovery_codes_view, name="recovery-codes"),
    path("security/", signin_views.security_view, name="security"),
    path("logout/", signin_views.logout_view, name="logout"),
    path("patients/add/", views.patient_add_view, name="patient-add"),
    path("patients/<int:patient_id>/", views.patient_view, name="patient"),
    path("patients/<int:patient_id>/details/", views.patient_details_view, name="patient-details"),
    path(
        "patients/<int:patient_id>/report/sign-off/",
        views.report_sign_off_view,
        name="report-sign-off",
    ),
    path(
        "patients/<int:patient_id>/injections/new/",
        injection_views.injection_new_view,
        name="injection-new",
    ),
    path(
        "patients/<int:patient_id>/injections/<int:session_id>/edit/",
        injection_views.injection_edit_view,
        name="injection-edit",
    ),
    path(
        "patients/<int:patient_id>/injections/<int:session_id>/void/",
        injection_views.injection_void_view,
        name="injection-void",
    ),
    path("flags/", views.flags_view, name="flags"),
    path("flags/<int:flag_id>/", views.flag_review_view, name="flag-review"),
]
