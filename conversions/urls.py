"""The Respeecher API routes of this app, mounted at /api/: each sub-domain's own."""

from django.urls import include, path

urlpatterns = [
    path("", include("conversions.library.api.urls")),
    path("", include("conversions.catalogue.api.urls")),
    path("", include("conversions.orders.api.urls")),
]
