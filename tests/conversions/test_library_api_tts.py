"""Text to speech: POST /api/v2/recordings/tts (language detected when absent), the deprecated
POST /api/recordings/tts, GET /api/tts-voices (f0 measured from a rendered sample)."""

import uuid

import pytest

from conversions.library.language import detect_language
from conversions.models import Recording, TtsVoice
from core.media import audio
from core.storage import object_storage
from tests.conversions.library_helpers import create_folder, create_project, wait_for_state

ENGLISH_US = uuid.uuid5(uuid.UUID("6f1c1f7e-3b0a-4c55-9f43-7a1d3c2b9e10"), "en-us:45")
ENGLISH_US_HIGH = uuid.uuid5(uuid.UUID("6f1c1f7e-3b0a-4c55-9f43-7a1d3c2b9e10"), "en-us:80")


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_v2_detects_the_language_and_synthesises_in_a_worker(api, folder, celery_worker, tmp_path, tts_voices):
    text = "Der Hund schläft im Garten und die Katze ist auch nicht im Haus."
    response = api.post(
        "/api/v2/recordings/tts", {"parent_folder_id": folder["id"], "text": text, "label": "Intro"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tts"] is True and body["type"] == "original" and body["state"] == "processing"
    assert body["text"] == text and body["tts_voice"] == "German" and body["label"] == "Intro"
    german = TtsVoice.objects.get(language="de", is_default=True)
    assert body["tts_voice_id"] == str(german.pk)

    recording = wait_for_state(body["id"])
    assert recording.state == "done", recording.error
    assert recording.text_language == "de" and recording.audio_format == "wav"
    local = tmp_path / "tts.wav"
    with object_storage.open(recording.audio_key) as stored:
        local.write_bytes(stored.read())
    info = audio.probe(local)
    assert info.format == "wav" and abs(info.duration - recording.duration) < 0.1 and recording.duration > 2
    shown = api.get(f"/api/recordings/{body['id']}").json()
    assert shown["waveform_url"] and shown["size"] == local.stat().st_size and shown["file_name"] == "Intro.wav"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_v1_uses_the_chosen_voice(api, project, folder, celery_worker, tts_voices):
    response = api.post(
        "/api/recordings/tts",
        {
            "project_id": project["id"],
            "parent_folder_id": folder["id"],
            "label": "Old client",
            "voice_id": str(ENGLISH_US_HIGH),
            "text": "Hello from the deprecated endpoint.",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tts_voice_id"] == str(ENGLISH_US_HIGH) and body["tts_voice"] == "English (US, high)"
    recording = wait_for_state(body["id"])
    assert recording.state == "done" and recording.params["pitch"] == 80 and recording.text_language == "en"


@pytest.mark.django_db
def test_v2_with_explicit_language_or_voice(api, folder, tts_voices):
    spanish = api.post(
        "/api/v2/recordings/tts",
        {"parent_folder_id": folder["id"], "text": "Hola", "text_language": "es"},
        format="json",
    ).json()
    assert spanish["tts_voice"] == "Spanish"
    chosen = api.post(
        "/api/v2/recordings/tts",
        {"parent_folder_id": folder["id"], "text": "Hi", "tts_voice_id": str(ENGLISH_US)},
        format="json",
    ).json()
    assert chosen["tts_voice_id"] == str(ENGLISH_US)
    unknown = api.post(
        "/api/v2/recordings/tts", {"parent_folder_id": folder["id"], "text": "Hi", "text_language": "xx"}, format="json"
    )
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "text_language"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tag, voice, engine_voice",
    [
        ("en-GB", "English (UK)", "en-gb"),
        ("en_gb", "English (UK)", "en-gb"),
        ("en", "English (US)", "en-us"),
        ("en-US", "English (US)", "en-us"),
        ("en-AU", "English (US)", "en-us"),
        ("pt-BR", "Portuguese (Brazil)", "pt-br"),
    ],
)
def test_v2_honours_the_region_of_text_language(api, folder, tts_voices, tag, voice, engine_voice):
    body = api.post(
        "/api/v2/recordings/tts",
        {"parent_folder_id": folder["id"], "text": "Good morning.", "text_language": tag},
        format="json",
    ).json()
    assert body["tts_voice"] == voice and body["params"]["engine_voice"] == engine_voice
    assert Recording.objects.get(pk=body["id"]).text_language == tag.lower()


@pytest.mark.django_db
def test_text_is_capped_with_a_clear_422(api, folder, settings, tts_voices):
    too_long = "word " * 201
    response = api.post("/api/v2/recordings/tts", {"parent_folder_id": folder["id"], "text": too_long}, format="json")
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "text"] and "longer than 1000 characters" in detail["msg"]
    settings.CONVERSIONS_TTS_MAX_CHARS = 5000
    assert (
        api.post(
            "/api/v2/recordings/tts", {"parent_folder_id": folder["id"], "text": too_long}, format="json"
        ).status_code
        == 200
    )
    assert Recording.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "hi"}, "parent_folder_id"),
        ({"parent_folder_id": "nope", "text": "hi"}, "parent_folder_id"),
        ({"parent_folder_id": None, "text": "   "}, "text"),
        ({"parent_folder_id": None, "text": ""}, "text"),
        ({"parent_folder_id": None, "text": ["list"]}, "text"),
        ({"parent_folder_id": None, "text": "hi", "label": "x" * 41}, "label"),
        ({"parent_folder_id": None, "text": "hi", "text_language": "english!"}, "text_language"),
    ],
)
def test_v2_bad_bodies_are_422(api, folder, body, field, tts_voices):
    if body.get("parent_folder_id", "") is None:
        body["parent_folder_id"] = folder["id"]
    response = api.post("/api/v2/recordings/tts", body, format="json")
    assert response.status_code == 422
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]]
    assert Recording.objects.count() == 0


@pytest.mark.django_db
def test_v1_checks_project_folder_and_voice(api, project, folder, client_for, other_user, tts_voices):
    base = {
        "project_id": project["id"],
        "parent_folder_id": folder["id"],
        "label": "x",
        "voice_id": str(ENGLISH_US),
        "text": "Hello",
    }
    other_project = create_project(api, name="Other")
    mismatch = api.post("/api/recordings/tts", {**base, "project_id": other_project["id"]}, format="json")
    assert mismatch.status_code == 422
    unknown_voice = api.post("/api/recordings/tts", {**base, "voice_id": str(uuid.uuid4())}, format="json")
    assert unknown_voice.status_code == 404 and unknown_voice.json() == {"detail": "TTS voice not found"}
    their_folder = create_folder(client_for(other_user), create_project(client_for(other_user))["id"])
    foreign = api.post("/api/recordings/tts", {**base, "parent_folder_id": their_folder["id"]}, format="json")
    assert foreign.status_code == 404
    missing = api.post("/api/recordings/tts", {"text": "Hello"}, format="json")
    assert {tuple(d["loc"]) for d in missing.json()["detail"]} == {("body", "voice_id"), ("body", "parent_folder_id")}
    assert Recording.objects.count() == 0
    # The gateway's body has no project_id: the folder decides the project.
    without_project = {key: value for key, value in base.items() if key != "project_id"}
    created = api.post("/api/recordings/tts", without_project, format="json")
    assert created.status_code == 200 and created.json()["project_id"] == project["id"]


@pytest.mark.django_db
def test_tts_voices_with_measured_f0(api, other_user, tts_voices):
    TtsVoice.objects.create(
        name="Someone's private", engine_voice="en-us", language="en", visibility="private", owner=other_user
    )
    response = api.get("/api/tts-voices")
    assert response.status_code == 200
    voices = response.json()
    assert all(set(v) == {"id", "visibility", "name", "f0", "is_default"} for v in voices)
    assert "Someone's private" not in {v["name"] for v in voices}
    by_id = {v["id"]: v for v in voices}
    low, high = by_id[str(ENGLISH_US)], by_id[str(ENGLISH_US_HIGH)]
    assert low["is_default"] is True and high["is_default"] is False
    # espeak-ng's pitch setting moves the measured median f0 the same way.
    assert 60 < low["f0"] < high["f0"] < 400
    assert TtsVoice.objects.get(pk=ENGLISH_US).f0 == low["f0"]


@pytest.mark.parametrize(
    "text, language",
    [
        ("The weather is nice and we are going to the park.", "en"),
        ("Le chat est sur la table et il dort depuis une heure.", "fr"),
        ("Il gatto è sulla tavola e non si muove per niente.", "it"),
        ("Кішка сидить на столі і не хоче рухатися.", "uk"),
        ("Кошка сидит на столе и не хочет двигаться.", "ru"),
        ("1234 5678", "en"),
    ],
)
def test_language_detection(text, language):
    assert detect_language(text) == language


@pytest.mark.django_db
def test_tts_voice_list_runs_a_constant_number_of_queries(api, user, tts_voices, django_assert_max_num_queries):
    TtsVoice.objects.update(f0=120.0)
    with django_assert_max_num_queries(4):
        few = api.get("/api/tts-voices").json()
    TtsVoice.objects.bulk_create(
        [
            TtsVoice(
                name=f"Mine {index}",
                engine_voice="en-us",
                language="en",
                visibility="private",
                owner=user,
                pitch=index,
                f0=100.0 + index,
            )
            for index in range(20)
        ]
    )
    with django_assert_max_num_queries(4):
        many = api.get("/api/tts-voices").json()
    assert len(many) == len(few) + 20
