"""The clinician workspace, served under /clinic/."""

from django.urls import path

from frontend.clinic import views

app_name = "clinic"
urlpatterns = [
    path("", views.triage_view, name="triage"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.mfa_code_view, name="mfa-code"),
    path("login/passkey/", views.mfa_passkey_view, name="mfa-passkey"),
    path("mfa/setup/", views.mfa_setup_view, name="mfa-setup"),
    path("mfa/setup/passkey/", views.mfa_setup_passkey_view, name="mfa-setup-passkey"),
    path("mfa/recovery-codes/", views.recovery_codes_view, name="recovery-codes"),
    path("security/", views.security_view, name="security"),
    path("logout/", views.logout_view, name="logout"),
    path("patients/<int:patient_id>/", views.patient_view, name="patient"),
    path(
        "patients/<int:patient_id>/injections/new/",
        views.injection_new_view,
        name="injection-new",
    ),
    path("flags/", views.flags_view, name="flags"),
    path("flags/<int:flag_id>/", views.flag_review_view, name="flag-review"),
]
