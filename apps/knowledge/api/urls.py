"""API routes of this app (mounted under /api/v1/ by datachat/urls.py)."""

urlpatterns: list = []
