"""Analysis endpoints (trends); kept apart from the diary's own routes."""

urlpatterns: list = []
