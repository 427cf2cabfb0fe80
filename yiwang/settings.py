"""The one settings module, read from the environment; a bad value fails loudly at start-up."""

import ipaddress
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from yiwang.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
DEBUG = envbool("DEBUG", False)
# Whether `manage.py demo` may build the demo county, whose accounts all have the known
# password demo12345: with DEBUG and in the tests, never otherwise (production) unless
# said; `make run` says so for its laptop run on the embedded SQLite database (bin/run).
DEMO_ALLOWED = envbool("DEMO_ALLOWED", DEBUG or TESTING)


def _local_secret_key() -> str:
    """A key made once for a one-machine install and kept beside the code (git-ignored).
    Several app servers must share one key: set SECRET_KEY for them."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
# Keys of the encrypted columns (core.fields): Fernet keys, the first encrypts; without
# them a key is derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS", "")
# The address the platform is reached at, for links sent outside it (an SMS, a chat group).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Announcements: how long a personal acknowledgement link works, and how long after the
# deadline those who have not acknowledged get an SMS.
NOTICE_ACK_LINK_DAYS = envint("NOTICE_ACK_LINK_DAYS", 30)
NOTICE_SMS_AFTER_HOURS = envint("NOTICE_SMS_AFTER_HOURS", 24)
# How long a cockpit's figures are kept in the cache (per area, month and viewer's scope);
# the big screen reloads them as often.
COCKPIT_CACHE_SECONDS = envint("COCKPIT_CACHE_SECONDS", 300)
# How often this month's figures of every area are counted for the cockpits (a periodic
# task; 0: never, the cockpits then count on each request). A cockpit reads them while
# they are at most three times as old, else counts itself.
COCKPIT_REFRESH_MINUTES = envint("COCKPIT_REFRESH_MINUTES", 10)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "leaflet",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    # Our apps in their layer order: each imports only from itself and the apps listed
    # before it (docs/ARCHITECTURE.md, "Imports"; tests/test_import_order.py).
    "yiwang.core",
    "yiwang.areas",
    "yiwang.accounts",
    "yiwang.notices",
    "yiwang.registry",
    "yiwang.cases",
    "yiwang.outreach",
    "yiwang.points",
    "yiwang.volunteering",
    "yiwang.projects",
    "yiwang.services",
    "yiwang.duty",
    "yiwang.coops",
    "yiwang.cockpit",
    "yiwang.demo",
]

MIDDLEWARE = [
    # Prometheus's request counters and latency (yiwang/core/metrics.py): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request's id, on every log line written while serving it (yiwang/core/logs.py).
    "yiwang.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so that static files keep their caching: every other answer no-store.
    "yiwang.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yiwang.core.middleware.AuditContextMiddleware",
    # A page whose file could not be read or written answers 503 in Chinese, not 500.
    "yiwang.core.middleware.StorageUnavailableMiddleware",
    # Each request starts with nothing written: its heavy reads may go to the replica.
    "yiwang.core.replica.ReplicaMiddleware",
    # Axes last but the metrics: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yiwang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiwang.cases.context_processors.unread_notices",
            ],
        },
    },
]

# Storage: SQLite (WAL) in the project folder unless DATABASE_URL names another database.
DEFAULT_SQLITE = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_SQLITE,
        # Tests start threads (live server, queue consumer) whose connections must close.
        conn_max_age=0 if TESTING else envint("CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the Huey consumer writes; IMMEDIATE makes a
        # writer take the lock at BEGIN so two writers queue instead of failing mid-way.
        # Statement journals (a trigger's UPSERT writes one per row) in memory, not in
        # temporary files: bulk inserts into the ledger run twice as fast.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PgBouncer in transaction mode in front of PostgreSQL (DATABASE_POOLER=pgbouncer): no
# statement prepared on a server connection that the next transaction may not get (psycopg
# prepares a statement run five times). Yiwang keeps no session state on a connection, and
# its server-side cursors (`.iterator()`) run inside a transaction (yiwang/core/db.py).
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer, not {DATABASE_POOLER}")
if DATABASE_POOLER and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# A streaming replica for the heavy reads (yiwang/core/replica.py): roll-ups, rates,
# compliance, the cockpit and the exports read there unless it lags more than
# REPLICA_MAX_LAG seconds, does not answer, or the request has written.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["yiwang.core.replica.ReplicaRouter"]
REPLICA_MAX_LAG = float(os.environ.get("REPLICA_MAX_LAG", "10"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "2"))
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "30"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # A password like the username, full name or phone is refused.
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures lock the username from that address for 15 minutes, and
# AXES_ADDRESS_FAILURE_LIMIT failures over any usernames lock the address itself for as
# long (yiwang/accounts/throttling.py), so that one address cannot try many accounts.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "yiwang.accounts.throttling.AddressLimitHandler"
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "yiwang.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# What a failed attempt keeps of the form it came with (AccessAttempt.post_data): never a
# password, also those of the password change form.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "old_password",
    "new_password1",
    "new_password2",
]

# Sessions, cookies, transport.
SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# A load balancer checks the app servers over plain HTTP: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# A benefit pass used at two places within so many minutes is flagged (points).
PASS_DOUBLE_USE_MINUTES = envint("PASS_DOUBLE_USE_MINUTES", 30)
# /readyz answers 503 when a task queue holds more than this many tasks waiting.
READY_MAX_QUEUE = envint("READY_MAX_QUEUE", 10_000)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Every request comes from the proxy: count failed logins against the client's address,
    # the one the proxy appended to X-Forwarded-For.
    AXES_CLIENT_IP_CALLABLE = "yiwang.core.net.client_ip"

# Content-Security-Policy: everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Languages: Simplified Chinese by default, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yiwang" / "locale"]
# A filter's empty choice reads as words ("全部"), not "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("All")
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "yiwang" / "static",
    ("vendor/bootstrap", str(bootstrap_wrapper.get_bootstrap_dir())),
]
STORAGES = {
    # Uploads (photos, attachments) and generated files (exports, reports) go under
    # MEDIA_ROOT, never served from a media URL: scoped views read them. Tests keep theirs
    # in memory.
    "default": {
        "BACKEND": "django.core.files.storage.InMemoryStorage"
        if TESTING
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Or in an S3-compatible object store (MinIO, Ceph RGW, a cloud OSS) when S3_BUCKET is
# set, so that app servers keep no files: private objects, read through the same views;
# a dead store is given up on within seconds (yiwang.core.storage).
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
if S3_BUCKET and not TESTING:
    from yiwang.core.storage import s3_backend

    STORAGES["default"] = s3_backend(
        bucket=S3_BUCKET,
        endpoint_url=os.environ.get("S3_ENDPOINT_URL", ""),
        access_key=os.environ.get("S3_ACCESS_KEY_ID", ""),
        secret_key=os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        region=os.environ.get("S3_REGION", ""),
        verify=os.environ.get("S3_CA_BUNDLE", ""),
        connect_timeout=envint("S3_CONNECT_TIMEOUT", 3),
        read_timeout=envint("S3_READ_TIMEOUT", 10),
    )
# Front-end libraries come from pinned Python packages and are served by the app itself,
# so pages work on an intranet with no internet.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# How many days an import's uploaded file and its error file (the rejected rows, with their
# ID and phone numbers) are kept after the import finished; then an hourly task removes
# them and the job's page says so.
IMPORT_KEEP_DAYS = envint("IMPORT_KEEP_DAYS", 30)
if IMPORT_KEEP_DAYS < 1:
    raise ImproperlyConfigured(f"IMPORT_KEEP_DAYS must be at least 1, not {IMPORT_KEEP_DAYS}")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Background work: SQLite-backed Huey on a laptop, Redis in production (REDIS_URL).
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = envbool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        # Tests get a queue of their own, so that a running consumer never takes their tasks.
        "name": os.environ.get("HUEY_NAME", "yiwang-test" if TESTING else "yiwang"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "yiwang",
        "filename": os.environ.get(
            "HUEY_SQLITE",
            os.path.join(tempfile.gettempdir(), f"yiwang-huey-test-{os.getpid()}.sqlite3")
            if TESTING
            else str(BASE_DIR / "huey.sqlite3"),
        ),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
# Imports and exports run on a queue of their own with its own consumer
# (`manage.py run_bulk_huey`, yiwang/core/queues.py), so that a file of a million rows
# never holds up the deadline sweep, the notices or the nightly jobs of the main queue.
HUEY_BULK = {
    **HUEY,
    "name": HUEY["name"] + "-bulk",
    "consumer": {"workers": envint("HUEY_BULK_WORKERS", 1), "worker_type": "thread"},
}
if not REDIS_URL:
    HUEY_BULK["filename"] = os.environ.get(
        "HUEY_BULK_SQLITE", str(Path(HUEY["filename"]).with_suffix("")) + "-bulk.sqlite3"
    )

# Imports (yiwang/core/imports.py): a job stops, failed, at the first row error past this
# many, keeping these; and a file uploaded from a page or the API may hold at most this
# many rows, by the largest role the uploader holds over the area it goes into.
IMPORT_MAX_ERRORS = envint("IMPORT_MAX_ERRORS", 1000)
IMPORT_MAX_ROWS = {
    "county_admin": envint("IMPORT_MAX_ROWS_COUNTY", 1_100_000),
    "town_admin": envint("IMPORT_MAX_ROWS_TOWN", 300_000),
    "department_staff": envint("IMPORT_MAX_ROWS_TOWN", 300_000),
    "cadre": envint("IMPORT_MAX_ROWS_VILLAGE", 20_000),
    "grid_chief": envint("IMPORT_MAX_ROWS_VILLAGE", 20_000),
    "group_leader": envint("IMPORT_MAX_ROWS_GRID", 5_000),
    "grid_worker": envint("IMPORT_MAX_ROWS_UNIT", 1_000),
}

# The cache holds the public pages' rate limits and one-time challenge nonces, so it must
# be shared by every web worker: Redis in production, files on a laptop (several gunicorn
# workers), memory in tests (each test starts with empty counters).
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache")),
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yiwang.accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["yiwang.core.filters.FilterBackend"],
    # JSON with a limit on nesting (a deep body is a 400, not a RecursionError), forms, files.
    "DEFAULT_PARSER_CLASSES": [
        "yiwang.core.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "yiwang.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "yiwang.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "yiwang.core.api.exception_handler",
    # JSON only: the browsable API's inline styles break the CSP, so it is for development.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
# API tokens (django-rest-knox): only a SHA-512 digest and the first characters are stored,
# the key is shown once; each expires API_TOKEN_DAYS after it was issued, and is refused
# once its user holds no current post (yiwang/accounts/auth.py).
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 30)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured(f"API_TOKEN_DAYS must be at least 1, not {API_TOKEN_DAYS}")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yiwang API",
    "DESCRIPTION": "The grid-governance platform of a county: areas, posts, users, audit log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # What a client sends and what it gets are described apart (a field required and never
    # blank in a request may be read-only or empty in a response).
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and its docs page are for signed-in users (a token or a session).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
# The API schema"s names of the choice sets that share a field name (status, kind,
# source …): one named enum a set of values, instead of drf-spectacular"s hashed names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "CaseSourceEnum": "yiwang.cases.models.Source",
    "AttachmentStageEnum": "yiwang.cases.models.AttachmentStage",
    "AuditSourceEnum": "yiwang.core.models.AuditSource",
    "VisitSourceEnum": "yiwang.outreach.models.visits.VisitSource",
    "EntrySourceEnum": "yiwang.points.models.entries.EntrySource",
    "ProposalSourceEnum": "yiwang.points.models.entries.ProposalSource",
    "CaseStatusEnum": "yiwang.cases.models.Status",
    "ReportStatusEnum": "yiwang.cockpit.models.ReportStatus",
    "ExportStatusEnum": "yiwang.core.models.ExportJob.Status",
    "ImportStatusEnum": "yiwang.core.models.ImportJob.Status",
    "AnnouncementStatusEnum": "yiwang.notices.models.announcements.AnnouncementStatus",
    "DeliveryStatusEnum": "yiwang.notices.models.outbox.DeliveryStatus",
    "ScheduledVisitStatusEnum": "yiwang.outreach.models.schedule.ScheduleStatus",
    "EntryStatusEnum": "yiwang.points.models.entries.EntryStatus",
    "EvaluationStatusEnum": "yiwang.points.models.evaluation.EvaluationStatus",
    "SelectionStatusEnum": "yiwang.points.models.evaluation.SelectionStatus",
    "HouseholdStatusEnum": "yiwang.registry.models.HouseholdStatus",
    "ResidentStatusEnum": "yiwang.registry.models.ResidentStatus",
    "AreaLevelEnum": "yiwang.areas.models.Level",
    "DeliveryChannelEnum": "yiwang.notices.models.outbox.Channel",
    "HouseholdCategoryEnum": "yiwang.registry.models.HouseholdCategory",
    "TagCategoryEnum": "yiwang.registry.models.TagCategory",
    "CaseEventKindEnum": "yiwang.cases.models.EventKind",
    "CaseKindEnum": "yiwang.cases.models.CaseKind",
    "VisitRuleKindEnum": "yiwang.outreach.models.schedule.RuleKind",
    "AwardKindEnum": "yiwang.points.models.evaluation.AwardKind",
    "ListKindEnum": "yiwang.points.models.lists.ListKind",
    "FundMovementKindEnum": "yiwang.points.models.evaluation.MovementKind",
    "LifeEventKindEnum": "yiwang.registry.models.LifeEventKind",
    "RobotChannelEnum": "yiwang.notices.models.outbox.ROBOT_CHOICES",
    "RoleEnum": "yiwang.accounts.models.Role",
    "WishStatusEnum": "yiwang.volunteering.models.wishes.WishStatus",
    "ClaimerKindEnum": "yiwang.volunteering.models.wishes.ClaimerKind",
    "DonationKindEnum": "yiwang.volunteering.models.donations.DonationKind",
    "IndicatorKindEnum": ["count", "ratio"],
    "VisitInputSourceEnum": ["api", "offline"],
    "FeatureTypeEnum": ["Feature"],
    "FeatureCollectionTypeEnum": ["FeatureCollection"],
    "TeamKindEnum": "yiwang.volunteering.models.volunteers.TeamKind",
    "HoursKindEnum": "yiwang.volunteering.models.activities.HoursKind",
    "ActivityStatusEnum": "yiwang.volunteering.models.activities.ActivityStatus",
    "HoursStatusEnum": "yiwang.volunteering.models.activities.HoursStatus",
    "ProjectStageEnum": "yiwang.projects.models.projects.Stage",
    "ProjectKindEnum": "yiwang.projects.models.projects.ProjectKind",
    "ProjectBatchEnum": "yiwang.projects.models.projects.Batch",
    "DelayCauseEnum": "yiwang.projects.models.projects.DelayCause",
    "MilestoneColourEnum": "yiwang.projects.models.projects.Colour",
    "PermitKindEnum": "yiwang.projects.models.projects.PermitKind",
    "PermitStateEnum": "yiwang.projects.models.projects.PermitState",
    "ProblemStatusEnum": "yiwang.projects.models.progress.ProblemStatus",
    "EnterpriseRequestKindEnum": "yiwang.projects.models.support.RequestKind",
    "EnterpriseRequestStatusEnum": "yiwang.projects.models.support.RequestStatus",
    "EnterpriseSatisfactionEnum": "yiwang.projects.models.support.Satisfaction",
    "EscalationLevelEnum": "yiwang.projects.models.support.EscalationLevel",
    "ServiceModeEnum": "yiwang.services.models.catalogue.ServiceMode",
    "HelpStepEnum": "yiwang.services.models.help.Step",
    "HelpAdvanceStepEnum": ["accepted", "processing", "delivered", "archived"],
    "HelpChannelEnum": "yiwang.services.models.help.Channel",
    "HelpEscalationLevelEnum": "yiwang.services.models.help.EscalationLevel",
    "DutyRoleEnum": "yiwang.duty.models.rosters.DutyRole",
    "DutySwapStatusEnum": "yiwang.duty.models.rosters.SwapStatus",
    "IncidentKindEnum": "yiwang.duty.models.incidents.IncidentKind",
    "IncidentStatusEnum": "yiwang.duty.models.incidents.IncidentStatus",
    "DutySweepResultEnum": "yiwang.duty.models.sweeps.SweepResult",
    "DutySweepStatusEnum": "yiwang.duty.models.sweeps.SweepStatus",
    "DutyStoreKindEnum": "yiwang.duty.models.supplies.StoreKind",
    "DutyMoveKindEnum": "yiwang.duty.models.supplies.MoveKind",
    "CoopDistributionModeEnum": "yiwang.coops.models.coops.DistributionMode",
    "CoopDistributionStatusEnum": "yiwang.coops.models.distributions.DistributionStatus",
    "CoopMemberKindEnum": "yiwang.coops.models.members.MemberKind",
    "CoopContributionKindEnum": "yiwang.coops.models.members.ContributionKind",
    "CoopBoardRoleEnum": "yiwang.coops.models.coops.BoardRole",
}

# The console (yiwang/core/logs.py): one line per request, every line in TIME_ZONE with its
# offset, 4xx without tracebacks, Huey's lines once; gunicorn reads the same (gunicorn_conf).
# Every line carries the request's id (X-Request-ID). LOG_FORMAT: text (the default), or
# json for one JSON object a line (a log shipper's).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "INFO"), LOG_FORMAT)

# Prometheus's /metrics (yiwang/core/metrics.py) answers only these addresses or networks
# (a request through a proxy: both the proxy's and the client's), or a request with
# `Authorization: Bearer <METRICS_TOKEN>` (when set); anyone else gets a 404.
# PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself; set by the web service's
# unit) sums the counters of several gunicorn workers.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
try:
    METRICS_ALLOWED_IPS = [
        ipaddress.ip_network(item, strict=False)
        for item in envlist("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from None

MESSAGE_TAGS = {40: "danger"}

# Outreach: how many days back a visit may be recorded or edited (a phone offline for a
# few days still sends its visits; older ones are refused with a message).
OUTREACH_BACKDATE_DAYS = envint("OUTREACH_BACKDATE_DAYS", 7)

# Volunteering: a micro-wish still unclaimed so many days after it was recorded is raised
# to its village (the grid chief's inbox), once.
VOLUNTEERING_WISH_RAISE_DAYS = envint("VOLUNTEERING_WISH_RAISE_DAYS", 14)
# The battle map (yiwang.projects): a project's problem is due at a department this many
# working days after it is raised, unless given a deadline of its own; Shandong's clock of
# an enterprise's request, in working days from the day it is received: verifying begun,
# a reply, the resolution, and the resolution at the latest when extended.
PROJECTS_PROBLEM_DAYS = envint("PROJECTS_PROBLEM_DAYS", 5)
PROJECTS_REQUEST_DAYS = {"verify": 1, "reply": 3, "resolve": 15, "extended": 30}
# Government services (yiwang.services): a help request still waiting for its materials
# (委托, not accepted) reminds its handler after this many working days, and is raised to
# the town after twice as many.
SERVICES_ENTRUSTED_REMIND_DAYS = envint("SERVICES_ENTRUSTED_REMIND_DAYS", 3)

# Notices' outbox (yiwang/notices/outbox/): group robots and SMS.
# Hosts besides the robot services' own accepted in a robot's address ("host" or
# "host:port"; http allowed for them): an intranet gateway, the tests' local server.
NOTICE_ROBOT_EXTRA_HOSTS = envlist("NOTICE_ROBOT_EXTRA_HOSTS", "")
# Seconds a call to a robot or the SMS gateway may take, connecting and answering.
NOTICE_HTTP_TIMEOUT = envint("NOTICE_HTTP_TIMEOUT", 10)
# A delivery is tried this many times, waiting NOTICE_RETRY_SECONDS × 2^(n-1) (at most an
# hour) after the n-th failure, then marked failed with the last reason.
NOTICE_MAX_ATTEMPTS = envint("NOTICE_MAX_ATTEMPTS", 6)
NOTICE_RETRY_SECONDS = envint("NOTICE_RETRY_SECONDS", 60)
if NOTICE_MAX_ATTEMPTS < 1 or NOTICE_RETRY_SECONDS < 1:
    raise ImproperlyConfigured("NOTICE_MAX_ATTEMPTS and NOTICE_RETRY_SECONDS must be at least 1")
# Quiet hours ("21:00-07:00", local time): routine deliveries wait until they end.
NOTICE_QUIET_HOURS = os.environ.get("NOTICE_QUIET_HOURS", "21:00-07:00")
# Each robot's limits as (messages, seconds) windows, kept in Redis (NOTICE_REDIS_URL, by
# default REDIS_URL) shared by every consumer, else in the database.
NOTICE_RATE_LIMITS = {
    "wecom": [(20, 60)],
    "dingtalk": [(20, 60)],
    "feishu": [(5, 1), (100, 60)],
}
# Milliseconds added to each window: the vendor counts arrivals, which come a little after
# a call is reserved, and not always in the order reserved.
NOTICE_RATE_MARGIN_MS = envint("NOTICE_RATE_MARGIN_MS", 200)
NOTICE_REDIS_URL = os.environ.get("NOTICE_REDIS_URL", REDIS_URL)
NOTICE_REDIS_PREFIX = os.environ.get("NOTICE_REDIS_PREFIX", "yiwang:notices")
# SMS: "log" writes the (masked) number and text to the log; "aliyun" calls SendSms.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
if SMS_BACKEND not in {"log", "aliyun"}:
    raise ImproperlyConfigured(f"SMS_BACKEND must be log or aliyun, not {SMS_BACKEND!r}")
SMS_ALIYUN = {
    "endpoint": os.environ.get("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "access_key_id": os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", ""),
    "access_key_secret": os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
    "region": os.environ.get("SMS_ALIYUN_REGION", "cn-hangzhou"),
    "sign_name": os.environ.get("SMS_ALIYUN_SIGN_NAME", ""),
    "template_code": os.environ.get("SMS_ALIYUN_TEMPLATE_CODE", ""),
    # The template's variables, filled from the notice's title, text and link.
    "template_params": envlist("SMS_ALIYUN_TEMPLATE_PARAMS", "title,link"),
}
if SMS_BACKEND == "aliyun" and not all(
    SMS_ALIYUN[k] for k in ("access_key_id", "access_key_secret", "sign_name", "template_code")
):
    raise ImproperlyConfigured(
        "SMS_BACKEND=aliyun needs SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, "
        "SMS_ALIYUN_SIGN_NAME and SMS_ALIYUN_TEMPLATE_CODE"
    )
# httpx logs each request's address, which carries a robot's key: never below WARNING.
LOGGING["loggers"].update({"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}})
