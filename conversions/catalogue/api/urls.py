"""Routes of the catalogue and calibrations (mounted at /api/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("auth", views.ProfileView.as_view(), name="gateway-auth"),
    path("calibration", views.CalibrationListView.as_view(), name="calibration-list"),
    path("calibration/auto", views.CalibrationAutoView.as_view(), name="calibration-auto"),
    path("calibration/<uuid:calibration_id>", views.CalibrationDetailView.as_view(), name="calibration-detail"),
    path("calibration/<uuid:calibration_id>/enable", views.CalibrationEnableView.as_view(), name="calibration-enable"),
    path("v2/voices", views.VoiceListView.as_view(), name="voice-list"),
    path("v2/voices/search", views.VoiceSearchView.as_view(), name="voice-search"),
    path("v2/voices/favorite/<uuid:voice_id>", views.VoiceFavoriteView.as_view(), name="voice-favorite"),
    path("v2/voices/settings", views.VoiceSettingsView.as_view(), name="voice-settings"),
    path("v2/accents/samples", views.AccentSamplesView.as_view(), name="accent-samples"),
    path("v2/narration-styles/samples", views.NarrationStyleSamplesView.as_view(), name="narration-style-samples"),
]
