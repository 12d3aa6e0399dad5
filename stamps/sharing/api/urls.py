"""Sharing routes (the share API and the share page), mounted by stamps/urls.py before the stamp API."""

from django.urls import path

from .. import page_views
from . import views

urlpatterns = [
    path("api/v1/voicestamps/<id:stamp_id>/share", views.ShareCreateView.as_view(), name="stamps-share-create"),
    path("api/v1/voicestamps/<id:stamp_id>/share/email", views.EmailShareView.as_view(), name="stamps-share-email"),
    path("api/v1/voicestamps/<id:stamp_id>/share/sms", views.SmsShareView.as_view(), name="stamps-share-sms"),
    path("api/v1/voicestamps/<id:stamp_id>/shares", views.ShareListView.as_view(), name="stamps-share-list"),
    path(
        "api/v1/voicestamps/<id:stamp_id>/shares/<str:code>",
        views.ShareDetailView.as_view(),
        name="stamps-share-detail",
    ),
    path("api/v1/voicestamps/<id:stamp_id>/replies", views.ReplyListView.as_view(), name="stamps-reply-list"),
    path("api/v1/voicestamp/public/<str:code>", views.PublicShareView.as_view(), name="stamps-public-share"),
    path(
        "api/v1/voicestamp/public/<str:code>/data", views.PublicShareDataView.as_view(), name="stamps-public-share-data"
    ),
    path("api/v1/security/vst/reply/<str:token>", views.ReplyView.as_view(), name="stamps-reply"),
    path("share/<str:code>", page_views.share_page, name="stamps-share-page"),
    path("share/<str:code>/reply", page_views.share_page_reply, name="stamps-share-page-reply"),
    path("share/<str:code>/media", page_views.share_page_media, name="stamps-share-media"),
    path("share/<str:code>/preview", page_views.share_preview, name="stamps-share-preview"),
]
