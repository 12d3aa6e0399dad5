"""How the VoiceStamps API's jobs are announced by webhooks (core/webhooks/events.py)."""

from core.webhooks.events import JobSubject, describe_jobs

from .models import Stamp

API = "voicestamps"


def _package(job):
    stamp = Stamp.objects.filter(package_job=job).first()
    if stamp is None:
        return None
    return JobSubject(
        API,
        "voicestamp",
        str(stamp.pk),
        f"/api/v1/voicestamps/{stamp.pk}",
        user_id=stamp.owner_id,
        result_paths={
            "package": f"/api/v1/security/vst/{stamp.pk}/package",
            "download": f"/api/v1/security/vst/{stamp.pk}/download",
        },
    )


def _transcription(job):
    stamp = Stamp.objects.filter(transcription_job=job).first()
    if stamp is None:
        return None
    path = f"/api/v1/voicestamps/{stamp.pk}/transcribe"
    return JobSubject(
        API,
        "voicestamp",
        str(stamp.pk),
        f"/api/v1/voicestamps/{stamp.pk}",
        user_id=stamp.owner_id,
        result_paths={"transcription": path},
    )


def register():
    describe_jobs("stamps.package", _package)
    describe_jobs("stamps.transcribe", _transcription)
