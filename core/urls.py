from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("storage/o/<str:token>", views.signed_download, name="signed-download"),
    path("storage/upload/<str:token>", views.upload_slot, name="upload-slot"),
]
