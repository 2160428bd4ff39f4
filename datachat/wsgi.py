"""WSGI entry point (gunicorn `datachat.wsgi:application`).

With DJANGO_SETTINGS_MODULE unset it loads the production settings, never the local ones: a server
started without its configuration then stops with ImproperlyConfigured naming what is missing,
instead of serving with the demo's secret key. `manage.py` keeps the local default for developers.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
