"""Settings for the headache diary, driven by environment variables (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

from config.env import (
    database_config,
    email_config,
    env_bool,
    env_choice,
    env_fernet_key,
    env_int,
    env_list,
    env_str,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is False.")
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "django_guid",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.mfa",
    "diary",
    "diary.reminders",
    "diary.interop",
    "frontend",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "diary.request_limits.RequestBodyLimitsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "diary.middleware.NoStoreForPrivateDataMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "frontend.clinic.middleware.ClinicianIdleTimeoutMiddleware",
    "diary.middleware.AccountTokenGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": database_config("DATABASE_URL", f"sqlite:///{VAR_DIR / 'diary.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (development only) cannot enforce one catalogue name across owners; PostgreSQL does,
# and the API checks names before saving on both.
# HSTS preload is the operator's per-domain commitment, made when submitting to the list.
# SQLite builds the diary's covering index without its included columns (a read speed-up only).
SILENCED_SYSTEM_CHECKS = ["models.W047", "security.W021", "models.W040"]
AUTH_USER_MODEL = "diary.User"

# Redis serves as the Celery broker and the cache when configured; short socket timeouts keep a
# request that touches either from hanging when Redis is down or unresponsive.
REDIS_URL = redis_url("REDIS_URL")
REDIS_SOCKET_TIMEOUT = 1.0
# The cache holds rate-limit counters and computed trends, both rebuilt at will: when Redis is
# down, hangs or is full, each process counts in its own memory (config/cache.py), so the limits
# neither lock everyone out nor stop applying, and a request does not wait.
REDIS_CACHE_BACKEND = "config.cache.FallbackRedisCache"
REDIS_CACHE_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": REDIS_CACHE_BACKEND,
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    BROKER_DIR = VAR_DIR / "broker"
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = ["diary.auth.AuthenticationBackend"]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

EMAIL = email_config("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = EMAIL.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Headache diary <diary@localhost>")

VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:admin@localhost")
if bool(VAPID_PRIVATE_KEY) != bool(VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured("VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY must be set together.")
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("VAPID_SUBJECT must start with mailto: or https://.")
# Push services a subscription may point at: host names, or ".suffix" for a domain and every
# host under it (as ALLOWED_HOSTS). The worker sends to these hosts only.
WEB_PUSH_ALLOWED_HOSTS = [
    host.lower()
    for host in env_list(
        "WEB_PUSH_ALLOWED_HOSTS",
        "fcm.googleapis.com,.push.services.mozilla.com,web.push.apple.com,.notify.windows.com",
    )
]
if any(
    not host.lstrip(".") or "*" in host or "/" in host or ":" in host
    for host in WEB_PUSH_ALLOWED_HOSTS
):
    raise ImproperlyConfigured(
        "WEB_PUSH_ALLOWED_HOSTS must list host names or .suffix patterns, with no wildcard, "
        "scheme or port."
    )

CLINICIAN_MFA_REQUIRED = env_bool("CLINICIAN_MFA_REQUIRED", True)
CARE_LINK_CODE_TTL = timedelta(hours=env_int("CARE_LINK_CODE_TTL_HOURS", 72, minimum=1))
CLOSED_ACCOUNT_RETENTION = timedelta(days=env_int("CLOSED_ACCOUNT_RETENTION_DAYS", 30, minimum=0))
# The access log outlives a patient's erasure this long (pseudonymous), as the law on health
# records asks of who saw them; 2190 days is six years.
AUDIT_RETENTION = timedelta(days=env_int("AUDIT_RETENTION_DAYS", 2190, minimum=1))
# Proxies in front of the app that append to X-Forwarded-For (the README's TLS proxy is one).
# Rate limits, throttles and the access log take the client address from the header only that
# many hops from the right; with 0 a client-sent header is ignored and REMOTE_ADDR is used.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# django-allauth: email login, headless for the PWA (browser) and scripts/apps (app).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "EMAIL_VERIFICATION", ("mandatory", "optional", "none"), "mandatory"
)
# Codes suit the app and the PWA better than links; allauth allows them only when mandatory.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = ACCOUNT_EMAIL_VERIFICATION == "mandatory"
# A code that never arrived (spam, a typo) can be sent again; allauth rate-limits it.
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_ADAPTER = "diary.adapters.DiaryAccountAdapter"
# Sign-up may carry the device's time zone (diary.signup).
ACCOUNT_SIGNUP_FORM_CLASS = "diary.signup.SignupFields"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{SITE_URL}/#/verify-email/{{key}}",
    "account_reset_password": f"{SITE_URL}/#/reset-password",
    "account_reset_password_from_key": f"{SITE_URL}/#/reset-password/{{key}}",
    "account_signup": f"{SITE_URL}/#/signup",
}
HEADLESS_SERVE_SPECIFICATION = False
HEADLESS_TOKEN_STRATEGY = "diary.auth.SessionTokenStrategy"  # noqa: S105 - a class path
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
# Accept the code of the 30-second step before or after: phone clocks drift, and a code typed
# as the step turns over is still the clinician's.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "diary.auth.EncryptingMFAAdapter"
# Encrypts TOTP secrets and recovery-code seeds at rest. Without it a key is derived from
# SECRET_KEY, for development only: `check --deploy` warns, and rotating SECRET_KEY would then
# lock every clinician out of their authenticator.
MFA_ENCRYPTION_KEY = env_fernet_key("MFA_ENCRYPTION_KEY")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "diary.api.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["diary.api.throttling.WriteRateThrottle"],
    # An offline phone may replay a month of days at once; 240 writes a minute covers it.
    "DEFAULT_THROTTLE_RATES": {"writes": "240/min", "care_link_redeem": "10/hour"},
    "EXCEPTION_HANDLER": "diary.api.exceptions.exception_handler",
    # DRF's default (None) believes any X-Forwarded-For a client sends.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Headache diary API",
    "DESCRIPTION": "Daily headache diary for onabotulinumtoxinA treatment; see api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "diary.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HeadacheDayRuleEnum": "diary.models.HeadacheDayRule",
        "MedicationClassEnum": "diary.models.MedicationClass",
        "FlagKindEnum": "diary.models.FlagKind",
        "SideEffectKindEnum": "diary.models.SideEffectKind",
        "FlagStatusEnum": "diary.models.FlagStatus",
        "FlagReviewStatusEnum": ["acknowledged", "resolved", "dismissed"],
        "ImportStatusEnum": "diary.interop.models.ImportStatus",
        "OveruseStatusEnum": ["none", "at_risk", "overuse"],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# One request id per request (X-Request-ID in and out), carried into the Celery tasks it enqueues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}

# Structured JSON logs. Nothing logs request bodies, notes or emails: log paths and ids only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "task_ids": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
        "feed_tokens": {"()": "diary.interop.log_redaction.FeedTokenRedactor"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s "
            "%(celery_parent_id)s %(celery_current_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "correlation_id": "request_id",
            },
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "task_ids", "feed_tokens"],
        }
    },
    # django_guid notes every request that arrives without an id: noise, not news.
    "loggers": {
        "django_guid": {"level": "WARNING"},
        # Access logs through the same handler, whose filter hides calendar feed tokens.
        "django.server": {"handlers": ["console"], "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "propagate": False},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    },
}
