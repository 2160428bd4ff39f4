"""Page routes of this app (mounted at /knowledge/)."""

from django.urls import path

from apps.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.knowledge_browse, name="browse"),
    path("documents/<int:document_id>/", views.document_detail, name="document"),
]
