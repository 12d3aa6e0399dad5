"""Writes of talents (staff, in the admin): avatars, demos checked by content, deletion with
their stored files. Each is one transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from core.errors import DomainError
from core.media import MediaError, images
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage
from core.uploads import AudioLimits, audio_intake

from .models import Demo, Talent

DEMO_FORMATS = {"mp3", "wav", "ogg", "flac", "m4a"}


def _demo_limits() -> AudioLimits:
    return AudioLimits(settings.PARTNERS_AUDIO_MAX_BYTES, settings.PARTNERS_AUDIO_MAX_SECONDS, DEMO_FORMATS)


def add_demo(talent: Talent, fileobj, *, title: str, tags: list[str]) -> Demo:
    """Store a demo recording after checking by content that it is audio of an accepted format."""
    with audio_intake(fileobj, _demo_limits(), f"partners/talents/{talent.pk}/demos") as accepted, transaction.atomic():
        stored = accepted.stored
        return Demo.objects.create(
            talent=talent,
            title=title or "Demo",
            tags=tags,
            audio_key=stored.key,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            duration=accepted.info.duration,
        )


@transaction.atomic
def delete_talent(talent: Talent) -> None:
    """Delete a talent with its demos and avatar; a talent with jobs is protected by the database."""
    keys = [talent.avatar_key, *talent.demos.values_list("audio_key", flat=True)]
    talent.delete()
    schedule_storage_cleanup(keys, subject=f"partner-talent:{talent.public_id}")


@transaction.atomic
def delete_demo(demo: Demo) -> None:
    key = demo.audio_key
    demo.delete()
    schedule_storage_cleanup([key], subject=f"partner-demo:{demo.public_id}")


def set_avatar(talent: Talent, fileobj) -> Talent:
    try:
        image = images.clean(fileobj)
    except MediaError as exc:
        raise DomainError("invalid", str(exc)) from exc
    stored = object_storage.put_bytes(
        new_key(f"partners/talents/{talent.pk}/avatar", image.extension), image.data, image.content_type
    )
    with transaction.atomic():
        locked = Talent.objects.select_for_update().get(pk=talent.pk)
        previous = locked.avatar_key
        locked.avatar_key = stored.key
        locked.avatar_content_type = image.content_type
        locked.save(update_fields=["avatar_key", "avatar_content_type", "updated"])
        schedule_storage_cleanup([previous], subject=f"partner-talent:{talent.pk}")
    return locked
