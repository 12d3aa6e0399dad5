"""The services the catalogue half calls (converted recordings), cleanup rules and the waveform engine."""

import io

import pytest
from PIL import Image

from conversions.library import services as library_services
from conversions.models import Folder, Project, Recording
from core.media import MediaError, waveform
from core.models import Job
from core.storage import object_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(user, folder, library_media):
    parent = Folder.objects.get(pk=folder["id"])
    recording = Recording.objects.create(
        project_id=parent.project_id, parent_folder=parent, created_by=user, label="Source", microphone="Rode NT1"
    )
    return library_services.complete_recording(recording.pk, library_media["wav"])


def test_a_conversion_is_created_processing_then_completed_with_stored_audio(user, original, library_media):
    conversion = library_services.create_converted_recording(
        original,
        created_by=user,
        label="As Anna",
        model_id="11111111-1111-1111-1111-111111111111",
        model_name="Anna",
        calibration_id="22222222-2222-2222-2222-222222222222",
        calibration_value=180.5,
        calibration_name="Morning",
        params={"accent": "en-GB"},
    )
    assert conversion.type == "converted" and conversion.state == "processing" and conversion.original == original
    assert conversion.parent_folder_id == original.parent_folder_id and conversion.microphone == "Rode NT1"
    assert Project.objects.get(pk=original.project_id).last_recording_at is not None

    done = library_services.complete_recording(conversion.pk, library_media["ogg"])
    assert done.state == "done" and done.converted_at is not None and done.process_stage == "done"
    assert done.audio_format == "ogg" and done.content_type == "audio/ogg" and done.file_name == "As Anna.ogg"
    assert done.size == library_media["ogg"].stat().st_size and 1.0 < done.duration < 4.0
    with object_storage.open(done.audio_key) as stored:
        assert stored.read() == library_media["ogg"].read_bytes()
    with object_storage.open(done.waveform_key) as stored:
        assert Image.open(io.BytesIO(stored.read())).format == "PNG"


def test_completing_with_unusable_audio_raises_and_changes_nothing(user, original, library_media, local_storage):
    conversion = library_services.create_converted_recording(original, created_by=user)
    with pytest.raises(MediaError):
        library_services.complete_recording(conversion.pk, library_media["fake_wav"])
    conversion.refresh_from_db()
    assert conversion.state == "processing" and conversion.audio_key == ""
    assert object_storage.list("conversions") == []
    library_services.fail_recording(conversion.pk, "The voice model failed.")
    conversion.refresh_from_db()
    assert conversion.state == "error" and conversion.error == "The voice model failed."


def test_conversions_are_made_from_originals_only(user, original):
    conversion = library_services.create_converted_recording(original, created_by=user)
    with pytest.raises(ValueError):
        library_services.create_converted_recording(conversion, created_by=user)


def test_deleting_a_project_schedules_its_objects_for_cleanup(user, original):
    keys = {original.audio_key, original.waveform_key}
    library_services.delete_project(original.project)
    assert not Recording.objects.exists()
    job = Job.objects.get(kind="storage.cleanup")
    assert set(job.payload["keys"]) == keys


def test_waveform_engine_measures_and_draws(library_media):
    rendered = waveform.render(library_media["flac"], width=300, height=60)
    image = Image.open(io.BytesIO(rendered.png))
    assert image.size == (300, 60) and 1.0 < rendered.duration < 4.0 and 0.1 < rendered.peak <= 1.0
    with pytest.raises(MediaError):
        waveform.render(library_media["fake_wav"])


def test_waveform_of_long_audio_keeps_memory_small(tmp_path):
    import tracemalloc

    from tests.media import tone

    # Ten minutes of tone: decode_pcm would hold 19 MB of samples; the streamed render keeps frame extremes only.
    long_audio = tone(tmp_path / "long.flac", seconds=600, codec_args=["-ac", "1", "-ar", "8000"])
    tracemalloc.start()
    rendered = waveform.render(long_audio, width=400, height=50)
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert abs(rendered.duration - 600) < 0.1
    assert peak_bytes < 8 * 1024 * 1024
    assert Image.open(io.BytesIO(rendered.png)).size == (400, 50)


def test_stream_pcm_reports_undecodable_audio(library_media):
    from core.media import audio

    with pytest.raises(MediaError):
        list(audio.stream_pcm(library_media["fake_wav"]))
    decoded = sum(block.size for block in audio.stream_pcm(library_media["wav"], sample_rate=8000))
    assert abs(decoded / 8000 - audio.probe(library_media["wav"]).duration) < 0.05


def test_a_failed_completion_removes_the_objects_it_stored(user, original, library_media, local_storage, monkeypatch):
    conversion = library_services.create_converted_recording(original, created_by=user)
    before = set(object_storage.list("conversions"))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(library_services, "schedule_storage_cleanup", broken)
    with pytest.raises(RuntimeError):
        library_services.complete_recording(conversion.pk, library_media["mp3"])
    assert set(object_storage.list("conversions")) == before
    conversion.refresh_from_db()
    assert conversion.state == "processing" and conversion.audio_key == ""
