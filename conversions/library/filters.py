"""Filters and ordering of the studio library lists (core/filters.py)."""

from django import forms
from django.db.models import Q

from core.dialects.conversions import DIRECTIONS
from core.errors import DomainError
from core.filters import FilterSet, OrderingParameter, filters

from . import selectors
from .models import Folder, Project, Recording

PROJECT_SORTS = ("name", "created_at", "last_recording_at")


class ProjectFilter(FilterSet):
    """GET /api/projects: ``owner`` (a user or team id), ordered by ``sort`` and ``direction``."""

    owner = filters.UUIDFilter(method="filter_owner", help_text="The owning user's or team's id.")
    sort = OrderingParameter(
        choices=[(name, name) for name in PROJECT_SORTS], help_text="Order by this column (default created_at)."
    )
    direction = OrderingParameter(choices=[(name, name) for name in DIRECTIONS], help_text="Default desc.")

    class Meta:
        model = Project
        fields = ()

    def filter_owner(self, queryset, name, value):
        return queryset.filter(Q(owner_user_id=value) | Q(owner_team_id=value))

    def filter_queryset(self, queryset):
        chosen = self.form.cleaned_data
        return selectors.order_projects(
            super().filter_queryset(queryset),
            sort=chosen.get("sort") or "created_at",
            direction=chosen.get("direction") or "desc",
        )


# --- folders and recordings: a parent the caller cannot see is a 404, not an empty list -----------
class _NewestFirst(FilterSet):
    """Ordered by creation, newest first unless ``direction`` is asc."""

    direction = OrderingParameter(choices=[(name, name) for name in DIRECTIONS], help_text="Default desc.")

    def filter_queryset(self, queryset):
        return selectors.order_by_creation(
            super().filter_queryset(queryset), direction=self.form.cleaned_data.get("direction") or "desc"
        )


class FolderFilter(_NewestFirst):
    """GET /api/folders: the folders of ``project_id``."""

    project_id = filters.UUIDFilter(method="filter_project", required=True, help_text="The project's id.")

    class Meta:
        model = Folder
        fields = ()

    def filter_project(self, queryset, name, value):
        return queryset.filter(project=selectors.get_project(self.request.user, value))


class _RecordingListForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("project_id") and not cleaned.get("folder_id"):
            self.add_error("folder_id", "Give project_id or folder_id.")
        return cleaned


class RecordingFilter(_NewestFirst):
    """GET /api/recordings: the recordings of ``project_id``, of ``folder_id``, or of both when
    the folder is in the project (one of them is required)."""

    project_id = filters.UUIDFilter(method="filter_project", help_text="The project's id.")
    folder_id = filters.UUIDFilter(method="filter_folder", help_text="The folder's id.")

    class Meta:
        model = Recording
        form = _RecordingListForm
        fields = ()

    def filter_project(self, queryset, name, value):
        return queryset.filter(project=selectors.get_project(self.request.user, value))

    def filter_folder(self, queryset, name, value):
        folder = selectors.get_folder(self.request.user, value)
        project_id = self.form.cleaned_data.get("project_id")
        if project_id is not None and folder.project_id != project_id:
            raise DomainError("invalid", fields={"folder_id": ["The folder is not in this project."]})
        return queryset.filter(parent_folder=folder)


class OriginalFilter(_NewestFirst):
    """GET /api/recordings/originals: the originals in ``folder_id``."""

    folder_id = filters.UUIDFilter(method="filter_folder", required=True, help_text="The folder's id.")

    class Meta:
        model = Recording
        fields = ()

    def filter_folder(self, queryset, name, value):
        return queryset.filter(
            parent_folder=selectors.get_folder(self.request.user, value), type=Recording.Type.ORIGINAL
        )


class ConversionFilter(_NewestFirst):
    """GET /api/recordings/conversions: the conversions of the original ``original_id``."""

    original_id = filters.UUIDFilter(method="filter_original", required=True, help_text="The original's id.")

    class Meta:
        model = Recording
        fields = ()

    def filter_original(self, queryset, name, value):
        return queryset.filter(original=selectors.get_original(self.request.user, value))
