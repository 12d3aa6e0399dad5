"""Every admin page reads like English: acronyms in capitals ("TTS submissions", "AI voice", "SMS"),
never Django's generated "Tts submissions", "Voice is ai" or "Sms"."""

import re

import pytest
from django.contrib import admin
from django.utils.html import strip_tags

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]

MISCASED = re.compile(r"\b(Tts|tts|Sms|sms|Ai|ai|Vst|vst|Url|url|Api|api|Oidc|oidc|Jwt|jwt|Asr|asr)\b")


def _visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return strip_tags(body)


def _pages():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        yield f"/admin/{meta.app_label}/{meta.model_name}/"
        if model_admin.has_add_permission.__func__ is admin.ModelAdmin.has_add_permission:
            yield f"/admin/{meta.app_label}/{meta.model_name}/add/"


def test_admin_labels_spell_acronyms_in_capitals(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    found = {}
    for path in ["/admin/", *_pages()]:
        response = client.get(path)
        assert response.status_code == 200, path
        words = sorted(set(MISCASED.findall(_visible_text(response.content.decode()))))
        if words:
            found[path] = words
    assert not found, "\n".join(f"{path}: {words}" for path, words in found.items())
