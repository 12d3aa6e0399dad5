"""Mounts every app. Each API lives under its documented prefix:

- /api/v1/voicestamps, /api/v1/security/..., /api/v1/files, /api/v1/voicestamp/public  (stamps)
- /api/v1/voice-gallery, /api/v1/tts-submissions                                      (gallery)
- /api/... (login, projects, recordings, v2/orders, ...)                                (Respeecher: accounts + conversions)
- /v4/partners/ (settings.PARTNERS_URL_PREFIX)                                          (partners)
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.api.urls import gateway_urlpatterns, v1_urlpatterns
from core import views as core_views
from core.metrics import metrics_view

# The docs pages' inline start-up script and style (drf-spectacular's templates) need their own policy.
_docs_page = csp_update(settings.DOCS_CONTENT_SECURITY_POLICY)

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/healtz", core_views.gateway_healtz, name="gateway-healtz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", _docs_page(SpectacularSwaggerView.as_view(url_name="schema")), name="swagger-ui"),
    path("api/redoc/", _docs_page(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("", include("core.urls")),
    path("api/v1/auth/", include(v1_urlpatterns)),
    path("", include("core.webhooks.urls")),
    path("", include("gallery.api.urls")),
    path("", include("stamps.urls")),
    path(settings.PARTNERS_URL_PREFIX, include("partners.urls")),
    path("api/", include(gateway_urlpatterns)),
    path("api/", include("conversions.urls")),
]

handler404 = "core.dialects.not_found_handler"
handler500 = "core.dialects.server_error_handler"
