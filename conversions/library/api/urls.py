"""Routes of the studio library, mounted at /api/ (specific paths before the {id} ones)."""

from django.urls import path

from . import views

urlpatterns = [
    path("projects", views.ProjectsView.as_view(), name="conversions-projects"),
    path("projects/by-url", views.ProjectByUrlView.as_view(), name="conversions-project-by-url"),
    path("projects/<uuid:project_id>", views.ProjectDetailView.as_view(), name="conversions-project"),
    path("projects/<uuid:project_id>/export", views.ProjectExportView.as_view(), name="conversions-project-export"),
    path("folders", views.FoldersView.as_view(), name="conversions-folders"),
    path("folders/<uuid:folder_id>", views.FolderDetailView.as_view(), name="conversions-folder"),
    path("recordings", views.RecordingsView.as_view(), name="conversions-recordings"),
    path("recordings/originals", views.OriginalsView.as_view(), name="conversions-originals"),
    path("recordings/conversions", views.ConversionsView.as_view(), name="conversions-conversions"),
    path("recordings/export", views.RecordingExportView.as_view(), name="conversions-recordings-export"),
    path("recordings/tts", views.TtsV1View.as_view(), name="conversions-tts-v1"),
    path("recordings/<uuid:recording_id>", views.RecordingDetailView.as_view(), name="conversions-recording"),
    path("v2/recordings/tts", views.TtsV2View.as_view(), name="conversions-tts-v2"),
    path("tts-voices", views.TtsVoicesView.as_view(), name="conversions-tts-voices"),
    path("notes", views.NotesView.as_view(), name="conversions-notes"),
    path("stats", views.StatsView.as_view(), name="conversions-stats"),
    path("stats/projects", views.ProjectStatsView.as_view(), name="conversions-stats-projects"),
    path("stats/folders", views.FolderStatsView.as_view(), name="conversions-stats-folders"),
    # The gateway serves stored files at /api/{file_url}; a recording's url and waveform_url name these.
    path(
        "files/recordings/<uuid:recording_id>/audio",
        views.RecordingAudioView.as_view(),
        name="conversions-recording-audio",
    ),
    path(
        "files/recordings/<uuid:recording_id>/waveform.png",
        views.RecordingWaveformView.as_view(),
        name="conversions-recording-waveform",
    ),
]
