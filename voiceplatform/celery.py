"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered per app."""

import logging.config
import os

from celery import Celery, signals
from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_exceptions

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceplatform.settings")

app = Celery("voiceplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps split into sub-domain packages keep a tasks module in each package (no app-level tasks
# module re-exports them).
app.autodiscover_tasks(["conversions.library", "conversions.catalogue", "conversions.orders"])
app.autodiscover_tasks(["stamps.packaging", "stamps.sharing", "stamps.thumbnails", "stamps.transcripts"])
app.autodiscover_tasks(["partners.account", "partners.jobs"])


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


# celery 5.7.0 + kombu 5.7.0 (the newest on PyPI) lose a worker for good when Redis goes away while
# a late-ack task runs: the consumer collects the lost connection (the transport forgets its
# client), and what touches the old channel afterwards (restoring unacknowledged messages while
# closing it, the task's ack when it finishes) builds a new Redis pool from the forgotten client:
# AttributeError("'NoneType' object has no attribute 'hostname'"), which no one catches. Saying
# what it is, a connection error, lets the consumer do what it does for any lost connection: log
# it ("Couldn't ack") and reconnect. The message stays unacknowledged in Redis, which delivers it
# again after the visibility timeout; the job is finished by then, so the redelivery does nothing.
_redis_connparams = kombu_redis.Channel._connparams


def _connparams_of_a_live_connection(channel, asynchronous=False):
    if channel.connection.client is None:
        raise redis_exceptions.ConnectionError("The broker connection of this channel was closed after it was lost.")
    return _redis_connparams(channel, asynchronous=asynchronous)


kombu_redis.Channel._connparams = _connparams_of_a_live_connection
