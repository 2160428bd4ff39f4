"""The Celery application.

Without REDIS_URL tasks run eagerly in-process (the embedded default); with it Redis is the broker
and result backend and real workers consume the queues.

With DJANGO_SETTINGS_MODULE unset a worker or beat loads the production settings (as `wsgi.py`
does), so one started without its configuration fails loudly instead of running with development
secrets. `manage.py` sets the local settings before this module is imported, and so does the
test suite; a developer's worker says so explicitly
(`DJANGO_SETTINGS_MODULE=datachat.settings.local celery -A datachat worker`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings.production")

app = Celery("datachat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
