"""How the Voice Gallery's TTS submissions are announced by webhooks (core/webhooks/events.py)."""

from core.webhooks.events import JobSubject, describe_jobs

from .models import TtsSubmission


def _submission(job):
    submission = TtsSubmission.objects.filter(job=job).first()
    if submission is None:
        return None
    path = f"/api/v1/tts-submissions/{submission.pk}"
    return JobSubject(
        "voice-gallery",
        "tts-submission",
        str(submission.pk),
        path,
        user_id=submission.user_id,
        result_paths={"submission": path},
    )


def register():
    describe_jobs("gallery.tts", _submission)
