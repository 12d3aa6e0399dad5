from django.urls import path

from . import views

app_name = "stamps"

VST = "api/v1/security/vst/<id:vst_id>"

urlpatterns = [
    path("api/v1/voicestamps", views.StampListCreateView.as_view(), name="stamp-list"),
    path("api/v1/voicestamps/<id:stamp_id>", views.StampDetailView.as_view(), name="stamp-detail"),
    path("api/v1/voicestamps/<id:stamp_id>/transcribe", views.TranscribeView.as_view(), name="stamp-transcribe"),
    path("api/v1/security/vst/draft", views.DraftView.as_view(), name="vst-draft"),
    path(f"{VST}/audio", views.AudioUploadView.as_view(), name="vst-audio-upload"),
    path(f"{VST}/audio/<str:filename>", views.AudioFileView.as_view(), name="vst-audio"),
    path(f"{VST}/image", views.ImageUploadView.as_view(), name="vst-image-upload"),
    path(f"{VST}/image/<str:filename>", views.ImageFileView.as_view(), name="vst-image"),
    path("api/v1/files/<str:filename>", views.FileView.as_view(), name="file"),
    path(f"{VST}/manifest", views.ManifestView.as_view(), name="vst-manifest"),
    path(f"{VST}/drawings", views.DrawingsView.as_view(), name="vst-drawings"),
    path(f"{VST}/upload-txt", views.UploadTextView.as_view(), name="vst-upload-txt"),
    path(f"{VST}/complete-package", views.CompletePackageView.as_view(), name="vst-complete-package"),
    path(f"{VST}/package", views.PackageView.as_view(), name="vst-package"),
    path(f"{VST}/convert", views.ConvertView.as_view(), name="vst-convert"),
    path(f"{VST}/download", views.DownloadView.as_view(), name="vst-download"),
    path(f"{VST}/thumbnail", views.ThumbnailView.as_view(), name="vst-thumbnail"),
    path(f"{VST}/thumbnail/generate", views.ThumbnailGenerateView.as_view(), name="vst-thumbnail-generate"),
    path(f"{VST}/thumbnail/regenerate", views.ThumbnailRegenerateView.as_view(), name="vst-thumbnail-regenerate"),
    path("api/v1/security/ai/translate", views.TranslateView.as_view(), name="ai-translate"),
]
