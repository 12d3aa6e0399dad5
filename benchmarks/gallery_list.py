"""Voice Gallery: the public list at size=100 under concurrent load on gunicorn, side by side with
the bare Django view (/healthz) on the same server, and the queries one list request makes."""

from benchmarks.harness import compare, running_server, wrk

VOICES = 120

SETUP = f"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
from gallery.models import Voice, VoiceSample
admin, _ = User.objects.get_or_create(email="bench-curator@example.com",
                                      defaults={{"display_name": "Bench Curator", "is_staff": True}})
for index in range(Voice.objects.count(), {VOICES}):
    voice = Voice.objects.create(name=f"Voice {{index:03d}}", voice_characteristic="Female", order_number=index % 7,
                                 is_published=True, created_by=admin, created_by_user_id=str(admin.pk),
                                 created_by_name=admin.name, updated_by=admin, updated_by_user_id=str(admin.pk),
                                 updated_by_name=admin.name)
    VoiceSample.objects.bulk_create([VoiceSample(voice=voice, position=p, key=f"voice-samples/{{voice.pk.hex}}-{{p}}.mp3")
                                     for p in range(2)])
counts = {{}}
for size in (10, 100):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/api/v1/voice-gallery", {{"size": size}})
    assert response.status_code == 200 and len(response.json()["data"]["items"]) == size
    counts[size] = len(queries)
print(json.dumps(counts))
"""


def run() -> list[dict]:
    env = {"GALLERY_THROTTLE_READ": "100000000/minute"}
    with running_server(extra_env=env) as server:
        queries = server.django(SETUP)
        wrk(f"{server.base_url}/healthz", seconds=1)  # warm up
        wrk(f"{server.base_url}/api/v1/voice-gallery?size=100", seconds=1)
        baseline = wrk(f"{server.base_url}/healthz")
        listing = wrk(f"{server.base_url}/api/v1/voice-gallery?size=100")
        rows = compare(
            "GET /api/v1/voice-gallery?size=100 (anonymous)", listing, baseline, f"; {VOICES} voices x 2 samples"
        )
        rows.append(
            {
                "name": "queries per list request (size=10 / size=100)",
                "value": queries["100"],
                "unit": "queries",
                "baseline": queries["10"],
                "ratio": round(queries["100"] / queries["10"], 2),
                "note": "constant: count, page, samples of the page",
            }
        )
        return rows
