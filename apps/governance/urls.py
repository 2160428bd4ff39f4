"""Compliance page routes (mounted at /compliance/)."""

from django.urls import path

from apps.governance import views

app_name = "governance"

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export/", views.audit_export, name="audit-export"),
    path("audit/<int:seq>/", views.audit_detail, name="audit-detail"),
    path("anomalies/", views.anomaly_list, name="anomalies"),
    path("anomalies/<int:report_id>/<str:action>/", views.anomaly_update, name="anomaly-update"),
    path("access-requests/", views.access_request_page, name="access-requests"),
    path(
        "access-requests/<int:request_id>/<str:action>/",
        views.access_request_update,
        name="access-request-update",
    ),
]
