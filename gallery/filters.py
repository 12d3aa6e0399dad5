"""Filters of the Voice Gallery list (core/filters.py)."""

from core.filters import FilterSet, StrictBooleanFilter

from .models import Voice
from .selectors import is_gallery_admin


class VoiceFilter(FilterSet):
    """GET /api/v1/voice-gallery: admins may filter on ``isPublished``; everyone else only ever
    sees published voices, so for them the parameter is ignored, not checked."""

    isPublished = StrictBooleanFilter(
        field_name="is_published",
        help_text="Admins only; others always see published.",
    )

    class Meta:
        model = Voice
        fields = ()

    def _applies(self) -> bool:
        return is_gallery_admin(getattr(self.request, "user", None))

    def is_valid(self):
        return not self._applies() or super().is_valid()

    @property
    def qs(self):
        # Not through django-filter's own qs for everyone else: it builds and checks the filter
        # form (~0.1 ms of a public page) whose answer would be ignored.
        return super().qs if self._applies() else self.queryset.all()
