from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from diary import views as diary_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", include("diary.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", diary_views.healthz, name="healthz"),
    path("readyz", diary_views.readyz, name="readyz"),
    path("clinic/", include("frontend.clinic.urls")),
    path("", include("frontend.urls")),
]

handler404 = "diary.views.not_found"
