"""The Celery application.

Without REDIS_URL tasks run eagerly in-process (the embedded default); with it Redis is the broker
and result backend and real workers consume the queues.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings.local")

app = Celery("datachat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
