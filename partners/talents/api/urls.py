"""Talent routes (partners/urls.py mounts them) and the public pages they point at."""

from django.urls import path

from . import pages, views

ROUTES = [
    ("programs/<id:program_id>/talents", views.ProgramTalentsView, "program-talents"),
    ("talents/<id:talent_id>", views.TalentDetailView, "talent"),
]

# Public pages behind the talent_url, avatar, audio_url and player URLs.
PAGES = [
    path("p/talents/<uuid:public_id>", pages.talent_page, name="talent-page"),
    path("p/talents/<uuid:public_id>/avatar", pages.talent_avatar, name="talent-avatar"),
    path("p/demos/<uuid:public_id>/audio", pages.demo_audio, name="demo-audio"),
    path("p/demos/<uuid:public_id>/player/<slug:style>", pages.demo_player, name="demo-player"),
]
