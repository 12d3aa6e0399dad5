"""core.db.CompiledLookup: the same rows as the ORM's lookup, with its SQL compiled once."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.db import CompiledLookup
from stamps import services as stamp_services
from stamps.models import Stamp

pytestmark = pytest.mark.django_db


def test_finds_the_row_the_orm_finds_for_each_value_in_one_query_each():
    lookup = CompiledLookup(User, "id", is_active=True)
    users = [User.objects.create_user(email=f"u{n}@example.com", password=None) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        found = [lookup.first(user.pk) for user in users] + [lookup.first(str(users[0].pk))]
    assert [user.pk for user in found] == [user.pk for user in users] + [users[0].pk]
    assert found[0].email == "u0@example.com" and found[0].date_joined == users[0].date_joined
    assert len(queries) == 4


def test_every_field_reads_back_as_the_orm_reads_it():
    owner = User.objects.create_user(email="owner@example.com", password=None, display_name="Ö")
    stamp = stamp_services.create_stamp(
        owner=owner, title="Ümlaut", description=None, voice_tags=[{"timestamp": 1.5, "x": 1, "y": 2, "note": "n"}]
    )
    for model, pk in ((User, owner.pk), (Stamp, stamp.pk)):
        found, expected = CompiledLookup(model, model._meta.pk.name).first(pk), model.objects.get(pk=pk)
        assert not found._state.adding and found._state.db == expected._state.db
        for field in model._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
            assert type(getattr(found, field.attname)) is type(getattr(expected, field.attname)), field.name


def test_the_fixed_filters_apply_and_an_unknown_value_finds_nothing():
    lookup = CompiledLookup(User, "id", is_active=True)
    active = User.objects.create_user(email="active@example.com", password=None)
    inactive = User.objects.create_user(email="gone@example.com", password=None, is_active=False)
    assert lookup.first(active.pk) == active
    assert lookup.first(inactive.pk) is None
    assert lookup.first(uuid.uuid4()) is None
    assert lookup.first(None) is None


def test_a_value_equal_to_a_fixed_filter_still_finds_the_right_rows():
    # True is the lookup's value and is_active's: the statement cannot be told apart, the ORM runs.
    lookup = CompiledLookup(User, "is_staff", is_active=True)
    staff = User.objects.create_user(email="staff@example.com", password=None, is_staff=True)
    User.objects.create_user(email="staff-gone@example.com", password=None, is_staff=True, is_active=False)
    assert lookup.first(True) == staff
    assert lookup.first(False) is None
    assert lookup.first(True) == staff
