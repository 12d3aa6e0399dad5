"""What Django + DRF themselves cost for a page of 20, next to our endpoints: the floor under the
issue-16 ratios.

In one Django process of the embedded configuration, through the whole middleware stack (Django's
test client, no HTTP), CPU per request of: /healthz; a bare DRF ListAPIView of the same 20 stamps
(``ModelSerializer`` with every field, DRF's limit/offset paging, no authentication); the same view
behind our Bearer authentication; and our own stamps list and auth/me. The bare views exist only in
this benchmark's process (a URLconf of its own); nothing is added to the product's URLs."""

from benchmarks.harness import running_server
from benchmarks.platform_api import SETUP

REQUESTS = 300

MEASURE = f"""
import json, sys, time, types
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework import generics, pagination, permissions, serializers
from accounts.authentication import BearerAuthentication
from stamps.models import Stamp

class StampRow(serializers.ModelSerializer):
    class Meta:
        model = Stamp
        fields = "__all__"

class BareStampList(generics.ListAPIView):
    queryset = Stamp.objects.order_by("-created_at", "-id")
    serializer_class = StampRow
    pagination_class = pagination.LimitOffsetPagination
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

class AuthenticatedStampList(BareStampList):
    authentication_classes = [BearerAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)

urls = types.ModuleType("framework_floor_urls")
urls.urlpatterns = [
    path("floor/bare", BareStampList.as_view()),
    path("floor/authenticated", AuthenticatedStampList.as_view()),
    path("", include("voiceplatform.urls")),
]
sys.modules["framework_floor_urls"] = urls
bearer = {{"HTTP_AUTHORIZATION": "Bearer " + IDS["token"]}}
targets = [
    ("GET /healthz", "/healthz", {{}}),
    ("bare DRF ListAPIView, 20 stamps, no auth", "/floor/bare?limit=20", {{}}),
    ("bare DRF ListAPIView, 20 stamps, Bearer", "/floor/authenticated?limit=20", bearer),
    ("GET /api/v1/auth/me (Bearer)", "/api/v1/auth/me", bearer),
    ("GET /api/v1/voicestamps?limit=20", "/api/v1/voicestamps?limit=20", bearer),
]
results = {{}}
with override_settings(ROOT_URLCONF="framework_floor_urls"):
    client = Client()
    for name, url, headers in targets:
        for _ in range(30):
            assert client.get(url, **headers).status_code == 200, url
        best = None
        for _ in range(5):
            started = time.process_time()
            for _ in range({REQUESTS} // 5):
                client.get(url, **headers)
            took = (time.process_time() - started) * 1000 / ({REQUESTS} // 5)
            best = took if best is None else min(best, took)
        results[name] = best
print(json.dumps(results))
"""


def run() -> list[dict]:
    with running_server() as server:
        ids = server.django(SETUP)
        measured = server.django(f"IDS = {ids!r}\n" + MEASURE)
    healthz = measured["GET /healthz"]
    return [
        {
            "name": f"in process: {name}",
            "value": round(cpu_ms, 2),
            "unit": "ms CPU",
            "baseline": round(healthz, 2),
            "ratio": round(healthz / cpu_ms, 2),
            "note": "ratio = /healthz CPU / this CPU (what the req/s ratio becomes when CPU-bound)",
        }
        for name, cpu_ms in measured.items()
    ]
