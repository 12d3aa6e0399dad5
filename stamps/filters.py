"""Filters of the VoiceStamps lists (core/filters.py)."""

from django.db.models import Q

from core.filters import BoundedCharFilter, FilterSet, filters

from .models import Stamp


class StampFilter(FilterSet):
    """GET /api/v1/voicestamps: ``status`` and ``search`` (title, description or a voice tag's note)."""

    status = filters.ChoiceFilter(field_name="conversion_status", choices=Stamp.Status.choices)
    search = BoundedCharFilter(
        method="filter_search",
        max_length=200,
        help_text="Text found in the title, the description or a voice tag's note.",
    )

    class Meta:
        model = Stamp
        fields = ()

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(voice_tag_notes__icontains=value)
        )
