"""How the Respeecher API's jobs are announced by webhooks (core/webhooks/events.py)."""

from core.webhooks.events import JobSubject, describe_jobs

from .models import Calibration, Order, Recording

API = "respeecher"


def _order(job):
    order = Order.objects.filter(job=job).first()
    if order is None:
        return None
    recording = f"/api/recordings/{order.conversion_id}"
    return JobSubject(
        API,
        "order",
        str(order.pk),
        recording,
        user_id=order.user_id,
        result_paths={"recording": recording, "audio": f"/api/files/recordings/{order.conversion_id}/audio"},
    )


def _calibration(job):
    calibration = Calibration.objects.filter(job=job).first()
    if calibration is None:
        return None
    path = f"/api/calibration/{calibration.pk}"
    return JobSubject(
        API, "calibration", str(calibration.pk), path, user_id=calibration.user_id, result_paths={"calibration": path}
    )


def _tts(job):
    recording = Recording.objects.filter(job=job).first()
    if recording is None or recording.created_by_id is None:
        return None
    path = f"/api/recordings/{recording.pk}"
    return JobSubject(
        API,
        "recording",
        str(recording.pk),
        path,
        user_id=recording.created_by_id,
        result_paths={"recording": path, "audio": f"/api/files/recordings/{recording.pk}/audio"},
    )


def register():
    describe_jobs("conversions.order", _order)
    describe_jobs("conversions.calibration", _calibration)
    describe_jobs("conversions.tts", _tts)
