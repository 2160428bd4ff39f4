"""Chat API routes (mounted under /api/v1/ by datachat/urls.py)."""

from django.urls import path

from apps.chat.api import views

urlpatterns = [
    path("chat/", views.ChatApi.as_view(), name="api-chat"),
    path("query/", views.QueryApi.as_view(), name="api-query"),
    path("jobs/<uuid:pk>/", views.JobApi.as_view(), name="api-job"),
    path("jobs/<uuid:pk>/cancel/", views.JobCancelApi.as_view(), name="api-job-cancel"),
    path("conversations/", views.ConversationListApi.as_view(), name="api-conversations"),
    path(
        "conversations/<int:pk>/",
        views.ConversationDetailApi.as_view(),
        name="api-conversation",
    ),
    path(
        "messages/<int:pk>/feedback/",
        views.MessageFeedbackApi.as_view(),
        name="api-message-feedback",
    ),
    path(
        "messages/<int:pk>/export/",
        views.MessageExportApi.as_view(),
        name="api-message-export",
    ),
]
