from .sharing_admin import *  # noqa: F401,F403 - the sharing admin lives in its own module
from .stamp_admin import *  # noqa: F401,F403 - stamps and their files
