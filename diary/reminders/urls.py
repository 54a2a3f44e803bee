"""Web Push subscription endpoints, under /api/v1/."""

urlpatterns: list = []
