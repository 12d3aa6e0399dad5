"""Advanced Features: thumbnails (auto after upload through a worker; generate and regenerate; GET)."""

import io

import pytest
from PIL import Image

from stamps.models import StampFile
from tests.conftest import wait_until
from tests.stamps.conftest import upload_audio, upload_image


def _thumbnail_image(api, stamp_id):
    response = api.get(f"/api/v1/security/vst/{stamp_id}/thumbnail")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/jpeg"
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
def test_generate_each_style(api, stamp, stamp_media):
    path = f"/api/v1/security/vst/{stamp.pk}/thumbnail/generate"
    nothing = api.post(path, {}, format="json")
    assert nothing.status_code == 422 and "style" in nothing.json()["errors"]
    missing = api.get(f"/api/v1/security/vst/{stamp.pk}/thumbnail")
    assert missing.status_code == 404 and missing.json()["error"] == "resource_not_found"

    upload_audio(api, stamp.pk, stamp_media["wav"])
    waveform = api.post(path, {"style": "waveform", "timestamp": 1.0}, format="json")
    assert waveform.status_code == 201, waveform.content
    body = waveform.json()
    assert body["style"] == body["rendered_style"] == "waveform" and body["generated"] is True
    assert body["thumbnail_url"] == f"http://testserver/api/v1/security/vst/{stamp.pk}/thumbnail"
    image = _thumbnail_image(api, stamp.pk)
    assert image.size == (480, 270)
    # The playhead (orange) is drawn at 1.0 s of 2.0 s: the middle column.
    red, green, blue = image.getpixel((240, 20))
    assert red > 200 and 100 < green < 220 and blue < 90
    assert api.post(path, {"style": "cover"}, format="json").status_code == 422  # no image yet

    upload_image(api, stamp.pk)
    card = api.post(path, {"style": "card"}, format="json")
    assert card.status_code == 201 and card.json()["rendered_style"] == "card"
    auto = api.post(path, {"style": "auto"}, format="json").json()
    assert auto["rendered_style"] == "card"
    cover = api.post(path, {"style": "cover"}, format="json")
    assert cover.status_code == 201
    # The test image is blue with a yellow disc in the middle.
    assert _thumbnail_image(api, stamp.pk).getpixel((240, 135))[2] < 100
    assert StampFile.objects.filter(stamp=stamp, role="thumbnail").count() == 1


@pytest.mark.django_db
def test_generate_reuses_an_identical_thumbnail_and_regenerate_forces(api, stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["wav"])
    base = f"/api/v1/security/vst/{stamp.pk}/thumbnail"
    first = api.post(f"{base}/generate", {"style": "waveform", "timestamp": 0.5}, format="json")
    assert first.status_code == 201
    key = StampFile.objects.get(stamp=stamp, role="thumbnail").key
    same = api.post(f"{base}/generate", {"style": "waveform", "timestamp": 0.5}, format="json")
    assert same.status_code == 200 and same.json()["generated"] is False
    assert StampFile.objects.get(stamp=stamp, role="thumbnail").key == key
    unforced = api.post(f"{base}/regenerate", {"style": "waveform", "timestamp": 0.5}, format="json")
    assert unforced.json()["generated"] is False
    forced = api.post(f"{base}/regenerate", {"style": "waveform", "timestamp": 0.5, "force": True}, format="json")
    assert forced.status_code == 201 and forced.json()["generated"] is True
    assert StampFile.objects.get(stamp=stamp, role="thumbnail").key != key
    moved = api.post(f"{base}/regenerate", {"style": "waveform", "timestamp": 1.5}, format="json")
    assert moved.status_code == 201 and moved.json()["timestamp"] == 1.5


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"style": "sepia"}, "style"),
        ({"timestamp": -1}, "timestamp"),
        ({"timestamp": "noon"}, "timestamp"),
        ({"timestamp": 99}, "timestamp"),
        ({"force": "perhaps"}, "force"),
    ],
)
def test_bad_thumbnail_requests(api, stamp, stamp_media, body, field):
    upload_audio(api, stamp.pk, stamp_media["wav"])
    response = api.post(f"/api/v1/security/vst/{stamp.pk}/thumbnail/regenerate", body, format="json")
    assert response.status_code == 422 and field in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_thumbnail_is_made_automatically_after_uploads(api, celery_worker, make_stamp, stamp_media):
    stamp = make_stamp(title="Auto")
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    first = wait_until(
        lambda: StampFile.objects.filter(stamp=stamp, role="thumbnail").first(),
        timeout=60,
        message="waveform thumbnail",
    )
    assert first.details["rendered_style"] == "waveform" and first.details["auto"] is True
    upload_image(api, stamp.pk)
    card = wait_until(
        lambda: StampFile.objects.filter(stamp=stamp, role="thumbnail", details__rendered_style="card").first(),
        timeout=60,
        message="card thumbnail after the image upload",
    )
    assert card.key != first.key
    assert _thumbnail_image(api, stamp.pk).size == (480, 270)
    # A thumbnail the owner chose is kept when later uploads arrive.
    api.post(f"/api/v1/security/vst/{stamp.pk}/thumbnail/generate", {"style": "cover"}, format="json")
    upload_image(api, stamp.pk)
    job = wait_until(
        lambda: (
            stamp.__class__.objects.select_related("thumbnail_job").get(pk=stamp.pk).thumbnail_job.is_finished
            and stamp.__class__.objects.get(pk=stamp.pk)
        ),
        timeout=60,
        message="thumbnail job to finish",
    )
    assert job is not None
    assert StampFile.objects.get(stamp=stamp, role="thumbnail").details["style"] == "cover"
