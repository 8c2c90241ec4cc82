"""
Settings of the Django REST framework + simplejwt test backend.

Everything a test changes comes from the environment (see README.md beside manage.py):
  DJANGO_DB_PATH            SQLite file (default: .data/db.sqlite3 beside manage.py)
  DJANGO_SECRET_KEY         signing key of the JWTs (default: a fixed test value)
  JWT_ACCESS_TTL            access-token lifetime in seconds (default 300)
  JWT_REFRESH_TTL           refresh-token lifetime in seconds (default 86400)
  JWT_AUTH_HEADER_TYPES     comma-separated Authorization schemes accepted (default "Bearer")
"""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _seconds(name, default):
    value = os.environ.get(name, "")
    return timedelta(seconds=int(value)) if value.strip() else timedelta(seconds=default)


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "test-only-django-secret-key-not-for-production-use-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH") or str(BASE_DIR / ".data" / "db.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: no browsable API, so every answer (errors too) is JSON.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": _seconds("JWT_ACCESS_TTL", 300),
    "REFRESH_TOKEN_LIFETIME": _seconds("JWT_REFRESH_TTL", 86400),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": tuple(
        s.strip() for s in os.environ.get("JWT_AUTH_HEADER_TYPES", "Bearer").split(",") if s.strip()
    ),
}
