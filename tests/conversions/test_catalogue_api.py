"""/api/v2/voices (filters, sorts, per-user flags), search, favorite, settings, and the samples endpoints."""

from urllib.parse import urlsplit

import pytest

from conversions.catalogue.services import render_voice_samples
from conversions.catalogue.version import catalogue_changed
from conversions.models import AccentSetting, NarrationStyleSetting, VoiceFavorite
from core.media import audio

from tests.conftest import bearer_client

from .catalogue_factories import make_voice, subscribe, tier

pytestmark = pytest.mark.django_db

VOICE_FIELDS = {
    "id",
    "owner_id",
    "name",
    "slug",
    "visibility",
    "species",
    "artist",
    "verified_artist",
    "gender",
    "pitch",
    "age_group",
    "pitch_group",
    "nationality",
    "image_url",
    "thumbnail_url",
    "description",
    "rating",
    "active",
    "created_at",
    "favorite",
    "available",
    "accents",
    "narration_styles",
    "tiers",
}


@pytest.fixture
def tiers(db):
    return {"basic": tier("basic", 0), "pro": tier("pro", 1), "studio": tier("studio", 2)}


def names(response):
    return [voice["name"] for voice in response.json()["list"]]


def test_list_shape_defaults_and_pagination(api, staff_user, tiers):
    for index in range(27):
        make_voice(staff_user, name=f"V{index:02d}", sort_order=index)
    response = api.get("/api/v2/voices")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"count": 27, "limit": 25, "offset": 0}
    assert len(body["list"]) == 25
    voice = body["list"][0]
    assert set(voice) == VOICE_FIELDS
    assert voice["name"] == "V00" and voice["owner_id"] == str(staff_user.pk)
    assert set(voice["accents"][0]) == {
        "id",
        "is_default",
        "native",
        "info",
        "effects",
        "tiers",
        "available",
        "settings",
    }
    assert voice["accents"][0]["info"] == {"name": "Accent 0", "short_name": "A0", "locale": "en-US"}
    assert voice["accents"][0]["effects"] == {"semitones": 0.0, "formant_ratio": 1.0, "pitch_range": 1.0, "rate": 1.0}
    assert voice["accents"][0]["settings"] == {"favorite": False, "semitones_correction": 0.0}
    style = voice["narration_styles"][0]
    assert style == {
        "id": style["id"],
        "is_default": True,
        "info": {"name": "Style 0"},
        "tags": [{"name": "Style 0"}],
        "effects": style["effects"],
        "settings": {"favorite": False},
    }
    assert set(style["effects"]) == {"tts_voice", "words_per_minute", "pitch_range", "rate", "breathiness"}
    assert voice["image_url"] is None and voice["favorite"] is False and voice["available"] is True
    assert names(api.get("/api/v2/voices?limit=5&offset=25")) == ["V25", "V26"]
    for bad in ("limit=101", "limit=-1", "offset=x"):
        assert api.get(f"/api/v2/voices?{bad}").status_code == 422


def test_every_filter_and_combinations(api, staff_user, tiers):
    make_voice(staff_user, name="Kid", visibility="kids", age_group="child", pitch_group="high", gender="male")
    make_voice(staff_user, name="Bear", species="animal", pitch_group="low", gender="male", nationality="Canadian")
    make_voice(staff_user, name="Robot", species="other", gender="", age_group="", nationality="")
    make_voice(staff_user, name="Paid", visibility="paid", age_group="senior", nationality="Polish")
    make_voice(staff_user, name="Young", age_group="young")
    cases = {
        "visibility=kids": ["Kid"],
        "visibility=kids&visibility=paid": ["Kid", "Paid"],
        "species=animal": ["Bear"],
        "species=other&species=animal": ["Bear", "Robot"],
        "gender=male": ["Bear", "Kid"],
        "age_group=senior&age_group=young": ["Paid", "Young"],
        "pitch_group=low": ["Bear"],
        "nationality=Polish&nationality=Canadian": ["Bear", "Paid"],
        "nationality=polish&nationality=CANADIAN": ["Bear", "Paid"],
        "gender=female&age_group=adult": [],
        "gender=male&pitch_group=high": ["Kid"],
    }
    for query, expected in cases.items():
        assert sorted(names(api.get(f"/api/v2/voices?{query}&limit=100"))) == expected, query
    for bad in (
        "visibility=secret",
        "species=alien",
        "gender=other",
        "age_group=old",
        "pitch_group=x",
        "sort=loudness",
        "direction=up",
    ):
        response = api.get(f"/api/v2/voices?{bad}")
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][0] == "query"


def test_sorts_and_directions(api, staff_user, tiers):
    make_voice(staff_user, name="Bravo", pitch=120, rating=90, sort_order=2)
    make_voice(staff_user, name="Alpha", pitch=300, rating=10, sort_order=3)
    make_voice(staff_user, name="Charlie", pitch=200, rating=50, sort_order=1)
    assert names(api.get("/api/v2/voices")) == ["Charlie", "Bravo", "Alpha"]  # the curators' order
    assert names(api.get("/api/v2/voices?sort=name&direction=asc")) == ["Alpha", "Bravo", "Charlie"]
    assert names(api.get("/api/v2/voices?sort=name")) == ["Charlie", "Bravo", "Alpha"]  # desc by default
    assert names(api.get("/api/v2/voices?sort=pitch&direction=asc")) == ["Bravo", "Charlie", "Alpha"]
    assert names(api.get("/api/v2/voices?sort=rating&direction=desc")) == ["Bravo", "Charlie", "Alpha"]
    assert names(api.get("/api/v2/voices?sort=created_at&direction=asc")) == ["Bravo", "Alpha", "Charlie"]


def test_visibility_private_and_unpublished(api, user, other_user, staff_user, tiers):
    make_voice(staff_user, name="Public")
    make_voice(user, name="Mine", visibility="private")
    theirs = make_voice(other_user, name="Theirs", visibility="private")
    make_voice(staff_user, name="Draft", active=False)
    assert sorted(names(api.get("/api/v2/voices"))) == ["Mine", "Public"]
    assert api.post(f"/api/v2/voices/favorite/{theirs.pk}", {"favorite": True}).status_code == 404
    assert api.get("/api/v2/voices/search?name=The").json() == []


def test_availability_follows_the_users_tier(api, user, staff_user, tiers):
    make_voice(staff_user, name="Basic", tiers=[tiers["basic"]])
    studio = make_voice(staff_user, name="Studio", tiers=[tiers["studio"]], accents=2)
    studio.accents.get(short_name="A1").tiers.set([tiers["pro"]])
    by_name = {v["name"]: v for v in api.get("/api/v2/voices").json()["list"]}
    assert by_name["Basic"]["available"] is True and by_name["Studio"]["available"] is False
    assert by_name["Basic"]["tiers"] == [{"name": "basic"}]
    assert [a["available"] for a in by_name["Studio"]["accents"]] == [False, False]
    subscribe(user, tiers["studio"])
    by_name = {v["name"]: v for v in api.get("/api/v2/voices").json()["list"]}
    assert by_name["Studio"]["available"] is True
    assert [(a["info"]["short_name"], a["available"], a["tiers"]) for a in by_name["Studio"]["accents"]] == [
        ("A0", True, []),
        ("A1", True, [{"name": "pro"}]),
    ]
    assert by_name["Basic"]["available"] is True  # a lower tier's voice stays available


def test_list_query_count_is_constant(api, user, staff_user, tiers, django_assert_max_num_queries):
    for _ in range(12):
        voice = make_voice(staff_user, tiers=[tiers["basic"]], accents=2, styles=2)
        VoiceFavorite.objects.create(user=user, voice=voice)
        AccentSetting.objects.create(user=user, accent=voice.accents.first(), favorite=True)
    counts = []
    for limit in (2, 12):
        catalogue_changed()  # each page read afresh: kept voices and lists would spare the second queries
        with django_assert_max_num_queries(12) as captured:
            assert len(api.get(f"/api/v2/voices?limit={limit}").json()["list"]) == limit
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_search_by_name(api, staff_user, tiers):
    for name in ("Aria", "Marian", "Bruno", "Mariah", "Maria", "Mario"):
        make_voice(staff_user, name=name)
    response = api.get("/api/v2/voices/search?name=ari")
    assert response.status_code == 200
    assert [v["name"] for v in response.json()] == ["Aria", "Maria", "Mariah", "Marian", "Mario"]
    assert set(response.json()[0]) == VOICE_FIELDS
    assert [v["name"] for v in api.get("/api/v2/voices/search?name=MAR&limit=2").json()] == ["Maria", "Mariah"]
    for bad in ("", "?name=a", "?name=ari&limit=11", "?name=ari&limit=x"):
        assert api.get(f"/api/v2/voices/search{bad}").status_code == 422, bad


def test_favorite_sets_and_clears(api, user, staff_user, tiers):
    voice = make_voice(staff_user)
    response = api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": True}, format="json")
    assert response.status_code == 200
    assert response.json()["favorite"] is True and set(response.json()) == VOICE_FIELDS
    assert api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": True}, format="json").status_code == 200
    assert VoiceFavorite.objects.filter(user=user, voice=voice).count() == 1
    assert api.get("/api/v2/voices").json()["list"][0]["favorite"] is True
    assert (
        api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": False}, format="json").json()["favorite"] is False
    )
    assert api.post(f"/api/v2/voices/favorite/{voice.pk}", {}, format="json").status_code == 422
    assert api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": "maybe"}, format="json").status_code == 422
    missing = api.post(
        "/api/v2/voices/favorite/00000000-0000-0000-0000-000000000001", {"favorite": True}, format="json"
    )
    assert missing.status_code == 404 and missing.json() == {"detail": "Voice not found"}


def test_settings_mark_favorite_accent_and_style_and_keep_the_correction(api, user, other_user, staff_user, tiers):
    voice = make_voice(staff_user, accents=2, styles=2)
    first, second = voice.accents.order_by("short_name")
    style = voice.narration_styles.get(name="Style 1")
    body = {"voice_id": str(voice.pk), "accent_id": str(first.pk), "semitones_correction": -2.5}
    assert api.post("/api/v2/voices/settings", body, format="json").status_code == 200
    body = {"voice_id": str(voice.pk), "accent_id": str(second.pk), "narration_style_id": str(style.pk)}
    response = api.post("/api/v2/voices/settings", body, format="json")
    assert response.status_code == 200
    accents = {a["info"]["short_name"]: a["settings"] for a in response.json()["accents"]}
    assert accents == {
        "A0": {"favorite": False, "semitones_correction": -2.5},
        "A1": {"favorite": True, "semitones_correction": 0.0},
    }
    styles = {s["info"]["name"]: s["settings"]["favorite"] for s in response.json()["narration_styles"]}
    assert styles == {"Style 0": False, "Style 1": True}
    # Settings are per user.
    other = bearer_client(other_user)
    theirs = other.get("/api/v2/voices").json()["list"][0]
    assert all(not a["settings"]["favorite"] for a in theirs["accents"])
    assert NarrationStyleSetting.objects.filter(user=other_user).count() == 0


def test_settings_bad_input(api, staff_user, tiers):
    voice = make_voice(staff_user)
    foreign = make_voice(staff_user)
    accent = voice.accents.get()
    cases = [
        ({}, 422),
        ({"voice_id": "nope"}, 422),
        ({"voice_id": str(voice.pk), "semitones_correction": 1}, 422),
        ({"voice_id": str(voice.pk), "accent_id": str(accent.pk), "semitones_correction": 13}, 422),
        ({"voice_id": str(voice.pk), "accent_id": str(foreign.accents.get().pk)}, 404),
        ({"voice_id": str(voice.pk), "narration_style_id": str(foreign.narration_styles.get().pk)}, 404),
        ({"voice_id": "00000000-0000-0000-0000-000000000001"}, 404),
    ]
    for body, status in cases:
        response = api.post("/api/v2/voices/settings", body, format="json")
        assert response.status_code == status, (body, response.json())
        assert "detail" in response.json()
    assert AccentSetting.objects.count() == 0


def test_samples_are_rendered_by_the_engine_and_served(api, staff_user, tiers, local_storage):
    voice = make_voice(staff_user, pitch=220, formant_ratio=1.2)
    accent, style = voice.accents.get(), voice.narration_styles.get()
    empty = api.get(f"/api/v2/accents/samples?accent_id={accent.pk}")
    assert empty.status_code == 200 and empty.json() == {"samples": {}}
    assert render_voice_samples(voice) == 2
    for path in (
        f"/api/v2/accents/samples?accent_id={accent.pk}",
        f"/api/v2/narration-styles/samples?narration_style_id={style.pk}",
    ):
        response = api.get(path)
        assert response.status_code == 200
        sample = response.json()["samples"]["default"]
        assert sample["content_type"] == "audio/mpeg" and sample["duration"] > 1
        download = api.get(urlsplit(sample["url"]).path)
        assert download.status_code == 200
        data = b"".join(download.streaming_content) if download.streaming else download.content
        with open(local_storage / "downloaded.mp3", "wb") as out:
            out.write(data)
        info = audio.probe(local_storage / "downloaded.mp3", allowed_formats={"mp3"})
        assert info.duration == pytest.approx(sample["duration"], abs=0.1)


def test_samples_bad_input_and_hidden_voices(api, other_user, tiers):
    hidden = make_voice(other_user, visibility="private")
    assert api.get("/api/v2/accents/samples").status_code == 422
    assert api.get("/api/v2/accents/samples?accent_id=x").status_code == 422
    assert api.get("/api/v2/narration-styles/samples").status_code == 422
    assert api.get(f"/api/v2/accents/samples?accent_id={hidden.accents.get().pk}").status_code == 404
    response = api.get(f"/api/v2/narration-styles/samples?narration_style_id={hidden.narration_styles.get().pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Narration style not found"}


def test_everything_needs_authentication(anon, staff_user, tiers):
    voice = make_voice(staff_user)
    for method, path in [
        ("get", "/api/v2/voices"),
        ("get", "/api/v2/voices/search?name=voice"),
        ("post", f"/api/v2/voices/favorite/{voice.pk}"),
        ("post", "/api/v2/voices/settings"),
        ("get", f"/api/v2/accents/samples?accent_id={voice.accents.get().pk}"),
        ("post", "/api/v2/orders"),
    ]:
        response = getattr(anon, method)(path)
        assert response.status_code == 401 and isinstance(response.json()["detail"], str), path
