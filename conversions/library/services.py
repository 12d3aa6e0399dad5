"""Writes of the studio library: projects, folders, recordings (uploaded, synthesised or
converted), notes. Each public function is one transaction; stored objects are cleaned up
when the database write fails, and after commit when their rows are deleted.

Orders (conversions/orders/) create conversions through ``create_converted_recording`` and
finishes them with ``complete_recording`` / ``fail_recording``. A conversion ordered while its
original is still processing waits (``WAITING_FOR_ORIGINAL``); when the original settles (done or
error) a job sent by name (``ORIGINAL_SETTLED_TASK``, the orders') starts or fails them.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Team
from core import jobs
from core.errors import DomainError
from core.media import MediaError
from core.media import audio as audio_engine
from core.media import tts as tts_engine
from core.media import vocoder
from core.media import waveform as waveform_engine
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, audio_intake

from .models import Folder, Note, Project, Recording, TtsVoice

logger = logging.getLogger(__name__)

UPLOAD_FORMATS = {"wav", "ogg", "mp3", "flac"}
SLUG_MAX = 50
WAITING_FOR_ORIGINAL = "waiting_for_original"
# Tasks (this package's, and orders/tasks.py's) are sent by name.
PROCESS_TASK = "conversions.process_recording"
SYNTHESIZE_TASK = "conversions.synthesize_recording"
ORIGINAL_SETTLED_TASK = "conversions.start_conversions_of_original"


def _storage_keys(recordings) -> list[str]:
    keys = []
    for audio_key, waveform_key in recordings.values_list("audio_key", "waveform_key"):
        keys.extend((audio_key, waveform_key))
    return keys


# --- projects ---------------------------------------------------------------------------
def _owner_for(user, owner_id) -> dict:
    if owner_id is None or owner_id == user.pk:
        return {"owner_user": user}
    team = Team.objects.filter(pk=owner_id, memberships__user=user).first()
    if team is None:
        raise DomainError("forbidden", "You can only create projects for yourself or your groups")
    return {"owner_team": team}


def _free_slug(base: str) -> str:
    taken = set(Project.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def project_url(slug: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/projects/{slug}"


def slug_from_project_url(value: str) -> str | None:
    """The slug named by a project URL (ours, its path, or the bare slug), or None."""
    path = urlsplit(value.strip()).path.rstrip("/")
    match = re.fullmatch(r"(?:.*/)?projects/([a-z0-9-]+)|([a-z0-9-]+)", path)
    return (match.group(1) or match.group(2)) if match else None


def create_project(user, *, name: str, owner_id=None) -> Project:
    owner = _owner_for(user, owner_id)
    base = slugify(name)[:SLUG_MAX].strip("-") or "project"
    for _ in range(5):
        slug = _free_slug(base)
        try:
            with transaction.atomic():
                project = Project.objects.create(name=name, slug=slug, url=project_url(slug), created_by=user, **owner)
        except IntegrityError:
            # Another request took the slug between our read and write: pick again.
            continue
        logger.info("project %s created by user %s", project.pk, user.pk)
        return project
    raise DomainError("conflict", "Could not allocate a unique project slug; try again")


def rename_project(project: Project, *, name: str) -> Project:
    project.name = name
    project.save(update_fields=["name"])
    return project


@transaction.atomic
def delete_project(project: Project) -> None:
    keys = _storage_keys(Recording.objects.filter(project=project))
    project_id = project.pk
    project.delete()
    schedule_storage_cleanup(keys, subject=f"project:{project_id}")
    logger.info("project %s deleted with %s stored objects", project_id, len(keys))


# --- folders ----------------------------------------------------------------------------
def create_folder(*, project: Project, name: str, parent: Folder | None = None) -> Folder:
    if parent is not None and parent.project_id != project.pk:
        raise DomainError("invalid", fields={"parent_id": ["The parent folder belongs to another project."]})
    return Folder.objects.create(project=project, parent=parent, name=name)


def rename_folder(folder: Folder, *, name: str) -> Folder:
    folder.name = name
    folder.save(update_fields=["name"])
    return folder


@transaction.atomic
def delete_folder(folder: Folder, tree_ids: list) -> list:
    """Delete the folder, its sub-folders and their recordings; returns the deleted folder ids."""
    keys = _storage_keys(Recording.objects.filter(parent_folder_id__in=tree_ids))
    Folder.objects.filter(pk__in=tree_ids).delete()
    schedule_storage_cleanup(keys, subject=f"folder:{folder.pk}")
    logger.info("folder %s deleted with %s sub-folders", folder.pk, len(tree_ids) - 1)
    return tree_ids


# --- recordings -------------------------------------------------------------------------
def _safe_file_name(name: str, extension: str) -> str:
    stem = Path(name or "").stem
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._")[:100] or "recording"
    return f"{stem}.{extension}"


def _touch_project(project_id) -> None:
    Project.objects.filter(pk=project_id).update(last_recording_at=timezone.now())


def _start_processing(recording: Recording, kind: str, task: str) -> None:
    job = jobs.start_job(
        kind,
        task,
        subject=f"recording:{recording.pk}",
        payload={"recording_id": str(recording.pk)},
        owner=recording.created_by,
    )
    recording.job = job
    recording.save(update_fields=["job"])


def create_uploaded_recording(user, *, folder: Folder, upload, microphone: str, label: str = "") -> Recording:
    """Check the upload by content (wav, ogg, mp3, flac), stream it to storage, record it and
    queue the job that measures it and renders its waveform."""
    limits = AudioLimits(
        settings.CONVERSIONS_RECORDING_MAX_BYTES, settings.CONVERSIONS_RECORDING_MAX_SECONDS, UPLOAD_FORMATS
    )
    with audio_intake(upload, limits, f"conversions/{folder.project_id}/recordings", field="data") as accepted:
        info, stored = accepted.info, accepted.stored
        with transaction.atomic():
            recording = Recording.objects.create(
                project_id=folder.project_id,
                parent_folder=folder,
                created_by=user,
                type=Recording.Type.ORIGINAL,
                state=Recording.State.PROCESSING,
                process_stage="queued",
                label=label,
                microphone=microphone,
                file_name=_safe_file_name(upload.name, info.format),
                audio_key=stored.key,
                audio_format=info.format,
                content_type=info.content_type,
                size=stored.size,
                sha256=stored.sha256,
                duration=info.duration,
            )
            _touch_project(folder.project_id)
            _start_processing(recording, "conversions.recording", PROCESS_TASK)
    logger.info("recording %s uploaded to folder %s (%s bytes, %s)", recording.pk, folder.pk, stored.size, info.format)
    return recording


@transaction.atomic
def create_tts_recording(
    user, *, folder: Folder, text: str, voice: TtsVoice, language: str, label: str = ""
) -> Recording:
    """An original to be spoken by ``voice``; a job synthesises it."""
    recording = Recording.objects.create(
        project_id=folder.project_id,
        parent_folder=folder,
        created_by=user,
        type=Recording.Type.ORIGINAL,
        state=Recording.State.PROCESSING,
        process_stage="queued",
        label=label,
        microphone="tts",
        tts=True,
        tts_voice=voice.name,
        tts_voice_id=voice.pk,
        text=text,
        text_language=language,
        params={"engine_voice": voice.engine_voice, "rate": voice.rate, "pitch": voice.pitch},
    )
    _touch_project(folder.project_id)
    _start_processing(recording, "conversions.tts", SYNTHESIZE_TASK)
    logger.info("tts recording %s queued in folder %s with voice %s", recording.pk, folder.pk, voice.pk)
    return recording


def create_converted_recording(
    original: Recording,
    *,
    created_by,
    label: str = "",
    model_id=None,
    model_name: str = "",
    calibration_id=None,
    calibration_value: float | None = None,
    calibration_name: str = "",
    params: dict | list | None = None,
    tts_voice: str = "",
    tts_voice_id=None,
    waits_for_original: bool = False,
) -> Recording:
    """A conversion of ``original`` in its folder, state processing until ``complete_recording``
    (or ``fail_recording``) is called by whoever produces the audio. ``waits_for_original``: the
    original is still processing; the conversion is started when it settles."""
    if original.type != Recording.Type.ORIGINAL:
        raise ValueError("conversions are made from originals")
    with transaction.atomic():
        recording = Recording.objects.create(
            project_id=original.project_id,
            parent_folder_id=original.parent_folder_id,
            original=original,
            created_by=created_by,
            type=Recording.Type.CONVERTED,
            state=Recording.State.PROCESSING,
            process_stage=WAITING_FOR_ORIGINAL if waits_for_original else "queued",
            label=label[:40],
            microphone=original.microphone,
            tts=original.tts,
            text=original.text,
            text_language=original.text_language,
            tts_voice=tts_voice,
            tts_voice_id=tts_voice_id,
            model_id=model_id,
            model_name=model_name,
            calibration_id=calibration_id,
            calibration_value=calibration_value,
            calibration_name=calibration_name,
            params=params or {},
        )
        _touch_project(original.project_id)
    return recording


def set_process_stage(recording_id, stage: str) -> None:
    Recording.objects.filter(pk=recording_id).update(process_stage=stage)


def complete_recording(
    recording_id,
    audio_path: str | Path,
    *,
    file_name: str | None = None,
    speaker_f0: float | None = None,
    writing: Callable[[], AbstractContextManager] = transaction.atomic,
    prefix: str | None = None,
) -> Recording:
    """Store produced or uploaded audio for a recording, measure it, render its waveform and
    mark it done. Raises MediaError (recording untouched) if the audio is not usable.

    ``writing`` opens the transaction of the row update: a job passes ``ctx.writing_results``
    so that a runner that lost its lease writes nothing (its objects are removed), and
    ``prefix``, its output prefix (``job_outputs``), so that a killed job leaves nothing."""
    info = audio_engine.probe(audio_path, allowed_formats=set(audio_engine.FORMATS.values()))
    waveform = waveform_engine.render(audio_path)
    recording = Recording.objects.get(pk=recording_id)
    with removed_on_failure() as new_keys:
        audio = None
        if recording.audio_key == "":
            with open(audio_path, "rb") as source:
                audio = object_storage.put(
                    new_key(prefix or f"conversions/{recording.project_id}/recordings", info.format),
                    source,
                    info.content_type,
                )
            new_keys.append(audio.key)
        picture = object_storage.put_bytes(
            new_key(prefix or f"conversions/{recording.project_id}/waveforms", "png"), waveform.png, "image/png"
        )
        new_keys.append(picture.key)
        with writing():
            recording = Recording.objects.select_for_update().get(pk=recording_id)
            replaced = [recording.waveform_key]
            if audio is not None:
                replaced.append(recording.audio_key)
                recording.audio_key, recording.size, recording.sha256 = audio.key, audio.size, audio.sha256
                recording.audio_format, recording.content_type = info.format, info.content_type
                stem = file_name or recording.label or recording.model_name or recording.type
                recording.file_name = _safe_file_name(stem, info.format)
            recording.waveform_key = picture.key
            recording.duration = waveform.duration
            recording.f0 = speaker_f0
            recording.state = Recording.State.DONE
            recording.error = ""
            recording.process_stage = "done"
            if recording.type == Recording.Type.CONVERTED:
                recording.converted_at = timezone.now()
            recording.save()
            schedule_storage_cleanup(replaced, subject=f"recording:{recording.pk}")
            _release_waiting_conversions(recording)
    logger.info("recording %s done (%.2fs)", recording.pk, recording.duration)
    return recording


@transaction.atomic
def fail_recording(recording_id, reason: str) -> None:
    recording = Recording.objects.select_for_update().filter(pk=recording_id).first()
    if recording is None:
        return
    recording.state, recording.error, recording.process_stage = Recording.State.ERROR, reason[:1000], "error"
    recording.save(update_fields=["state", "error", "process_stage"])
    _release_waiting_conversions(recording)
    logger.info("recording %s failed: %s", recording_id, reason)


def _release_waiting_conversions(original: Recording) -> None:
    """The original settled (done or error), inside the transaction that says so: if conversions
    wait for it, queue the orders' job that starts (or fails) them. Callers that order
    conversions lock the original row, so no conversion starts waiting after this ran."""
    if original.type != Recording.Type.ORIGINAL:
        return
    if not Recording.objects.filter(original=original, process_stage=WAITING_FOR_ORIGINAL).exists():
        return
    jobs.start_job(
        "conversions.original_settled",
        ORIGINAL_SETTLED_TASK,
        subject=f"recording:{original.pk}",
        payload={"recording_id": str(original.pk)},
    )


def job_outputs(ctx: jobs.JobContext, project_id) -> str:
    """Where a job stores the objects it makes for a project's recording (core.jobs removes
    them unless the job records them)."""
    return ctx.output_prefix(f"conversions/{project_id}")


def _recording_job(job_id, work) -> None:
    job = jobs.Job.objects.filter(pk=job_id).only("payload").first()
    recording_id = job.payload.get("recording_id") if job else None

    def on_failure(_job, reason):
        if recording_id:
            fail_recording(recording_id, reason or "Processing failed.")

    jobs.run_job(job_id, lambda ctx: work(ctx, recording_id), on_failure=on_failure)


def run_recording_processing(job_id) -> None:
    """Job body: measure the stored audio and render its waveform."""

    def work(ctx: jobs.JobContext, recording_id):
        recording = Recording.objects.filter(pk=recording_id).first()
        if recording is None:
            return
        set_process_stage(recording.pk, "waveform")
        with tempfile.TemporaryDirectory(prefix="recording-") as scratch:
            local = object_storage.download(
                recording.audio_key, Path(scratch) / f"audio.{recording.audio_format or 'bin'}"
            )
            ctx.progress(30)
            try:
                complete_recording(
                    recording.pk,
                    local,
                    speaker_f0=_speaker_f0(recording, local),
                    writing=ctx.writing_results,
                    prefix=job_outputs(ctx, recording.project_id),
                )
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None

    _recording_job(job_id, work)


def _speaker_f0(recording: Recording, path: Path) -> float | None:
    """An uploaded original's median pitch, so an order's pitch shift can be checked before it is
    accepted; None for a conversion, or audio with too little voice (orders then measure in the job)."""
    if recording.type != Recording.Type.ORIGINAL:
        return None
    try:
        return vocoder.estimate_f0(path, algorithm="dio", max_seconds=settings.CONVERSIONS_MAX_ORIGINAL_SECONDS).f0
    except MediaError:
        return None


def run_tts_synthesis(job_id) -> None:
    """Job body: speak the recording's text with espeak-ng, then store and measure it."""

    def work(ctx: jobs.JobContext, recording_id):
        recording = Recording.objects.filter(pk=recording_id).first()
        if recording is None:
            return
        set_process_stage(recording.pk, "synthesis")
        params = recording.params
        with tempfile.TemporaryDirectory(prefix="tts-") as scratch:
            target = Path(scratch) / "speech.wav"
            try:
                tts_engine.synthesize(
                    recording.text,
                    target,
                    voice=params["engine_voice"],
                    rate=params.get("rate", 160),
                    pitch=params.get("pitch", 50),
                )
                ctx.progress(60)
                set_process_stage(recording.pk, "waveform")
                complete_recording(
                    recording.pk,
                    target,
                    file_name=recording.label or "tts",
                    writing=ctx.writing_results,
                    prefix=job_outputs(ctx, recording.project_id),
                )
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None

    _recording_job(job_id, work)


def reprocess_recordings(recordings) -> int:
    """Queue the waveform job again for recordings that have stored audio (staff action)."""
    count = 0
    for recording in recordings.exclude(audio_key=""):
        with transaction.atomic():
            Recording.objects.filter(pk=recording.pk).update(
                state=Recording.State.PROCESSING, error="", process_stage="queued"
            )
            _start_processing(recording, "conversions.recording", PROCESS_TASK)
        count += 1
    return count


def update_recording(recording: Recording, **changes) -> Recording:
    for field, value in changes.items():
        setattr(recording, field, value)
    if changes:
        recording.save(update_fields=list(changes))
    return recording


@transaction.atomic
def delete_recording(recording: Recording) -> list:
    """Delete a recording (an original takes its conversions with it); returns the deleted ids."""
    tree = Recording.objects.filter(pk=recording.pk) | Recording.objects.filter(original_id=recording.pk)
    ids = list(tree.values_list("id", flat=True))
    keys = _storage_keys(Recording.objects.filter(pk__in=ids))
    Recording.objects.filter(pk__in=ids).delete()
    schedule_storage_cleanup(keys, subject=f"recording:{recording.pk}")
    logger.info("recording %s deleted with %s conversions", recording.pk, len(ids) - 1)
    return ids


def count_listen(recording: Recording) -> None:
    Recording.objects.filter(pk=recording.pk).update(listen_count=F("listen_count") + 1)


# --- TTS voices -----------------------------------------------------------------------
F0_SAMPLE_TEXT = {
    "en": "Every voice has a pitch of its own, and this sentence measures it.",
    "de": "Jede Stimme hat ihre eigene Tonhöhe, und dieser Satz misst sie.",
    "fr": "Chaque voix a sa propre hauteur, et cette phrase la mesure.",
    "es": "Cada voz tiene su propio tono, y esta frase lo mide.",
    "it": "Ogni voce ha la sua altezza, e questa frase la misura.",
    "pt": "Cada voz tem o seu próprio tom, e esta frase o mede.",
    "nl": "Elke stem heeft een eigen toonhoogte, en deze zin meet die.",
    "pl": "Każdy głos ma własną wysokość, a to zdanie ją mierzy.",
    "ru": "У каждого голоса своя высота, и эта фраза её измеряет.",
    "uk": "Кожен голос має свою висоту, і ця фраза її вимірює.",
}


def measure_tts_voice_f0(voice: TtsVoice) -> float:
    """The voice's median pitch (Hz), measured on a sentence it speaks."""
    text = F0_SAMPLE_TEXT.get(voice.language, F0_SAMPLE_TEXT["en"])
    with tempfile.TemporaryDirectory(prefix="tts-f0-") as scratch:
        sample = tts_engine.synthesize(
            text, Path(scratch) / "sample.wav", voice=voice.engine_voice, rate=voice.rate, pitch=voice.pitch
        )
        return vocoder.estimate_f0(sample).f0


def measure_tts_voices(voices) -> None:
    """Fill in the f0 of voices never measured (once per voice; the value is stored)."""
    for voice in voices:
        if voice.f0 is not None:
            continue
        try:
            voice.f0 = measure_tts_voice_f0(voice)
        except MediaError:
            logger.warning("could not measure the pitch of TTS voice %s", voice.pk, exc_info=True)
            continue
        TtsVoice.objects.filter(pk=voice.pk, f0__isnull=True).update(f0=voice.f0)


# --- notes ------------------------------------------------------------------------------
def create_note(user, recording: Recording, *, text: str) -> Note:
    try:
        with transaction.atomic():
            return Note.objects.create(recording=recording, text=text, created_by=user)
    except IntegrityError:
        raise DomainError("conflict", "The recording already has a note; use PUT to change it") from None


def update_note(recording: Recording, *, text: str) -> Note:
    note = Note.objects.filter(recording=recording).first()
    if note is None:
        raise DomainError("not_found", "The recording has no note")
    note.text = text
    note.save(update_fields=["text", "updated_at"])
    return note


def delete_note(recording: Recording) -> Note:
    note = Note.objects.filter(recording=recording).first()
    if note is None:
        raise DomainError("not_found", "The recording has no note")
    note_id = note.pk
    note.delete()
    # The response shows the note as it was, marked inactive: it no longer exists.
    note.pk, note.active = note_id, False
    return note
