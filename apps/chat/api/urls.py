from django.urls import path

from apps.chat.api import views

urlpatterns = [
    path("chat/", views.ChatApi.as_view(), name="api-chat"),
    path("query/", views.QueryApi.as_view(), name="api-query"),
]
