"""Fields and bases shared by the apps' serializers, and the one way a view parses its input."""

import copy

from rest_framework import serializers
from rest_framework.fields import empty


class RequestBody(serializers.Serializer):
    """A request body in which a field the client did not send is absent, JSON and form alike.

    DRF fills a boolean missing from a form with False, because an unticked HTML checkbox is
    not sent at all. API clients leave out what they do not mean to change, so a multipart
    PUT without isPublished would unpublish a voice. Here a missing boolean is missing: its
    default applies, a partial update leaves it alone, a required one is reported missing."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.BooleanField) and field.default is empty:
                field.default_empty_html = empty
        return fields


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with the fields it derives from the model built once per class.

    DRF rebuilds them from the model's metadata for every serializer instance: about half the
    cost of serializing one user (auth/me) went there (docs/platform/performance.md). A copy of
    the fields built the first time is as fresh as a rebuild (each instance binds its own), and
    a subclass that adjusts ``get_fields`` still adjusts its copy."""

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)


class BlankAsNullCharField(serializers.CharField):
    """Output text stored blank when absent (an email, an error), answered as null."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


def validated(serializer_class, data, **kwargs):
    """``data`` checked by ``serializer_class``: its validated data, or DRF's ValidationError
    (which the view's dialect words as its API's validation error)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
