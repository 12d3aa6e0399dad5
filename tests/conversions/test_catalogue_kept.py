"""What every user sees of the catalogue is kept per catalogue version (conversions/catalogue/
version.py, api/rendering.py): every way the catalogue changes (services, the admin, queryset
updates, M2M links, tiers) shows on the next page, and what is each user's stays theirs."""

import time
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from conversions.catalogue import services, version
from conversions.models import AccentSetting, NarrationStyle, NarrationStyleSetting, SubscriptionTier, Voice
from core.storage import object_storage
from tests.conftest import bearer_client, clear_cache

from .catalogue_factories import make_voice, subscribe, tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(db):
    return {"basic": tier("basic", 0), "pro": tier("pro", 1), "studio": tier("studio", 2)}


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing():`` runs what the block registers on commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def by_name(client, query="limit=100"):
    return {voice["name"]: voice for voice in client.get(f"/api/v2/voices?{query}").json()["list"]}


def test_a_change_replaces_the_version_now_and_again_on_commit(django_capture_on_commit_callbacks):
    before = version.current()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version.catalogue_changed()
        during = version.current()
    assert during != before and len(callbacks) == 1
    # A request that read the catalogue between the change and its commit kept it under `during`.
    callbacks[0]()
    assert version.current() not in (before, during)


def test_a_rolled_back_change_registers_nothing_for_commit(staff_user, tiers, django_capture_on_commit_callbacks):
    voice = make_voice(staff_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            voice.name = "Renamed"
            voice.save()
            raise RuntimeError
    assert callbacks == []


def test_a_cleared_cache_starts_a_version_never_seen_before(api, staff_user, tiers):
    make_voice(staff_user, name="Aria")
    old = version.current()
    assert by_name(api)["Aria"]["name"] == "Aria"
    clear_cache()
    assert version.current() != old
    assert list(by_name(api)) == ["Aria"]


def test_service_and_model_changes_show_on_the_next_page(api, staff_user, tiers, committing):
    voice = make_voice(staff_user, name="Aria", tiers=[tiers["basic"]], accents=2, styles=2)
    assert by_name(api)["Aria"]["description"] == ""  # kept from here on
    with committing():
        voice.description = "Warm and bright"
        services.save_voice(voice)
    with committing():
        accent = voice.accents.get(short_name="A1")
        accent.semitones, accent.name = 2.0, "Scottish"
        accent.save()
    with committing():
        NarrationStyle.objects.get(voice=voice, name="Style 1").delete()
    with committing():
        style = voice.narration_styles.get()
        style.tags = ["Calm"]
        style.save()
    aria = by_name(api)["Aria"]
    assert aria["description"] == "Warm and bright"
    accents = {accent["info"]["short_name"]: accent for accent in aria["accents"]}
    assert accents["A1"]["info"]["name"] == "Scottish" and accents["A1"]["effects"]["semitones"] == 2.0
    assert [(s["info"]["name"], s["tags"]) for s in aria["narration_styles"]] == [("Style 0", [{"name": "Calm"}])]
    # Search and a voice's own body (favourite, settings) are rendered the same way.
    assert api.get("/api/v2/voices/search?name=Ari").json()[0]["description"] == "Warm and bright"
    body = api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": True}, format="json").json()
    assert body["description"] == "Warm and bright" and body["favorite"] is True
    # Deleting the voice takes it out; a new one comes in.
    with committing():
        voice.delete()
    with committing():
        make_voice(staff_user, name="Bruno")
    assert list(by_name(api)) == ["Bruno"]


def test_tier_links_and_tiers_show_on_the_next_page(api, user, staff_user, tiers, committing):
    voice = make_voice(staff_user, name="Aria", tiers=[tiers["studio"]], accents=2)
    accent = voice.accents.get(short_name="A1")
    aria = by_name(api)["Aria"]
    assert aria["available"] is False and aria["tiers"] == [{"name": "studio"}]
    with committing():
        voice.tiers.set([tiers["basic"]])  # M2M from the voice
    with committing():
        tiers["pro"].accents.add(accent)  # M2M from the tier's side
    aria = by_name(api)["Aria"]
    assert aria["available"] is True and aria["tiers"] == [{"name": "basic"}]
    assert [(a["info"]["short_name"], a["available"], a["tiers"]) for a in aria["accents"]] == [
        ("A0", True, []),
        ("A1", False, [{"name": "pro"}]),
    ]
    with committing():
        tiers["pro"].rank, tiers["pro"].name = 0, "starter"  # now within the default (basic) tier's reach
        tiers["basic"].rank = 5
        tiers["basic"].save()
        tiers["pro"].save()
    aria = by_name(api)["Aria"]
    assert aria["available"] is True and aria["accents"][1]["tiers"] == [{"name": "starter"}]
    assert aria["accents"][1]["available"] is True
    with committing():
        accent.tiers.clear()
    with committing():
        SubscriptionTier.objects.filter(name="starter").delete()
    assert by_name(api)["Aria"]["accents"][1]["tiers"] == []


def test_admin_edits_show_on_the_next_page(api, staff_client, staff_user, tiers, committing):
    voice = make_voice(staff_user, name="Aria", accents=1, styles=0, tiers=[tiers["basic"]])
    accent = voice.accents.get()
    assert by_name(api)["Aria"]["pitch"] == 180.0
    form = {
        "name": "Aria Prime",
        "slug": voice.slug,
        "owner": str(staff_user.pk),
        "visibility": "public",
        "species": "human",
        "gender": "female",
        "age_group": "adult",
        "pitch_group": "mid",
        "nationality": "American",
        "rating": "50",
        "sort_order": "0",
        "pitch": "140",
        "formant_ratio": "1.1",
        "pitch_range": "1.0",
        "breathiness": "0",
        "active": "on",
        "tiers": [str(tiers["basic"].pk)],
        "accents-TOTAL_FORMS": "1",
        "accents-INITIAL_FORMS": "1",
        "accents-0-id": str(accent.pk),
        "accents-0-voice": str(voice.pk),
        "accents-0-name": "Texan",
        "accents-0-short_name": "TX",
        "accents-0-locale": "en-US",
        "accents-0-is_default": "on",
        "accents-0-native": "on",
        "accents-0-semitones": "1.5",
        "accents-0-formant_ratio": "1.0",
        "accents-0-pitch_range": "1.0",
        "accents-0-rate": "1.0",
        "narration_styles-TOTAL_FORMS": "0",
        "narration_styles-INITIAL_FORMS": "0",
    }
    url = f"/admin/conversions/voice/{voice.pk}/change/"
    with committing():  # the voice's fields and its accent's (inline)
        response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    aria = by_name(api)["Aria Prime"]
    assert aria["pitch"] == 140.0 and aria["tiers"] == [{"name": "basic"}] and aria["available"] is True
    assert aria["accents"][0]["info"] == {"name": "Texan", "short_name": "TX", "locale": "en-US"}
    assert aria["accents"][0]["effects"]["semitones"] == 1.5
    with committing():  # its tier links only
        assert staff_client.post(url, {**form, "tiers": [str(tiers["pro"].pk)]}).status_code == 302
    aria = by_name(api)["Aria Prime"]
    assert aria["tiers"] == [{"name": "pro"}] and aria["available"] is False
    # A tier's rank, edited in its list.
    changelist = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "3",
        "_save": "Save",
        **{f"form-{i}-id": str(t.pk) for i, t in enumerate(SubscriptionTier.objects.order_by("rank"))},
        **{f"form-{i}-rank": str(rank) for i, rank in enumerate([10, 5, 20])},  # pro below basic now
    }
    with committing():
        assert staff_client.post("/admin/conversions/subscriptiontier/", changelist).status_code == 302
    assert SubscriptionTier.objects.get(name="pro").rank == 5
    assert by_name(api)["Aria Prime"]["available"] is True  # the default tier (basic, 10) reaches pro (5)


def test_queryset_updates_replace_the_version(staff_client, staff_user, tiers, committing, monkeypatch):
    voice = make_voice(staff_user, active=False)
    for action in ("publish", "unpublish"):
        before = version.current()
        with committing():
            staff_client.post("/admin/conversions/voice/", {"action": action, "_selected_action": [str(voice.pk)]})
        assert version.current() != before, action
    monkeypatch.setattr(services, "_render_sample", lambda *args, **kwargs: ("voices/sample.mp3", 2.0))
    before = version.current()
    with committing():
        assert services.render_voice_samples(voice) == 2
    assert version.current() != before


def test_each_user_sees_their_own_tier_favourites_and_settings(api, user, other_user, staff_user, tiers):
    voice = make_voice(staff_user, name="Aria", tiers=[tiers["pro"]], accents=2, styles=2)
    first, second = voice.accents.order_by("short_name")
    other = bearer_client(other_user)
    subscribe(other_user, tiers["studio"])
    by_name(api), by_name(other)  # both see the kept catalogue from here on
    api.post(f"/api/v2/voices/favorite/{voice.pk}", {"favorite": True}, format="json")
    body = {"voice_id": str(voice.pk), "accent_id": str(second.pk), "semitones_correction": -3.0}
    api.post("/api/v2/voices/settings", body, format="json")
    style = voice.narration_styles.get(name="Style 1")
    other.post(
        "/api/v2/voices/settings", {"voice_id": str(voice.pk), "narration_style_id": str(style.pk)}, format="json"
    )
    mine, theirs = by_name(api)["Aria"], by_name(other)["Aria"]
    assert (mine["favorite"], mine["available"]) == (True, False)
    assert (theirs["favorite"], theirs["available"]) == (False, True)
    assert [a["settings"] for a in mine["accents"]] == [
        {"favorite": False, "semitones_correction": 0.0},
        {"favorite": True, "semitones_correction": -3.0},
    ]
    assert [a["settings"]["favorite"] for a in theirs["accents"]] == [False, False]
    assert [s["settings"]["favorite"] for s in mine["narration_styles"]] == [False, False]
    assert [s["settings"]["favorite"] for s in theirs["narration_styles"]] == [False, True]
    assert AccentSetting.objects.filter(user=other_user).count() == 0
    assert NarrationStyleSetting.objects.filter(user=user).count() == 0


def test_private_voices_stay_their_owners(api, user, other_user, staff_user, tiers, committing):
    make_voice(staff_user, name="Public", sort_order=1)
    mine = make_voice(user, name="Mine", visibility="private", sort_order=0)
    other = bearer_client(other_user)
    for _ in range(2):  # read and then kept
        assert list(by_name(api)) == ["Mine", "Public"]
        assert list(by_name(other)) == ["Public"]
        assert by_name(other, "visibility=private") == {}
        assert [v["name"] for v in other.get("/api/v2/voices/search?name=Mine").json()] == []
    assert api.get("/api/v2/voices?limit=1&offset=1").json()["pagination"]["count"] == 2
    assert other.get("/api/v2/voices").json()["pagination"]["count"] == 1
    with committing():
        mine.owner = other_user
        services.save_voice(mine)
    assert list(by_name(api)) == ["Public"]
    assert list(by_name(other)) == ["Mine", "Public"]


def test_kept_lists_follow_filters_and_sorts(api, staff_user, tiers, committing):
    make_voice(staff_user, name="Bravo", pitch=120, gender="male", sort_order=2)
    make_voice(staff_user, name="Alpha", pitch=300, nationality="Polish", sort_order=1)
    for _ in range(2):
        assert list(by_name(api)) == ["Alpha", "Bravo"]
        assert list(by_name(api, "sort=pitch&direction=asc")) == ["Bravo", "Alpha"]
        assert list(by_name(api, "gender=male")) == ["Bravo"]
        assert list(by_name(api, "nationality=polish")) == ["Alpha"]
    with committing():
        Voice.objects.get(name="Alpha").delete()
    assert list(by_name(api)) == ["Bravo"] and list(by_name(api, "nationality=polish")) == []


def test_a_kept_page_costs_the_same_queries_whatever_its_size(api, user, staff_user, tiers, django_assert_num_queries):
    for _ in range(12):
        voice = make_voice(staff_user, tiers=[tiers["basic"]], accents=2, styles=2)
        AccentSetting.objects.create(user=user, accent=voice.accents.first(), favorite=True)
    api.get("/api/v2/voices?limit=12")  # keeps the voices and the list
    for limit in (1, 12):
        # The user's token, then what is theirs (tier, favourites, settings) in one query.
        with django_assert_num_queries(2):
            assert len(api.get(f"/api/v2/voices?limit={limit}").json()["list"]) == limit


def test_image_urls_are_signed_for_each_response(api, staff_user, tiers, local_storage, monkeypatch):
    key = object_storage.put_bytes("voices/tests/portrait.png", b"portrait", "image/png").key
    make_voice(staff_user, name="Aria", image_key=key, thumbnail_key=key)
    first = by_name(api)["Aria"]["image_url"]
    later = time.time() + 400  # past the first URL's life (SIGNED_URL_TTL 300), within the token's
    monkeypatch.setattr(time, "time", lambda: later)
    second = by_name(api)["Aria"]["image_url"]
    assert second != first
    assert api.get(urlsplit(first).path).status_code != 200
    response = api.get(urlsplit(second).path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"portrait"


def test_the_kept_body_and_the_callers_part_make_the_documented_voice():
    from conversions.catalogue.api.serializers import VoiceCatalogueOutput, VoiceOutput

    callers = {"image_url", "thumbnail_url", "favorite", "available", "accents", "narration_styles"}
    assert set(VoiceOutput.Meta.fields) == set(VoiceCatalogueOutput.Meta.fields) | callers
    assert not set(VoiceCatalogueOutput.Meta.fields) & callers
