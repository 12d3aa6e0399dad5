"""The public pages behind a talent's talent_url and avatar and a demo's audio_url and player
URLs: HTML and files, not the API (no key, no dialect)."""

from django.http import Http404
from django.shortcuts import render
from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from core.http import serve_file
from core.storage import object_storage

from .. import selectors

PLAYER_LAYOUTS = {
    "voices-standard": {"theme": "voices", "timer": True, "complete": False},
    "light-standard": {"theme": "light", "timer": False, "complete": False},
    "light-standard-timer": {"theme": "light", "timer": True, "complete": False},
    "light-standard-complete": {"theme": "light", "timer": True, "complete": True},
    "dark-standard": {"theme": "dark", "timer": False, "complete": False},
    "dark-standard-timer": {"theme": "dark", "timer": True, "complete": False},
    "dark-standard-complete": {"theme": "dark", "timer": True, "complete": True},
}


# Players and talent pages are made to be framed on partners' sites; the rest of the policy stays.
_embeddable_anywhere = csp_replace({"frame-ancestors": ["*"]})


@require_GET
def demo_audio(request, public_id):
    demo = selectors.demo_by_public_id(public_id)
    if demo is None or not object_storage.exists(demo.audio_key):
        raise Http404("No such demo")
    return serve_file(
        request,
        object_storage.open(demo.audio_key),
        size=demo.size,
        content_type=demo.content_type,
        etag=demo.sha256,
        cache_seconds=3600,
    )


@require_GET
@xframe_options_exempt
@_embeddable_anywhere
def demo_player(request, public_id, style):
    layout = PLAYER_LAYOUTS.get(style)
    demo = selectors.demo_by_public_id(public_id)
    if layout is None or demo is None:
        raise Http404("No such player")
    return render(request, "partners/player.html", {"demo": demo, "talent": demo.talent, "style": style, **layout})


@require_GET
@xframe_options_exempt
@_embeddable_anywhere
def talent_page(request, public_id):
    talent = selectors.talent_by_public_id(public_id)
    if talent is None:
        raise Http404("No such talent")
    return render(request, "partners/talent.html", {"talent": talent})


@require_GET
def talent_avatar(request, public_id):
    talent = selectors.talent_by_public_id(public_id)
    if talent is None or not talent.avatar_key or not object_storage.exists(talent.avatar_key):
        raise Http404("No avatar")
    return serve_file(
        request,
        object_storage.open(talent.avatar_key),
        size=object_storage.size(talent.avatar_key),
        content_type=talent.avatar_content_type,
        cache_seconds=3600,
    )
