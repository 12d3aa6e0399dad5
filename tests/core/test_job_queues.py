"""Heavy media jobs have a queue of their own (issue 12): a worker of the light queue sends email,
SMS and webhooks and runs cleanups while media work waits for media workers, however much of it
there is."""

from __future__ import annotations

import pytest
from celery import current_app

from tests.conftest import wait_until

MEDIA_TASKS = {
    "stamps.package_stamp",
    "stamps.make_thumbnail",
    "stamps.transcribe_stamp",
    "conversions.process_recording",
    "conversions.synthesize_recording",
    "conversions.estimate_calibration",
    "conversions.run_conversion_order",
    "gallery.render_submission",
}
LIGHT_TASKS = {
    "stamps.send_delivery",
    "stamps.expire_shares",
    "partners.notify_edit_limit",
    "core.cleanup_storage",
    "core.sweep_stuck_jobs",
    "conversions.start_conversions_of_original",
    "gallery.purge_unused_samples",
}


def test_media_tasks_route_to_the_media_queue_and_light_ones_to_the_default():
    from core.jobs import media_queue

    default = current_app.conf.task_default_queue
    router = current_app.amqp.router
    for name in MEDIA_TASKS:
        assert router.route({}, name)["queue"].name == media_queue(default), name
    for name in LIGHT_TASKS:
        assert router.route({}, name)["queue"].name == default, name


def test_every_task_is_classified():
    current_app.loader.import_default_modules()
    ours = {name for name in current_app.tasks if not name.startswith("celery.")}
    media = {name for name in ours if getattr(current_app.tasks[name], "media", False)}
    assert media == MEDIA_TASKS


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_light_jobs_run_while_media_jobs_wait_for_a_media_worker(start_worker):
    from core import jobs
    from core.models import Job

    start_worker(media=False)
    heavy = [
        jobs.start_job("stamps.thumbnail", "stamps.make_thumbnail", subject="stamp:0", payload={"stamp_id": 0})
        for _ in range(3)
    ]
    light = jobs.start_job("storage.cleanup", "core.cleanup_storage", subject="test", payload={"keys": []})
    wait_until(lambda: Job.objects.get(pk=light.pk).is_finished, timeout=120, message="the light job")
    assert Job.objects.get(pk=light.pk).state == Job.State.SUCCEEDED
    assert set(Job.objects.filter(pk__in=[job.pk for job in heavy]).values_list("state", flat=True)) == {"queued"}
    # A media worker takes them.
    start_worker(media=True)
    wait_until(
        lambda: all(job.is_finished for job in Job.objects.filter(pk__in=[job.pk for job in heavy])),
        timeout=180,
        message="the media jobs",
    )


def test_procfile_runs_a_worker_for_each_queue():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    lines = dict(line.split(": ", 1) for line in procfile.splitlines() if line.strip())
    assert "-Q ${CELERY_TASK_DEFAULT_QUEUE:-voiceplatform} " in lines["worker"] + " "
    assert "-Q ${CELERY_TASK_DEFAULT_QUEUE:-voiceplatform}-media" in lines["media"]
