"""Advanced Features: POST /api/v1/security/ai/translate with Apertium."""

import pytest

pytestmark = pytest.mark.django_db

PATH = "/api/v1/security/ai/translate"


def test_translate_english_to_spanish(api):
    response = api.post(
        PATH, {"text": "The house is big.", "target_language": "es", "source_language": "en"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "translated_text": "La casa es grande.",
        "source_language": "en",
        "target_language": "es",
        "detected_source_language": False,
        "engine": "apertium",
        "translation_id": None,
    }


@pytest.mark.parametrize(
    "text, source, target, expected",
    [
        ("La casa es grande.", "es", "en", "The house is big."),
        ("The house is big.", "en", "ca", "La casa és gran."),
        ("The house is big.", "en", "gl", "A casa é grande."),
    ],
)
def test_source_language_is_detected_when_omitted(api, text, source, target, expected):
    body = api.post(PATH, {"text": text, "target_language": target}, format="json").json()
    assert body["source_language"] == source and body["detected_source_language"] is True
    assert body["translated_text"] == expected


def test_unsupported_pair_lists_the_supported_ones(api):
    response = api.post(PATH, {"text": "Bonjour", "target_language": "fr", "source_language": "en"}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed" and "target_language" in body["errors"]
    assert {"en-es", "es-en", "en-ca", "ca-en", "en-gl"} <= set(body["supported_pairs"])
    gl_to_es = api.post(PATH, {"text": "Ola", "target_language": "es", "source_language": "gl"}, format="json")
    assert gl_to_es.status_code == 422 and "supported_pairs" in gl_to_es.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "target_language"),
        ({"text": "hi"}, "target_language"),
        ({"text": "hi", "target_language": "Spanish"}, "target_language"),
        ({"text": "   ", "target_language": "es"}, "text"),
        ({"text": "x" * 20_001, "target_language": "es"}, "text"),
        ({"text": ["hi"], "target_language": "es"}, "text"),
        ({"text": "hi", "vst_id": 1, "target_language": "es"}, "text"),
        ({"text": "hi", "text_id": "abc", "target_language": "es"}, "vst_id"),
    ],
)
def test_bad_requests_are_422(api, body, field):
    response = api.post(PATH, body, format="json")
    assert response.status_code == 422 and field in response.json()["errors"], response.content


def test_a_stamps_text_and_transcription_are_translated_into_its_manifest(api, stamp, client_for, other_user):
    text = api.post(
        f"/api/v1/security/vst/{stamp.pk}/upload-txt",
        {"text_content": "The house is big.", "type": "note"},
        format="json",
    ).json()["text"]
    no_transcript = api.post(PATH, {"vst_id": stamp.pk, "target_language": "es"}, format="json")
    assert no_transcript.status_code == 422 and "vst_id" in no_transcript.json()["errors"]
    by_text = api.post(PATH, {"vst_id": stamp.pk, "text_id": text["id"], "target_language": "es"}, format="json")
    assert by_text.status_code == 200
    assert by_text.json()["translated_text"] == "La casa es grande." and by_text.json()["translation_id"]
    api.post(
        f"/api/v1/security/vst/{stamp.pk}/upload-txt",
        {"text_content": "I have a dog.", "type": "transcription"},
        format="json",
    )
    by_transcript = api.post(PATH, {"vst_id": stamp.pk, "target_language": "ca"}, format="json").json()
    assert by_transcript["translated_text"] == "Tinc un gos."
    manifest = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest").json()["manifest"]
    assert [(t["text_id"], t["target_language"], t["text"]) for t in manifest["translations"]] == [
        (text["id"], "es", "La casa es grande."),
        (None, "ca", "Tinc un gos."),
    ]
    unknown = api.post(PATH, {"vst_id": stamp.pk, "text_id": "nope", "target_language": "es"}, format="json")
    assert unknown.status_code == 422 and "text_id" in unknown.json()["errors"]
    theirs = client_for(other_user).post(PATH, {"vst_id": stamp.pk, "target_language": "es"}, format="json")
    assert theirs.status_code == 404 and theirs.json()["message"] == "VoiceStamp not found"


def test_translate_requires_authentication(anon):
    assert anon.post(PATH, {"text": "hi", "target_language": "es"}, format="json").status_code == 401
