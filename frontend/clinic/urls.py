"""The clinician workspace, served under /clinic/."""

app_name = "clinic"
urlpatterns: list = []
