"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered per app."""

import logging.config
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceplatform.settings")

app = Celery("voiceplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _use_django_logging(**_):
    # The worker logs with the project's LOGGING (and its request-id filter) instead of
    # replacing the root logger's handlers with its own.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.task_prerun.connect
def _bind_request_id(**kwargs):
    from core.request_ids import task_started

    task_started(**kwargs)


@signals.task_postrun.connect
def _unbind_request_id(**kwargs):
    from core.request_ids import task_finished

    task_finished(**kwargs)
