"""The stamp tables' invariants hold in the database, not only in code."""

import pytest
from django.db import IntegrityError, transaction

from stamps.models import Stamp, StampFile

pytestmark = pytest.mark.django_db


def _file(stamp, role, name, **extra):
    return StampFile.objects.create(
        stamp=stamp,
        role=role,
        key=f"stamps/{stamp.pk}/{name}",
        filename=name,
        content_type="application/octet-stream",
        size=1,
        sha256="0" * 64,
        **extra,
    )


def test_stamp_ids_are_integers_and_one_audio_per_stamp(user):
    stamp = Stamp.objects.create(owner=user, title="T")
    assert isinstance(stamp.pk, int)
    _file(stamp, StampFile.Role.AUDIO, "a.mp3")
    with pytest.raises(IntegrityError), transaction.atomic():
        _file(stamp, StampFile.Role.AUDIO, "b.mp3")
    _file(stamp, StampFile.Role.IMAGE, "c.png", position=0)
    _file(stamp, StampFile.Role.IMAGE, "d.png", position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _file(stamp, StampFile.Role.IMAGE, "e.png", position=1)


def test_status_is_constrained(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stamp.objects.create(owner=user, title="T", conversion_status="bogus")


def test_demo_seed_makes_one_packaging_stamp(make_user, django_capture_on_commit_callbacks, local_storage):
    import io

    from accounts.demo import DEMO_EMAIL
    from stamps import demo

    owner = make_user(email=DEMO_EMAIL)
    with django_capture_on_commit_callbacks(execute=False):
        demo.seed(io.StringIO())
        demo.seed(io.StringIO())
    stamp = Stamp.objects.get(owner=owner)
    assert stamp.conversion_status == "processing"
    assert sorted(stamp.files.values_list("role", flat=True)) == ["audio", "image"]
    assert len(stamp.voice_tags) == 2
