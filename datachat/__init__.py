"""The DataChat project package: settings, URLs, the Celery app and adapters to outside services."""

from datachat.celery import app as celery_app

__all__ = ("celery_app",)
