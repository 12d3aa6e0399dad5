"""VoiceStamps routes: the stamp's own API and sharing (the share API and the share page).

Sharing's route names are global (``stamps-share-*``), the stamp API's are namespaced
(``stamps:stamp-list``), as they were before the sub-packages; full paths live in each api/urls.py.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("stamps.sharing.api.urls")),
    path("", include("stamps.api.urls")),
]
