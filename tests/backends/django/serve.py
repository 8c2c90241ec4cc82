#!/usr/bin/env python3
"""
Starts the Django REST framework + simplejwt test backend (run it with /usr/bin/python3):
applies the migrations to the SQLite file, creates or updates the seed user, then serves HTTP on
127.0.0.1 with Django's threaded WSGI server until SIGTERM.

  PORT=7100 SEED_USERNAME=alice SEED_PASSWORD=secret /usr/bin/python3 serve.py

Prints "migrated in N s" and then "listening on http://127.0.0.1:PORT" once it accepts requests.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import WSGIServer, get_internal_wsgi_application, run  # noqa: E402


def migrate():
    os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated in {time.monotonic() - started:.2f} s", flush=True)


def seed_user():
    username = os.environ.get("SEED_USERNAME", "")
    password = os.environ.get("SEED_PASSWORD", "")
    if not username or not password:
        return
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.email = os.environ.get("SEED_EMAIL", "")
    user.is_active = True
    user.set_password(password)
    user.save()
    print(f"seed user {username} ready", flush=True)


class ReadyServer(WSGIServer):
    """Django's WSGI server that says when it is bound, so the test helper knows when to poll."""

    def server_activate(self):
        super().server_activate()
        host, port = self.server_address[:2]
        print(f"listening on http://{host}:{port}", flush=True)


def main():
    port = int(os.environ.get("PORT", "8000"))
    migrate()
    seed_user()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run("127.0.0.1", port, get_internal_wsgi_application(), threading=True, server_cls=ReadyServer)


if __name__ == "__main__":
    main()
