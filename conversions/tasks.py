from .catalogue_tasks import *  # noqa: F401,F403 - Celery autodiscovers this module
from .library_tasks import *  # noqa: F401,F403
