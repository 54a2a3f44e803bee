"""The patient PWA at / and the clinician workspace under /clinic/."""

urlpatterns: list = []
