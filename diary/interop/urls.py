"""FHIR export, diary import and the calendar feed, under /api/v1/."""

urlpatterns: list = []
