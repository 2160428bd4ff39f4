"""Compliance API routes (mounted under /api/v1/ by datachat/urls.py)."""

from django.urls import path

from apps.governance.api import views

urlpatterns = [
    path("audit/", views.AuditListApi.as_view(), name="api-audit"),
    path("anomalies/", views.AnomalyListApi.as_view(), name="api-anomalies"),
    path(
        "anomalies/<int:pk>/acknowledge/",
        views.AnomalyAcknowledgeApi.as_view(),
        name="api-anomaly-acknowledge",
    ),
    path("tokens/", views.TokenListApi.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", views.TokenDetailApi.as_view(), name="api-token"),
]
