"""Fields and bases shared by the apps' serializers, and the one way a view parses its input."""

import copy
from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers
from rest_framework.fields import Field, SkipField, empty
from rest_framework.relations import PKOnlyObject


class RequestBody(serializers.Serializer):
    """A request body in which a field the client did not send is absent, JSON and form alike.

    DRF fills a boolean missing from a form with False, because an unticked HTML checkbox is
    not sent at all. API clients leave out what they do not mean to change, so a multipart
    PUT without isPublished would unpublish a voice. Here a missing boolean is missing: its
    default applies, a partial update leaves it alone, a required one is reported missing."""

    def get_fields(self):
        fields = copy_fields(self._declared_fields)
        for field in fields.values():
            if isinstance(field, serializers.BooleanField) and field.default is empty:
                field.default_empty_html = empty
        return fields


def copy_fields(fields: dict) -> dict:
    """Fresh copies of serializer fields, for one serializer instance to bind.

    DRF deep-copies every field, and a field's deep copy re-runs its constructor (and, for a list
    field, its child's): about a tenth of a page of 20, and a fifth of the voice catalogue's query
    check, went there (docs/platform/performance.md). A plain field's state after construction is
    only replaced (``bind`` sets its name and parent), never changed in place, so a copy of its
    attributes is as fresh; a list or dict field of plain children gets a copy of its child, bound
    to the copy. Fields that hold serializers or many-related fields bind those in their own ways,
    so they are still copied deeply."""
    return {name: _fresh_copy(field) for name, field in fields.items()}


def _fresh_copy(field):
    child = getattr(field, "child", None)
    if (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child_relation")
        or (child is not None and _holds_fields(child))
    ):
        return copy.deepcopy(field)
    fresh = _attribute_copy(field)
    if child is not None:
        fresh.child = _attribute_copy(child)
        fresh.child.parent = fresh
    return fresh


def _holds_fields(field) -> bool:
    return isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation")


def _attribute_copy(field):
    # copy.copy goes through __reduce_ex__ and DRF's Field.__new__: three times slower for the same result.
    fresh = object.__new__(type(field))
    fresh.__dict__.update(field.__dict__)
    return fresh


class FastRepresentation:
    """Output rendering for serializers that turn many rows into data (pages of lists).

    The same result as DRF's ``Serializer.to_representation``, without its per-field, per-row
    generic work: DRF walks ``source_attrs`` through a Mapping check (an ABC isinstance) and an
    ``inspect``-based callable check for every field of every row, and looks up the active time
    zone again for every date-time. Here a field read straight from one attribute of an object is
    a ``getattr``; anything else (dotted or ``*`` sources, fields with their own
    ``get_attribute``, mappings, callables, missing attributes) goes through DRF's own path, so
    defaults, ``SkipField`` and errors behave as DRF's. Date-time fields get the time zone active
    for this serializer instance (one request) once, through DRF's own ``timezone`` attribute."""

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            plan = self._representation_plan = self._plan_representation()
        ret = {}
        for name, field, attr in plan:
            if attr is None:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            else:
                try:
                    value = getattr(instance, attr)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    value = _SLOW
                if value is _SLOW or callable(value):
                    try:
                        value = field.get_attribute(instance)
                    except SkipField:
                        continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                ret[name] = None
            else:
                ret[name] = field.to_representation(value)
        return ret

    def _plan_representation(self):
        plan = []
        for field in self._readable_fields:
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = field.default_timezone()
            direct = type(field).get_attribute is Field.get_attribute and len(field.source_attrs) == 1
            plan.append((field.field_name, field, field.source_attrs[0] if direct else None))
        return plan


_SLOW = object()


class Serializer(FastRepresentation, serializers.Serializer):
    """DRF's Serializer with cheaper field copies and output rendering (see ``copy_fields`` and
    ``FastRepresentation``): the base of the apps' output serializers and query-string checks."""

    def get_fields(self):
        return copy_fields(self._declared_fields)


class ModelSerializer(FastRepresentation, serializers.ModelSerializer):
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
        return copy_fields(built)


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
