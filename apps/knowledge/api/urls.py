"""Knowledge API routes (mounted under /api/v1/ by datachat/urls.py)."""

from django.urls import path

from apps.knowledge.api import views

urlpatterns = [
    path("knowledge/documents/", views.DocumentListApi.as_view(), name="api-documents"),
    path(
        "knowledge/documents/<int:pk>/",
        views.DocumentDetailApi.as_view(),
        name="api-document",
    ),
    path("datasources/", views.DataSourceListApi.as_view(), name="api-datasources"),
    path("datasources/<int:pk>/", views.DataSourceDetailApi.as_view(), name="api-datasource"),
]
