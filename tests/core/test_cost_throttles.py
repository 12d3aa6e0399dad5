"""Expensive, cheap-to-call endpoints are throttled per caller (issue 12).

Before: translation (an Apertium process per call), uploads probed by ffmpeg, job starts and zip
exports had no limit at all. Now every DialectView runs core.throttles.CostRateThrottle and each
expensive method names its cost scope.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

TRANSLATE = "/api/v1/security/ai/translate"


@pytest.fixture
def rates(settings):
    def set_rates(**overrides):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **overrides}

    return set_rates


def test_translation_is_throttled_per_user_in_the_stamps_format(api, make_user, rates):
    rates(translate="2/hour")
    body = {"text": "The house is big.", "target_language": "es", "source_language": "en"}
    for _ in range(2):
        assert api.post(TRANSLATE, body, format="json").status_code == 200
    refused = api.post(TRANSLATE, body, format="json")
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    # Another account has its own budget.
    assert bearer_client(make_user()).post(TRANSLATE, body, format="json").status_code == 200


def test_uploads_are_throttled_in_the_respeecher_format(api, rates):
    rates(media_upload="1/hour")
    project = api.post("/api/projects", {"name": "Takes", "models": {}}, format="json").json()
    folder = api.post("/api/folders", {"name": "One", "project_id": project["id"]}, format="json").json()
    first = api.post("/api/recordings", {"parent_folder_id": folder["id"], "microphone": "file"}, format="multipart")
    assert first.status_code == 422  # no file: refused by validation, but the attempt counted
    second = api.post("/api/recordings", {"parent_folder_id": folder["id"], "microphone": "file"}, format="multipart")
    assert second.status_code == 429 and second.json() == {"detail": "Too many requests"}
    # Listing is not an upload.
    assert api.get(f"/api/recordings?folder_id={folder['id']}").status_code == 200


def test_a_throttled_job_start_is_refused_before_any_work(api, user, rates):
    from stamps import services

    rates(media_job="1/hour")
    stamp = services.create_stamp(owner=user, title="Nothing yet")
    api.post(f"/api/v1/voicestamps/{stamp.pk}/transcribe", {}, format="json")
    refused = api.post(f"/api/v1/voicestamps/{stamp.pk}/transcribe", {}, format="json")
    assert refused.status_code == 429


EXPECTED_SCOPES = {
    "stamps:ai-translate": {"POST": "translate"},
    "stamps:vst-audio-upload": {"POST": "media_upload"},
    "stamps:vst-image-upload": {"POST": "media_upload"},
    "stamps:vst-complete-package": {"POST": "media_job"},
    "stamps:vst-convert": {"POST": "media_job"},
    "stamps:vst-thumbnail-generate": {"POST": "media_job"},
    "stamps:vst-thumbnail-regenerate": {"POST": "media_job"},
    "stamps:stamp-transcribe": {"POST": "media_job"},
    "conversions-recordings": {"POST": "media_upload"},
    "conversions-project-export": {"GET": "export"},
    "calibration-list": {"POST": "media_upload"},
    "order-create": {"POST": "media_job"},
    "order-retry": {"POST": "media_job"},
}


def _views_by_name():
    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, f"{pattern.namespace}:" if pattern.namespace else prefix)
            elif pattern.name:
                found[f"{prefix}{pattern.name}"] = getattr(pattern.callback, "view_class", None)

    walk(get_resolver().url_patterns)
    return found


def test_every_expensive_route_names_its_cost():
    views = _views_by_name()
    for name, scopes in EXPECTED_SCOPES.items():
        assert name in views, name
        assert views[name].cost_scopes == scopes, name


def test_every_scope_has_a_rate(settings):
    used = {scope for view in _views_by_name().values() for scope in getattr(view, "cost_scopes", {}).values()}
    assert used <= set(settings.THROTTLE_RATES)
