"""core.serializers: the shared bases render exactly what DRF renders, for every way a field reads
its value, and each serializer instance still gets fields of its own."""

import copy
import datetime
import zoneinfo

import pytest
from django.http import QueryDict
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from core.serializers import ModelSerializer, Serializer


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)


class Broken:
    @property
    def missing(self):
        raise AttributeError("computed from something that is not there")


def _fields():
    return {
        "name": serializers.CharField(),
        "count": serializers.IntegerField(),
        "when": serializers.DateTimeField(),
        "label": serializers.CharField(source="get_label"),
        "nested_name": serializers.CharField(source="parent.name"),
        "whole": serializers.SerializerMethodField(),
        "absent_default": serializers.CharField(default="fallback"),
        "absent_null": serializers.CharField(allow_null=True),
        "absent_optional": serializers.CharField(required=False),
        "tags": serializers.ListField(child=serializers.CharField()),
    }


def _get_whole(self, obj):
    return f"{type(obj).__name__}:{self.context.get('suffix', '')}"


def _pair():
    """The same declaration on DRF's base and on ours."""
    return tuple(
        type(name, (base,), {**_fields(), "get_whole": _get_whole})
        for name, base in (("Theirs", serializers.Serializer), ("Ours", Serializer))
    )


def _rows():
    parent = Row(name="Parent")
    when = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone.utc)
    return [
        Row(name="A", count=3, when=when, get_label=lambda: "called", parent=parent, tags=["x", "y"]),
        Row(name="B", count="7", when=None, get_label=lambda: "again", parent=parent, tags=[]),
        {"name": "C", "count": 1, "when": when, "get_label": "plain", "parent": {"name": "P"}, "tags": ["z"]},
    ]


def test_many_rows_render_as_drf_renders_them():
    theirs, ours = _pair()
    rows = _rows()
    context = {"suffix": "ctx"}
    assert ours(rows, many=True, context=context).data == theirs(rows, many=True, context=context).data


def test_date_times_follow_the_active_time_zone_of_the_request():
    theirs, ours = _pair()
    rows = _rows()[:1]
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        expected = theirs(rows, many=True).data
        assert ours(rows, many=True).data == expected
    assert expected[0]["when"] == "2026-03-29T03:30:00+02:00"


def test_a_required_value_that_is_missing_fails_as_in_drf():
    class Ours(Serializer):
        missing = serializers.CharField()

    with pytest.raises(AttributeError, match="Got AttributeError when attempting to get a value"):
        Ours(Broken()).data  # noqa: B018 (the property runs the serializer)


def test_each_instance_binds_fields_of_its_own():
    _, ours = _pair()
    first, second = ours(context={"suffix": "1"}), ours(context={"suffix": "2"})
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first and second.fields["name"].parent is second
    assert first.fields["tags"].child is not second.fields["tags"].child
    assert first.fields["tags"].child.parent is first.fields["tags"]
    assert first.fields["tags"].child.root is first
    first.fields["name"].label = "Changed"
    assert second.fields["name"].label != "Changed"


def _query_pair():
    fields = {
        "colour": serializers.ListField(child=serializers.ChoiceField(["red", "blue"]), required=False, max_length=2),
        "sizes": serializers.ListField(child=serializers.IntegerField(min_value=1)),
        "sort": serializers.ChoiceField(["name", "date"], default="name"),
        "flags": serializers.DictField(child=serializers.BooleanField(), required=False),
        "limit": serializers.IntegerField(min_value=1, max_value=10, default=5),
    }
    return tuple(
        type(name, (base,), copy.deepcopy(fields))
        for name, base in (("Theirs", serializers.Serializer), ("Ours", Serializer))
    )


@pytest.mark.parametrize(
    "query",
    [
        "sizes=1&sizes=2",
        "colour=red&colour=blue&sizes=3&sort=date&limit=10",
        "colour=green&sizes=0&sort=size&limit=11",
        "colour=red&colour=red&colour=blue&sizes=x",
        "",
    ],
)
def test_query_strings_are_checked_as_drf_checks_them(query):
    theirs, ours = _query_pair()
    for _ in range(2):  # the second instance of each runs on copies of the same declared fields
        expected, got = theirs(data=QueryDict(query)), ours(data=QueryDict(query))
        assert got.is_valid() == expected.is_valid()
        assert got.errors == expected.errors
        assert (got.validated_data if not got.errors else None) == (
            expected.validated_data if not expected.errors else None
        )


class UserOut(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "date_joined"]


class DrfUserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "date_joined"]


@pytest.mark.django_db
def test_model_rows_render_as_drf_renders_them():
    users = [User.objects.create_user(email=f"u{n}@example.com", password=None) for n in range(3)]
    assert UserOut(users, many=True).data == DrfUserOut(users, many=True).data
