from django.urls import path

from . import views

app_name = "gallery"

urlpatterns = [
    path("api/v1/voice-gallery", views.VoiceCollectionView.as_view(), name="voices"),
    path("api/v1/voice-gallery/upload-url", views.UploadUrlView.as_view(), name="upload-url"),
    path("api/v1/voice-gallery/<str:voice_id>", views.VoiceDetailView.as_view(), name="voice"),
    path("api/v1/tts-submissions", views.SubmissionCollectionView.as_view(), name="submissions"),
    path("api/v1/tts-submissions/<str:submission_id>", views.SubmissionDetailView.as_view(), name="submission"),
]
