"""List filtering and ordering: django-filter FilterSets, one per list, in each app's filters.py.

A view names its ``filterset_class``; ``DialectView.paginate`` filters the queryset with it
before paging, so an invalid value is the API's own validation error (DRF's ValidationError,
which the dialect words), and drf-spectacular documents each filter as a query parameter.
Every filter declares its bounds in the document (a length, a pattern or a set of values),
like the paging parameters do.
"""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.drainage import set_override
from rest_framework.fields import BooleanField

FilterSet = filters.FilterSet


def _document(filter_, schema: dict) -> None:
    """The query parameter's schema in the OpenAPI document, bounds and help text included."""
    if filter_.extra.get("help_text"):
        schema = {**schema, "description": filter_.extra["help_text"]}
    set_override(filter_, "field", schema)


class BoundedCharFilter(filters.CharFilter):
    """Text of at most ``max_length`` characters (NUL refused, as Django's form CharField does)."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        _document(self, {"type": "string", "maxLength": max_length})


class _StrictNullBooleanField(forms.Field):
    """A boolean read like DRF's BooleanField (true/false/1/0/yes/no...): anything else is an
    error rather than "no filter", which is what django-filter's BooleanFilter makes of it."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in BooleanField.TRUE_VALUES:
            return True
        if value in BooleanField.FALSE_VALUES:
            return False
        raise forms.ValidationError(f'"{value}" is not a valid boolean.', code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = _StrictNullBooleanField

    def __init__(self, *args, **kwargs):
        # The raw text reaches the field (django-filter's BooleanWidget turns unknown text into None).
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)
        _document(self, {"type": "boolean"})


class OrderingParameter(filters.ChoiceFilter):
    """A parameter that orders rather than filters (``sort``, ``direction``): checked and
    documented like a filter; the FilterSet's ``filter_queryset`` reads it to order the rows."""

    def filter(self, qs, value):
        return qs
