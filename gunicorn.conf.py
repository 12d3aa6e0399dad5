"""gunicorn settings shared by the Procfile, the Dockerfile and docker-compose (`-c gunicorn.conf.py`).

gunicorn believes X-Forwarded-Proto and friends only from `forwarded_allow_ips`; its own
default trusts 127.0.0.1. The list is the app's TRUSTED_PROXIES, so gunicorn and Django
(core.throttles.client_address) trust the same proxies, and none unless configured.
"""

import os

forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")
