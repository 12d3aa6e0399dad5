"""Request ids: one id from the HTTP call to the worker's log lines.

- ``RequestIdMiddleware`` (outermost) takes the caller's ``X-Request-ID`` when it is valid
  (1-128 of ``A-Za-z0-9._-``), generates one otherwise, and returns it on every response.
- The id lives in a context variable for the request's duration; ``RequestIdLogFilter`` puts
  it in every log record (``%(request_id)s``), dialects put it in 5xx bodies, and
  ``core.jobs.start_job`` stores it on the Job rows the request starts.
- In the worker, the id comes with the task message (a header) and from the Job row, and is
  set around the task's run so the job's log lines carry it too.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from contextlib import contextmanager

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Outside any request (beat, a management command, a worker between tasks).
NO_REQUEST = "-"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    """The id of the request (or job) being served, or "" outside one."""
    return _current.get()


def accepted_or_new(candidate: str | None) -> str:
    """The caller's id if it is valid, otherwise a freshly generated one."""
    if candidate and _VALID.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


@contextmanager
def bound_request_id(request_id: str):
    """Make ``request_id`` the current one for the duration of the block."""
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_or_new(request.headers.get(HEADER))
        request.request_id = request_id
        with bound_request_id(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every record, so a handler's format can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or NO_REQUEST
        return True


# --- Celery: the id travels with the task message -------------------------------------------
TASK_HEADER = "request_id"


def task_headers(request_id: str = "") -> dict:
    """Headers for a task message carrying ``request_id`` (or the current one), if any."""
    request_id = request_id or current_request_id()
    return {TASK_HEADER: request_id} if request_id else {}


_task_tokens: dict[str, contextvars.Token] = {}


def task_started(task_id=None, task=None, **_):
    """celery.signals.task_prerun: bind the id the message carries."""
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    if request_id and _VALID.fullmatch(request_id) and task_id:
        _task_tokens[task_id] = _current.set(request_id)


def task_finished(task_id=None, **_):
    """celery.signals.task_postrun: forget it, so the next task does not inherit it."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)
