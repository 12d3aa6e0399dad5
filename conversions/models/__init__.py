"""Conversions models: the studio library (projects, folders, recordings, notes) and the
voice catalogue with calibrations and orders, in two modules."""

from .catalogue import *  # noqa: F401,F403
from .library import *  # noqa: F401,F403
