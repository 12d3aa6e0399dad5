"""Filters and ordering of the studio library lists (core/filters.py)."""

from django.db.models import Q

from core.dialects.conversions import DIRECTIONS
from core.filters import FilterSet, OrderingParameter, filters

from . import selectors
from .models import Project

PROJECT_SORTS = ("name", "created_at", "last_recording_at")


class ProjectFilter(FilterSet):
    """GET /api/projects: ``owner`` (a user or team id), ordered by ``sort`` and ``direction``."""

    owner = filters.UUIDFilter(method="filter_owner", help_text="The owning user's or team's id.")
    sort = OrderingParameter(choices=[(name, name) for name in PROJECT_SORTS],
                             help_text="Order by this column (default created_at).")
    direction = OrderingParameter(choices=[(name, name) for name in DIRECTIONS], help_text="Default desc.")

    class Meta:
        model = Project
        fields = ()

    def filter_owner(self, queryset, name, value):
        return queryset.filter(Q(owner_user_id=value) | Q(owner_team_id=value))

    def filter_queryset(self, queryset):
        chosen = self.form.cleaned_data
        return selectors.order_projects(super().filter_queryset(queryset), sort=chosen.get("sort") or "created_at",
                                        direction=chosen.get("direction") or "desc")
