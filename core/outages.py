"""Which exceptions mean "a dependency is down or hangs" (database, Redis cache or broker), so
that every API answers them with 503 and Retry-After in its own dialect instead of 500."""

from __future__ import annotations

import socket

from django.conf import settings
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGES = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    socket.timeout,
    ConnectionRefusedError,
)


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGES)


def unavailable_error():
    from core.dialects.base import ApiError

    return ApiError("unavailable", headers={"Retry-After": str(settings.DEPENDENCY_RETRY_AFTER)})
